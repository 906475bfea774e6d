"""Fisher information of a partition of weighted events, and FIP.

For a partition P of the selected events into K bins with W_k = sum of w_e and
D_k = sum of d_e over the events in bin k, a binned Poisson fit has

    I(P) = sum_k D_k D_k^T / W_k        (per unit luminosity)

and an ideal detector, resolving every sensitive event with no background and
full acceptance, has I_ideal = sum_e d_e d_e^T / w_e over all events. The
fraction FIP = I(P) / I_ideal (one parameter) measures how much of the
information the partition keeps. Everything here is a sum over events followed
by arithmetic on K-sized arrays, so memory stays at a few arrays of length n.

Bins whose total weight W_k <= 0 (possible with negative weights) have no
Poisson meaning: they are left out of I(P) and listed in ``nonpositive_bins``,
with a `NonPositiveBinWarning`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import InvalidEventsError, NonPositiveBinWarning
from fipfit.events import Events, as_float_array, check_weights

__all__ = [
    "BinTable",
    "PartitionInformation",
    "bin_table",
    "bin_table_from_sums",
    "fip_from_matrices",
    "ideal_information",
    "information_from_bins",
    "partition_information",
    "partition_information_from_sums",
    "weighted_bincount",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


def weighted_bincount(
    labels: NDArray[np.intp], weights: FloatArray, size: int
) -> FloatArray:
    """Sum `weights` per label in [0, size), as float64 of shape (size,)."""
    return np.asarray(
        np.bincount(labels, weights=weights, minlength=size), dtype=np.float64
    )


def _as_2d(weight: ArrayLike, dweight: ArrayLike) -> tuple[FloatArray, FloatArray]:
    w = as_float_array(weight, "weight")
    d = as_float_array(dweight, "weight derivative")
    if d.ndim == 1:
        d = d[:, np.newaxis]
    check_weights(w, d)
    return w, d


def ideal_information(
    weight: ArrayLike, dweight: ArrayLike, *, mask: ArrayLike | None = None
) -> FloatArray:
    """Compute the ideal information sum_e d_e d_e^T / w_e.

    Parameters
    ----------
    weight : array-like of shape (n_events,)
    dweight : array-like of shape (n_events,) or (n_events, n_parameters)
    mask : array-like of bool, shape (n_events,), optional
        Restrict the sum to these events (for example the selected ones).

    Returns
    -------
    ndarray of shape (n_parameters, n_parameters)
        Events with zero weight (and zero derivative) contribute nothing.
    """
    w, d = _as_2d(weight, dweight)
    if mask is not None:
        keep = np.asarray(mask, dtype=bool)
        if keep.shape != w.shape:
            raise InvalidEventsError(
                f"mask has shape {keep.shape} but there are {w.shape[0]} events: "
                "give one boolean per event"
            )
        w, d = w[keep], d[keep]
    return _ideal_matrix(w, d)


def _ideal_matrix(weight: FloatArray, dweight: FloatArray) -> FloatArray:
    nonzero = weight != 0
    w, d = weight, dweight
    if not nonzero.all():
        w, d = _compress(nonzero, weight, dweight)
    # Overflow (d^2 / w beyond float64) is detected below and reported.
    with np.errstate(over="ignore", invalid="ignore"):
        if d.shape[1] == 1:
            # The single-parameter case is the hot path: one fused reduction.
            matrix = np.array([[float(np.dot(d[:, 0], d[:, 0] / w))]])
        else:
            matrix = np.asarray(d.T @ (d / w[:, np.newaxis]), dtype=np.float64)
    if not np.isfinite(matrix).all():
        raise InvalidEventsError(
            "the ideal information sum d^2/w overflows float64: multiply weights "
            "and derivatives by a common small factor (the information scales "
            "with it and FIP does not change)"
        )
    return matrix


def _compress(
    mask: NDArray[np.bool_], weight: FloatArray, dweight: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return the rows of `weight` (n,) and `dweight` (n, p) where `mask` is true."""
    # np.compress along axis 0 copies an (n, p) array several times faster than
    # boolean indexing, which takes a slow path for two-dimensional arrays.
    return weight[mask], np.compress(mask, dweight, axis=0)


