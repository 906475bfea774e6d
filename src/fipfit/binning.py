"""Partitions of one variable: bin edges, equal-weight (quantile) bins, labels.

Edges are increasing; bin k contains the values in [edges[k], edges[k+1]), and the last
bin is closed on the right. Values outside the edges get label -1: they are not
in the partition, as events outside a fit's range are not in the fit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import FipfitError
from fipfit.events import as_float_array, check_finite

__all__ = [
    "check_edges",
    "grid_labels",
    "labels_from_edges",
    "labels_within_edges",
    "optimal_edges",
    "optimal_grid_edges",
    "quantile_edges",
]

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
    if weight is None:
        w = np.ones_like(x)
    else:
        w = np.abs(as_float_array(weight, "weight"))
        if w.shape != x.shape:
            raise FipfitError(
                f"quantile_edges got {x.size} values but {w.size} weights: "
                "give one weight per value"
            )
        check_finite(w, "weight")
    # Ties in x have equal values, so their order changes no edge beyond
    # round-off in the cumulative sum, and the default (unstable) sort is
    # several times faster than a stable one.
    order = np.argsort(x)
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


# Partitions that maximise the information.
#
# For bins made of consecutive pre-bins, I(P) = sum_k D_k^2 / W_k is a sum of
# terms that each depend on one bin's first and last pre-bin only. Dynamic
# programming over the prefix sums of W and D therefore finds the best K-bin
# partition of M pre-bins exactly, in O(K M^2) operations.

#: Largest pre-binning `optimal_edges` accepts: its score matrix takes
#: 8 (M + 1)^2 bytes per parameter, 134 MB at this size.
MAX_PREBINS = 4096


def labels_within_edges(values: ArrayLike, edges: ArrayLike) -> NDArray[np.intp]:
    """Return bin labels with the first and last bin open to the outside.

    Values below the first edge go to the first bin and values above the last
    edge to the last bin. Use it for edges found on one sample (a training set)
    and applied to another, whose extreme values may lie beyond them.
    """
    x = as_float_array(values, "values")
    e = check_edges(edges)
    check_finite(x, "value of the binning variable")
    return labels_from_edges(np.clip(x, e[0], e[-1]), e)


def _derivative_columns(dweight: ArrayLike, n_events: int) -> FloatArray:
    d = as_float_array(dweight, "weight derivative")
    if d.ndim == 1:
        d = d[:, np.newaxis]
    if d.ndim != 2 or d.shape[0] != n_events:
        raise FipfitError(
            f"dweight has shape {d.shape} for {n_events} values: give one "
            "derivative (or one row of derivatives) per event"
        )
    check_finite(d, "weight derivative")
    return d


def _prebin_edges(
    x: FloatArray, w: FloatArray, n_bins: int, n_prebins: int
) -> FloatArray:
    """Return pre-bin edges: |w|-quantiles plus the equal-weight edges of `n_bins`.

    Adding the equal-weight edges makes the quantile partition one of the
    candidates, so the optimum is never below it on the same events.
    """
    fine = quantile_edges(x, w, n_prebins)
    coarse = quantile_edges(x, w, n_bins)
    return np.unique(np.concatenate([fine, coarse]))


def _score_matrix(
    bin_weight: FloatArray, bin_dweight: FloatArray, floor: float
) -> FloatArray:
    """Return S[i, j] = sum_p D_p^2 / W of pre-bins i .. j-1, -inf where not allowed.

    A bin is allowed when j > i and its total weight W is at least `floor`.
    The floor is positive because bins with W <= 0 have no Poisson meaning.
    """
    cumulative_w = np.concatenate([[0.0], np.cumsum(bin_weight)])
    cumulative_d = np.vstack(
        [np.zeros((1, bin_dweight.shape[1])), np.cumsum(bin_dweight, axis=0)]
    )
    width = cumulative_w[np.newaxis, :] - cumulative_w[:, np.newaxis]
    size = cumulative_w.size
    allowed = np.triu(np.ones((size, size), dtype=bool), k=1) & (width >= floor)
    squares = np.zeros((size, size))
    for column in range(bin_dweight.shape[1]):
        c = cumulative_d[:, column]
        squares += (c[np.newaxis, :] - c[:, np.newaxis]) ** 2
    score = np.full((size, size), -np.inf)
    score[allowed] = squares[allowed] / width[allowed]
    return score


def _best_cuts(score: FloatArray, n_bins: int) -> tuple[NDArray[np.intp], int]:
    """Return the K+1 prefix positions of the best partition into `n_bins` bins.

    Also returns the largest number of bins (up to `n_bins`) that can be made;
    when it is below `n_bins` the returned cuts are empty.
    """
    size = score.shape[0]
    columns = np.arange(size)
    # best[j]: the most information of k bins covering pre-bins 0 .. j-1.
    best = np.full(size, -np.inf)
    best[0] = 0.0
    previous = np.empty((n_bins, size), dtype=np.intp)
    feasible = 0
    for k in range(n_bins):
        candidates = best[:, np.newaxis] + score
        previous[k] = np.argmax(candidates, axis=0)
        best = candidates[previous[k], columns]
        if not np.isfinite(best[-1]):
            return np.empty(0, dtype=np.intp), feasible
        feasible = k + 1
    cuts = [size - 1]
    for k in range(n_bins - 1, -1, -1):
        cuts.append(int(previous[k, cuts[-1]]))
    return np.array(cuts[::-1], dtype=np.intp), feasible


def optimal_edges(
    values: ArrayLike,
    weight: ArrayLike,
    dweight: ArrayLike,
    n_bins: int,
    *,
    n_prebins: int = 1000,
    min_weight: float = 0.0,
) -> FloatArray:
    """Return the edges of the `n_bins` bins with the most information.

    The events are first cut into about `n_prebins` pre-bins of equal |weight|.
    Among all partitions into `n_bins` runs of consecutive pre-bins whose total
    weight W_k is positive and at least `min_weight`, dynamic programming finds
    the one that maximises I(P) = sum_k D_k^2 / W_k exactly.

    Parameters
    ----------
    values : array-like of shape (n_events,)
        The variable to partition in (an observable or a regressor's output).
    weight : array-like of shape (n_events,)
    dweight : array-like of shape (n_events,) or (n_events, n_parameters)
    n_bins : int
    n_prebins : int, default 1000
        Pre-bins of equal |weight|; at most 4096. Ties in `values` can merge
        pre-bins.
    min_weight : float, default 0.0
        Smallest total weight of a bin, for example the minimum expected count
        divided by the luminosity.

    Returns
    -------
    ndarray of shape (n_bins + 1,)
        Increasing edges; the first and last are the extreme values. Ties in
        `values` (a discrete variable) can leave fewer pre-bins than
        `n_bins`; then each pre-bin is a candidate bin and fewer bins can come
        back, as with `quantile_edges`.

    Raises
    ------
    FipfitError
        If the events cannot fill `n_bins` bins of positive weight and at least
        `min_weight` each, or on invalid arguments.

    Notes
    -----
    The optimum is exact over the pre-binning, which also contains the
    equal-weight edges of `n_bins` bins: on the events it was computed from,
    the result is never below `quantile_edges` with the same `n_bins` (when
    that partition meets `min_weight`). It is then an estimate, biased upwards
    by about K over the effective number of events like any I(P) from MC;
    measure it on independent events.

    With several parameters the objective is sum_i I(P)_ii / J_i with
    J_i = sum_e d_ei^2 / |w_e|: each parameter's information counts relative
    to its own scale, and the sum stays additive over bins, which the dynamic
    programming needs. It ignores the correlations between parameters (the
    off-diagonal elements of I(P)).

    The cost is O(n_bins * M^2) time and 8 (M + 1)^2 bytes per parameter for M
    pre-bins.
    """
    if n_bins < 1:
        raise FipfitError(f"number of bins must be at least 1, got {n_bins}")
    if not n_bins <= n_prebins <= MAX_PREBINS:
        raise FipfitError(
            f"n_prebins must be between the number of bins ({n_bins}) and "
            f"{MAX_PREBINS}, got {n_prebins}"
        )
    if not (np.isfinite(min_weight) and min_weight >= 0):
        raise FipfitError(f"min_weight must be a non-negative number, got {min_weight}")
    x = as_float_array(values, "values")
    w = as_float_array(weight, "weight")
    if x.ndim != 1 or w.shape != x.shape:
        raise FipfitError(
            f"values have shape {x.shape} and weight {w.shape}: give one value "
            "and one weight per event"
        )
    check_finite(w, "weight")
    d = _derivative_columns(dweight, x.size)

    edges = _prebin_edges(x, w, n_bins, n_prebins)
    labels = labels_from_edges(x, edges)
    n_pre = edges.size - 1
    bin_weight = np.asarray(
        np.bincount(labels, weights=w, minlength=n_pre), dtype=np.float64
    )
    scale = np.sum(d * d / np.where(w != 0, np.abs(w), 1.0)[:, np.newaxis], axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    bin_dweight = np.column_stack(
        [
            np.bincount(labels, weights=d[:, i], minlength=n_pre) / np.sqrt(scale[i])
            for i in range(d.shape[1])
        ]
    )

    # Prefix differences carry rounding errors of about eps times the running
    # sum, so a bin lighter than that is treated as W = 0 and not allowed.
    rounding = 64 * np.finfo(np.float64).eps * float(np.abs(w).sum())
    floor = max(float(min_weight), rounding)
    score = _score_matrix(bin_weight, bin_dweight, floor)
    n_made = min(n_bins, n_pre)
    cuts, feasible = _best_cuts(score, n_made)
    if cuts.size == 0:
        raise FipfitError(
            f"cannot make {n_made} bins of positive weight and at least "
            f"{min_weight:g} each: the {x.size} events (total weight "
            f"{float(w.sum()):.6g}) fill at most {feasible}; request fewer bins "
            "or a lower minimum weight"
        )
    return np.asarray(edges[cuts], dtype=np.float64)


def optimal_grid_edges(
    values: ArrayLike,
    weight: ArrayLike,
    dweight: ArrayLike,
    n_bins: int | Sequence[int],
    *,
    n_prebins: int = 1000,
    min_weight: float = 0.0,
) -> list[FloatArray]:
    """Return optimal edges for each column of `values`, for a product grid.

    Column i of `values` (for example a regressor's estimate of gamma_i) is
    binned by `optimal_edges` for parameter i alone, column i of `dweight`.

    Parameters
    ----------
    values : array-like of shape (n_events, n_parameters)
    weight : array-like of shape (n_events,)
    dweight : array-like of shape (n_events, n_parameters)
    n_bins : int or sequence of int
        Bins per column.
    n_prebins, min_weight
        As in `optimal_edges`, per column; the cells of the grid can hold less
        than `min_weight`.

    Returns
    -------
    list of ndarray
        The edges of each column; `grid_labels` turns them into cell labels.
    """
    x = as_float_array(values, "values")
    if x.ndim == 1:
        x = x[:, np.newaxis]
    d = _derivative_columns(dweight, x.shape[0])
    if d.shape[1] != x.shape[1]:
        raise FipfitError(
            f"values have {x.shape[1]} columns but dweight {d.shape[1]}: give "
            "one regressed component per parameter"
        )
    counts = [n_bins] * x.shape[1] if isinstance(n_bins, int) else list(n_bins)
    if len(counts) != x.shape[1]:
        raise FipfitError(
            f"{len(counts)} bin counts for {x.shape[1]} columns: give one per column"
        )
    return [
        optimal_edges(
            x[:, i],
            weight,
            d[:, i],
            counts[i],
            n_prebins=n_prebins,
            min_weight=min_weight,
        )
        for i in range(x.shape[1])
    ]


def grid_labels(
    values: ArrayLike, edges: Sequence[ArrayLike]
) -> tuple[NDArray[np.intp], int]:
    """Return the cell of each event in the product grid of per-column edges.

    Values beyond the outer edges of a column join that column's first or last
    bin, as in `labels_within_edges`.

    Returns
    -------
    labels : ndarray of int, shape (n_events,)
    n_cells : int
        The product of the columns' bin counts.
    """
    x = as_float_array(values, "values")
    if x.ndim == 1:
        x = x[:, np.newaxis]
    if x.shape[1] != len(edges):
        raise FipfitError(
            f"values have {x.shape[1]} columns but {len(edges)} sets of edges"
        )
    labels = np.zeros(x.shape[0], dtype=np.intp)
    n_cells = 1
    for column, column_edges in enumerate(edges):
        n_column = np.asarray(column_edges).size - 1
        labels = labels * n_column + labels_within_edges(x[:, column], column_edges)
        n_cells *= n_column
    return labels, n_cells
