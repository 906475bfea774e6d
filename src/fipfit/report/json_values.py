"""Numbers for ``summary.json``, where NaN and infinities become null.

JSON has no NaN or infinity, so every number of a summary passes through
`finite`, and an undefined value (an empty bin, a singular matrix) is written
as null.
"""

from __future__ import annotations

import math

__all__ = ["finite"]


def finite(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None
