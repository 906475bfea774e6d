"""Partitions of one variable: bin edges, equal-weight (quantile) bins, labels.

Edges are increasing; bin k holds values in [edges[k], edges[k+1]), and the last
bin is closed on the right. Values outside the edges get label -1: they are not
in the partition, as events outside a fit's range are not in the fit.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import FipfitError
from fipfit.events import as_float_array, check_finite

__all__ = ["check_edges", "labels_from_edges", "quantile_edges"]

FloatArray = NDArray[np.float64]


def check_edges(edges: ArrayLike) -> FloatArray:
    """Return `edges` as floats after checking they are finite and increasing."""
    array = as_float_array(edges, "bin edges")
    if array.ndim != 1 or array.size < 2:
        raise FipfitError(
            f"bin edges need at least two values, got {array.size}: "
            "give them as E1,E2,... in increasing order"
        )
    check_finite(array, "bin edge")
    if np.any(np.diff(array) <= 0):
        raise FipfitError(
            f"bin edges must increase strictly, got {array.tolist()}: sort them "
            "and remove duplicates"
        )
    return array


def labels_from_edges(values: ArrayLike, edges: ArrayLike) -> NDArray[np.intp]:
    """Return the bin label of each value, -1 for values outside the edges."""
    x = as_float_array(values, "values")
    e = check_edges(edges)
    labels = np.searchsorted(e, x, side="right") - 1
    labels[x == e[-1]] = e.size - 2
    labels[(x < e[0]) | (x > e[-1]) | np.isnan(x)] = -1
    return labels.astype(np.intp)


def quantile_edges(
    values: ArrayLike, weight: ArrayLike | None, n_bins: int
) -> FloatArray:
    """Return edges of `n_bins` bins holding equal sums of |weight|.

    Parameters
    ----------
    values : array-like of shape (n_events,)
    weight : array-like of shape (n_events,) or None
        Event weights; their absolute values set the quantiles, so that
        negative weights cannot make the cumulative sum decrease. None counts
        events.
    n_bins : int

    Notes
    -----
    Ties in `values` (a discrete variable, or a classifier that saturates) can
    make two quantiles equal; such edges are merged, so fewer than `n_bins`
    bins may come back.
    """
    if n_bins < 1:
        raise FipfitError(f"number of bins must be at least 1, got {n_bins}")
    x = as_float_array(values, "values")
    check_finite(x, "value of the binning variable")
    if x.size == 0:
        raise FipfitError("no events to bin: the binning variable is empty")
    w = np.ones_like(x) if weight is None else np.abs(as_float_array(weight, "weight"))
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    cumulative = np.cumsum(w[order])
    total = cumulative[-1]
    if total <= 0:
        raise FipfitError("all weights are zero: quantile bins are undefined")
    targets = total * np.arange(1, n_bins) / n_bins
    inner = sorted_x[np.searchsorted(cumulative, targets, side="left")]
    edges = np.concatenate([[sorted_x[0]], inner, [sorted_x[-1]]])
    edges = np.unique(edges)
    if edges.size < 2:
        raise FipfitError(
            "the binning variable takes a single value: it cannot be partitioned"
        )
    return edges