def _bin_sums(
    weight: FloatArray, dweight: FloatArray, labels: IntArray, n_bins: int
) -> tuple[FloatArray, FloatArray]:
    """Sum W of shape (K,) and D of shape (K, p) over events with labels in [0, K)."""
    bin_weight = weighted_bincount(labels, weight, n_bins)
    bin_dweight = np.column_stack(
        [
            weighted_bincount(labels, dweight[:, i], n_bins)
            for i in range(dweight.shape[1])
        ]
    )
    return bin_weight, bin_dweight


def information_from_bins(
    bin_weight: FloatArray, bin_dweight: FloatArray
) -> tuple[FloatArray, IntArray]:
    """Compute I(P) from per-bin sums W of shape (K,) and D of shape (K, p).

    Returns the information matrix, summed over the bins with W_k > 0, and the
    indices of the bins with W_k <= 0 that were left out (empty bins with
    W_k = D_k = 0 are not listed: they carry no events).
    """
    positive = bin_weight > 0
    empty = (bin_weight == 0) & np.all(bin_dweight == 0, axis=1)
    nonpositive = np.flatnonzero(~positive & ~empty)
    d = bin_dweight[positive]
    matrix = d.T @ (d / bin_weight[positive, np.newaxis])
    return np.asarray(matrix, dtype=np.float64), nonpositive


def fip_from_matrices(information: FloatArray, ideal: FloatArray) -> FloatArray:
    """Return the per-parameter FIP_i = [I_ideal^-1]_ii / [I(P)^-1]_ii.

    For one parameter this is I(P) / I_ideal. A parameter that the partition
    cannot measure (singular I(P)) gets FIP 0. A zero or singular `ideal` (a
    diagnostic ratio over a partition without sensitive events) gives NaN.
    """
    if information.shape == (1, 1):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.array([information[0, 0] / ideal[0, 0]])
    if not (np.isfinite(information).all() and np.isfinite(ideal).all()):
        # NaN matrices come from shape-only information with total weight <= 0.
        return np.full(information.shape[0], np.nan)
    if np.any(np.diag(ideal) <= 0):
        return np.full(information.shape[0], np.nan)
    # Scaling both matrices to the unit diagonal of `ideal` leaves each ratio
    # unchanged, and makes the rank test below independent of the parameters'
    # units (theta_i -> c_i theta_i).
    ideal, information = (
        _unit_diagonal(ideal, ideal),
        _unit_diagonal(information, ideal),
    )
    try:
        ideal_variance = np.diag(np.linalg.inv(ideal))
    except np.linalg.LinAlgError:
        return np.full(information.shape[0], np.nan)
    # np.linalg.inv does not always raise on a rank-deficient matrix (a single
    # bin gives I(P) of rank 1): it can return inf or NaN, so check the rank.
    if np.linalg.matrix_rank(information) < information.shape[0]:
        return np.zeros(information.shape[0])
    try:
        variance = np.diag(np.linalg.inv(information))
    except np.linalg.LinAlgError:
        return np.zeros(information.shape[0])
    with np.errstate(divide="ignore"):
        # A non-positive variance means I(P) is numerically singular.
        fip = np.where(variance > 0, ideal_variance / variance, 0.0)
    return np.asarray(fip, dtype=np.float64)


def _unit_diagonal(matrix: FloatArray, reference: FloatArray) -> FloatArray:
    """Return S M S with S = diag(reference)^(-1/2), for a positive diagonal."""
    scale = 1.0 / np.sqrt(np.diag(reference))
    return np.asarray(matrix * np.outer(scale, scale), dtype=np.float64)


@dataclass(frozen=True)
class BinTable:
    """Per-bin sums of a partition.

    Attributes
    ----------
    weight : ndarray of shape (K,)
        W_k, the sum of weights.
    dweight : ndarray of shape (K, n_parameters)
        D_k, the sum of weight derivatives.
    gamma_mean : ndarray of shape (K, n_parameters)
        Gamma_k = D_k / W_k, the weighted mean sensitivity (NaN where W_k = 0).
    n_events : ndarray of shape (K,)
        Number of MC events.
    n_effective : ndarray of shape (K,)
        Effective number of MC events (sum w)^2 / sum w^2.
    signal_weight : ndarray of shape (K,) or None
        Sum of signal weights, where labels exist.
    purity : ndarray of shape (K,) or None
        Signal weight over total weight, where labels exist.
    share : ndarray of shape (K, n_parameters)
        Each bin's share of the diagonal of I(P); zero for bins left out.
    """

    weight: FloatArray
    dweight: FloatArray
    gamma_mean: FloatArray
    n_events: NDArray[np.int64]
    n_effective: FloatArray
    signal_weight: FloatArray | None
    purity: FloatArray | None
    share: FloatArray

    def __len__(self) -> int:
        return int(self.weight.shape[0])


