"""Allow ``python -m fipfit``."""

import sys

from fipfit.cli import main

sys.exit(main())
