"""Checks of the metrics' inputs: vectors, class labels and weights."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import InvalidEventsError
from fipfit.events import as_float_array, check_finite

__all__ = ["FloatArray", "as_binary", "as_sample_weight", "as_vector"]

FloatArray = NDArray[np.float64]


def as_vector(values: ArrayLike, name: str, n_events: int | None = None) -> FloatArray:
    """Return `values` as a finite float vector with `n_events` entries."""
    array = as_float_array(values, name)
    if array.ndim != 1:
        raise InvalidEventsError(
            f"{name} must be one-dimensional, got shape {array.shape}"
        )
    if n_events is not None and array.shape[0] != n_events:
        raise InvalidEventsError(
            f"{name} has {array.shape[0]} entries, expected {n_events}: "
            "give one entry per event"
        )
    check_finite(array, name)
    return array


def as_binary(values: ArrayLike, name: str, n_events: int | None = None) -> FloatArray:
    """Return signal (1) and background (0) labels as floats."""
    array = as_vector(values, name, n_events)
    bad = (array != 0) & (array != 1)
    if bad.any():
        raise InvalidEventsError(
            f"{int(bad.sum())} entries of {name} are neither 0 nor 1, for example "
            f"{array[bad][0]}: use 1 for signal and 0 for background"
        )
    return array


def as_sample_weight(values: ArrayLike | None, n_events: int) -> FloatArray:
    """Return the weights (ones for None), checked to have a positive sum."""
    if values is None:
        weight = np.ones(n_events)
    else:
        weight = as_vector(values, "sample_weight", n_events)
    total = float(weight.sum())
    if not total > 0:
        raise InvalidEventsError(
            f"the weights sum to {total}: weighted means need a positive total "
            "weight; check the sample or add events"
        )
    return weight