def bin_table(
    weight: FloatArray,
    dweight: FloatArray,
    labels: IntArray,
    n_bins: int,
    *,
    signal: NDArray[np.bool_] | None = None,
) -> BinTable:
    """Sum weights and derivatives of events with bin labels in [0, n_bins)."""
    # Two reductions find the common case of every label in range without
    # building a mask.
    all_inside = labels.size == 0 or (labels.min() >= 0 and labels.max() < n_bins)
    bins, w, d = labels, weight, dweight
    inside = None
    if not all_inside:
        inside = (labels >= 0) & (labels < n_bins)
        bins = labels[inside]
        w, d = _compress(inside, weight, dweight)
    bin_weight, bin_dweight = _bin_sums(w, d, bins, n_bins)
    # n_effective does not change when all weights scale, so the weights are
    # divided by the largest |w| first: w * w would underflow to 0 for w near
    # 1e-300 and overflow for w near 1e300.
    scale = max(float(w.max(initial=0.0)), -float(w.min(initial=0.0))) or 1.0
    squared = w / scale
    np.square(squared, out=squared)  # in place: one temporary of n floats, not two
    sum_w2 = weighted_bincount(bins, squared, n_bins)
    scaled_weight = bin_weight / scale
    counts = np.bincount(bins, minlength=n_bins).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_effective = np.where(sum_w2 > 0, scaled_weight**2 / sum_w2, 0.0)
    signal_weight = None
    if signal is not None:
        signal_weight = weighted_bincount(
            bins, np.where(signal if inside is None else signal[inside], w, 0.0), n_bins
        )
    return bin_table_from_sums(
        bin_weight, bin_dweight, counts, n_effective, signal_weight=signal_weight
    )


def bin_table_from_sums(
    bin_weight: FloatArray,
    bin_dweight: FloatArray,
    n_events: NDArray[np.int64],
    n_effective: FloatArray,
    *,
    signal_weight: FloatArray | None = None,
) -> BinTable:
    """Build the per-bin table from per-bin sums over events.

    Parameters
    ----------
    bin_weight : ndarray of shape (K,)
        W_k, the sum of weights per bin.
    bin_dweight : ndarray of shape (K, n_parameters)
        D_k, the sum of weight derivatives per bin.
    n_events : ndarray of int, shape (K,)
    n_effective : ndarray of shape (K,)
        Effective number of MC events per bin, (sum w)^2 / sum w^2.
    signal_weight : ndarray of shape (K,), optional
        Sum of signal weights per bin, where labels exist.

    Notes
    -----
    The in-memory `bin_table` and the Dask path both end here, so a table
    built from sums added over chunks of events equals the one built from
    all events at once, up to the rounding of the additions.
    """
    gamma_mean = _divide(bin_dweight, bin_weight[:, np.newaxis])
    purity = None if signal_weight is None else _divide(signal_weight, bin_weight)
    positive = bin_weight > 0
    contribution = np.zeros_like(bin_dweight)
    # D * (D / W) rather than D**2 / W: D**2 overflows for D near 1e155 and
    # underflows for D near 1e-155 even where D**2 / W is representable.
    contribution[positive] = bin_dweight[positive] * (
        bin_dweight[positive] / bin_weight[positive, None]
    )
    total = contribution.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, contribution / total, 0.0)
    return BinTable(
        weight=bin_weight,
        dweight=bin_dweight,
        gamma_mean=gamma_mean,
        n_events=n_events,
        n_effective=n_effective,
        signal_weight=signal_weight,
        purity=purity,
        share=share,
    )


