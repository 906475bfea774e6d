"""Types, column reading and read errors shared by the Dask path."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from fipfit.errors import FileFormatError
from fipfit.events import check_finite

__all__ = ["FloatArray", "Sums", "dataset_error", "float_column"]

FloatArray = NDArray[np.float64]
Sums = dict[str, Any]


def float_column(part: pd.DataFrame, name: str) -> FloatArray:
    """Return a column of one partition as floats, checked to be finite."""
    values = np.asarray(part[name].to_numpy(), dtype=np.float64)
    check_finite(values, f"value in column '{name}'")
    return values


def dataset_error(source: str, error: BaseException) -> FileFormatError:
    """Build the error for a dataset whose files Dask or Arrow failed to read."""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return FileFormatError(
        f"cannot read the Parquet dataset '{source}': {reason}; a file is "
        "truncated or corrupt, or the files do not all have the same columns"
    )