def _divide(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        # Empty bins give 0/0: their mean sensitivity and purity are undefined.
        return np.asarray(numerator / denominator, dtype=np.float64)


@dataclass(frozen=True)
class PartitionInformation:
    """Information of a partition and the diagnostics around it.

    Matrices have shape (n_parameters, n_parameters) and per-parameter values
    shape (n_parameters,), also for a single parameter.

    Attributes
    ----------
    parameters : tuple of str
    information : ndarray
        I(P), over the bins with W_k > 0.
    ideal_information : ndarray
        I_ideal over all events, selected or not.
    ideal_information_selected : ndarray
        I_ideal over the events in the partition.
    sensitive_information : ndarray
        I(P) with the bins filled with the sensitive events alone (d_e != 0).
    shape_information, shape_ideal_information : ndarray
        The same with the overall normalisation free: I - D D^T / W summed.
    fip, shape_fip : ndarray
        FIP_i = [I_ideal^-1]_ii / [I(P)^-1]_ii, full and shape-only.
    efficiency, sharpness, purity_factor : ndarray
        The factorisation FIP = efficiency * sharpness * purity_factor, each a
        ratio of the same per-parameter variances: I_ideal against the selected
        ideal, the selected ideal against the sensitive-only partition, and the
        sensitive-only partition against I(P).
    bins : BinTable
    nonpositive_bins : ndarray of int
        Bins with W_k <= 0 that hold events; they are not in `information`.
    n_events : int
        Number of events in the partition.
    """

    parameters: tuple[str, ...]
    information: FloatArray
    ideal_information: FloatArray
    ideal_information_selected: FloatArray
    sensitive_information: FloatArray
    shape_information: FloatArray
    shape_ideal_information: FloatArray
    fip: FloatArray
    shape_fip: FloatArray
    efficiency: FloatArray
    sharpness: FloatArray
    purity_factor: FloatArray
    bins: BinTable
    nonpositive_bins: IntArray
    n_events: int


def _shape_matrix(
    matrix: FloatArray, total_w: float, total_d: FloatArray
) -> FloatArray:
    if total_w <= 0:
        return np.full_like(matrix, np.nan)
    # outer(D, D / W), not outer(D, D) / W, for the same reason as in bin_table.
    return np.asarray(matrix - np.outer(total_d, total_d / total_w), dtype=np.float64)


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """Per-parameter ratio of information matrices, as in `fip_from_matrices`."""
    return fip_from_matrices(numerator, denominator)


def partition_information(
    events: Events, labels: ArrayLike, n_bins: int | None = None
) -> PartitionInformation:
    """Compute I(P), I_ideal, FIP and the diagnostics of a partition.

    Parameters
    ----------
    events : Events
    labels : array-like of int, shape (n_events,)
        Bin of each event in [0, n_bins); -1 for events outside the partition.
        Unselected events are outside whatever their label.
    n_bins : int, optional
        Number of bins; default ``max(labels) + 1``.

    Raises
    ------
    InvalidEventsError
        If no event is sensitive (the ideal information is zero), or the labels
        do not match the events.

    Notes
    -----
    With positive weights FIP lies in [0, 1]. With negative weights the bound
    can fail on finite samples: a bin's sum can cancel and I_ideal is no longer
    a sum of positive terms. The numbers stay the estimates of a binned fit's
    information, but read them with their bootstrap uncertainty.
    """
    bins = np.asarray(labels)
    if bins.shape != (len(events),):
        raise InvalidEventsError(
            f"labels have shape {bins.shape}, expected ({len(events)},): "
            "one bin label per event"
        )
    if not np.issubdtype(bins.dtype, np.integer):
        raise InvalidEventsError(f"labels must be integers, got {bins.dtype}")
    if bins.size == 0:
        raise InvalidEventsError("the sample has no events: nothing to partition")
    bins = bins.astype(np.intp, copy=False)
    if not events.selected.all():
        bins = np.where(events.selected, bins, -1)
    largest = int(bins.max())
    k = largest + 1 if n_bins is None else int(n_bins)
    if k <= 0:
        raise InvalidEventsError("the partition has no bins: no event is selected")
    if largest >= k:
        raise InvalidEventsError(f"labels reach {largest} but n_bins is {k}")

    w, d = events.weight, events.dweight
    inside = None if bins.min() >= 0 else bins >= 0
    ideal = _ideal_matrix(w, d)
    # Most partitions keep every event, or every event is sensitive; those
    # cases reuse the sums they share instead of another pass over the events.
    ideal_selected = (
        ideal if inside is None else _ideal_matrix(*_compress(inside, w, d))
    )
    signal = None if events.label is None else events.label == 1
    table = bin_table(w, d, bins, k, signal=signal)
    sensitive = d[:, 0] != 0 if d.shape[1] == 1 else np.any(d != 0, axis=1)
    if sensitive.all():
        sensitive_weight, sensitive_dweight = table.weight, table.dweight
    else:
        keep = sensitive if inside is None else sensitive & inside
        sensitive_weight, sensitive_dweight = _bin_sums(
            *_compress(keep, w, d), bins[keep], k
        )
    return partition_information_from_sums(
        events.parameters,
        table,
        sensitive_weight,
        sensitive_dweight,
        ideal=ideal,
        ideal_selected=ideal_selected,
        total_weight=float(w.sum()),
        total_dweight=d.sum(axis=0),
        stacklevel=3,
    )


def partition_information_from_sums(
    parameters: tuple[str, ...],
    table: BinTable,
    sensitive_weight: FloatArray,
    sensitive_dweight: FloatArray,
    *,
    ideal: FloatArray,
    ideal_selected: FloatArray,
    total_weight: float,
    total_dweight: FloatArray,
    stacklevel: int = 2,
) -> PartitionInformation:
    """Compute I(P), FIP and the diagnostics from sums over events.

    Parameters
    ----------
    parameters : tuple of str
    table : BinTable
        Per-bin sums of the events in the partition.
    sensitive_weight : ndarray of shape (K,)
        W_k over the sensitive events alone (any d_e != 0).
    sensitive_dweight : ndarray of shape (K, n_parameters)
        D_k over the sensitive events alone.
    ideal : ndarray of shape (n_parameters, n_parameters)
        I_ideal over all events, selected or not.
    ideal_selected : ndarray of shape (n_parameters, n_parameters)
        I_ideal over the events in the partition.
    total_weight : float
        Sum of weights over all events, for the shape-only ideal information.
    total_dweight : ndarray of shape (n_parameters,)
        Sum of derivatives over all events.
    stacklevel : int, default 2
        Stack level of the `NonPositiveBinWarning`, counted from here.

    Raises
    ------
    InvalidEventsError
        If the ideal information of a parameter is zero (no sensitive event),
        or the ideal information matrix of several parameters is singular.
    """
    diagonal = np.diag(ideal)
    insensitive = [
        name for name, value in zip(parameters, diagonal, strict=True) if value == 0
    ]
    if insensitive:
        raise InvalidEventsError(
            f"the ideal information is zero for {insensitive}: no event has a "
            "non-zero weight derivative; check the dweight columns"
        )
    negative = [
        f"{name} ({value:.3g})"
        for name, value in zip(parameters, diagonal, strict=True)
        if value < 0
    ]
    if negative:
        raise InvalidEventsError(
            f"the ideal information sum d^2/w is negative for {negative}: the "
            "negative weights outweigh the positive ones; check the weight signs"
        )
    separable = np.linalg.matrix_rank(_unit_diagonal(ideal, ideal)) == len(parameters)
    if len(parameters) > 1 and not separable:
        raise InvalidEventsError(
            f"the ideal information matrix of {list(parameters)} is singular: the "
            "weight derivatives are linearly dependent (or fewer sensitive events "
            "than parameters), so no fit separates the parameters; drop or "
            "combine dweight columns"
        )
    information, nonpositive = information_from_bins(table.weight, table.dweight)
    if nonpositive.size:
        warnings.warn(
            f"{nonpositive.size} bins have total weight <= 0 and are left out of "
            f"the information: bins {nonpositive.tolist()[:10]}",
            NonPositiveBinWarning,
            stacklevel=stacklevel,
        )
    sensitive_information, _ = information_from_bins(
        sensitive_weight, sensitive_dweight
    )
    # The normalisation is profiled over the bins that enter I(P), so bins
    # with W_k <= 0 are left out of the totals too.
    kept = table.weight > 0
    shape_information = _shape_matrix(
        information, float(table.weight[kept].sum()), table.dweight[kept].sum(axis=0)
    )
    shape_ideal = _shape_matrix(ideal, total_weight, total_dweight)

    return PartitionInformation(
        parameters=parameters,
        information=information,
        ideal_information=ideal,
        ideal_information_selected=ideal_selected,
        sensitive_information=sensitive_information,
        shape_information=shape_information,
        shape_ideal_information=shape_ideal,
        fip=fip_from_matrices(information, ideal),
        shape_fip=fip_from_matrices(shape_information, shape_ideal),
        efficiency=_ratio(ideal_selected, ideal),
        sharpness=_ratio(sensitive_information, ideal_selected),
        purity_factor=_ratio(information, sensitive_information),
        bins=table,
        nonpositive_bins=nonpositive,
        n_events=int(table.n_events.sum()),
    )
