"""Bootstrap uncertainty of I(P) and FIP from the finite MC sample.

Events are assigned at random to G groups, the per-group, per-bin sums are
formed once, and each bootstrap replica resamples the groups with replacement.
For G equal to the number of events this is the ordinary bootstrap over events;
for larger samples the groups are blocks of independent events, so resampling
them estimates the same variance (each group sum is a sum of independent
events) at a cost of one pass over the events whatever the number of replicas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import Events
from fipfit.information import fip_from_matrices, weighted_bincount

__all__ = [
    "BootstrapResult",
    "bootstrap_from_group_sums",
    "bootstrap_information",
    "group_sums",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap replicas of I(P) and FIP, and their standard deviations.

    Attributes
    ----------
    information : ndarray of shape (n_resamples, n_parameters, n_parameters)
    fip : ndarray of shape (n_resamples, n_parameters)
    information_error : ndarray of shape (n_parameters, n_parameters)
    fip_error : ndarray of shape (n_parameters,)
    """

    information: FloatArray
    fip: FloatArray
    information_error: FloatArray
    fip_error: FloatArray


def group_sums(
    events: Events,
    labels: NDArray[np.intp],
    n_bins: int,
    groups: NDArray[np.intp],
    n_groups: int,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Sum W and D per (group, bin) and the ideal information per group.

    Returns arrays of shape (G, K), (G, K, p) and (G, p, p). Labels below 0 mark
    events outside the partition; they count in the ideal information only.
    """
    w, d = events.weight, events.dweight
    p = d.shape[1]
    size = n_groups * n_bins
    # Events outside the partition go to a spare cell past the last one, which
    # is dropped after the sums: cheaper than copying the events that remain.
    cell = np.multiply(groups, n_bins, dtype=np.intp)
    cell += labels
    if labels.size and labels.min() < 0:
        cell[labels < 0] = size
    bin_weight = weighted_bincount(cell, w, size + 1)[:size]
    bin_dweight = np.stack(
        [weighted_bincount(cell, d[:, i], size + 1)[:size] for i in range(p)],
        axis=-1,
    )
    # Events with zero weight have zero derivative and contribute nothing.
    gamma = np.divide(d, w[:, np.newaxis], out=np.zeros_like(d), where=w[:, None] != 0)
    ideal = np.empty((n_groups, p, p))
    for i in range(p):
        for j in range(i, p):
            values = weighted_bincount(groups, d[:, i] * gamma[:, j], n_groups)
            ideal[:, i, j] = values
            ideal[:, j, i] = values
    return (
        bin_weight.reshape(n_groups, n_bins),
        bin_dweight.reshape(n_groups, n_bins, p),
        ideal,
    )


def bootstrap_information(
    events: Events,
    labels: ArrayLike,
    n_bins: int,
    *,
    n_resamples: int = 200,
    n_groups: int = 1000,
    random_state: int | None = 0,
) -> BootstrapResult:
    """Estimate the MC statistical uncertainty of I(P) and FIP by bootstrap.

    Parameters
    ----------
    events : Events
    labels : array-like of int, shape (n_events,)
        Bin labels as for `partition_information`.
    n_bins : int
    n_resamples : int, default 200
        Bootstrap replicas; the relative error of the returned standard
        deviation is about 1 / sqrt(2 n_resamples), 5% for 200.
    n_groups : int, default 1000
        Number of resampled groups (at most the number of events).
    random_state : int or None, default 0

    Notes
    -----
    Bins left with W_k <= 0 in a replica are left out of that replica's I(P),
    as in `partition_information`.
    """
    if n_resamples < 2:
        raise FipfitError(f"n_resamples must be at least 2, got {n_resamples}")
    if n_groups < 1 or len(events) == 0:
        raise FipfitError(
            f"the bootstrap needs events and n_groups >= 1, got {len(events)} "
            f"events and n_groups={n_groups}"
        )
    given = np.asarray(labels)
    if given.shape != (len(events),) or not np.issubdtype(given.dtype, np.integer):
        raise InvalidEventsError(
            f"labels have shape {given.shape} and type {given.dtype}: "
            f"bootstrap_information needs one integer bin per event ({len(events)})"
        )
    if given.max(initial=-1) >= n_bins:
        # A label past the last bin would land in the next group's cells.
        raise InvalidEventsError(
            f"labels reach {given.max()} but n_bins is {n_bins}: "
            "pass the partition's number of bins"
        )
    bins = given.astype(np.intp, copy=False)
    if not events.selected.all():
        bins = np.where(events.selected, bins, -1)
    rng = np.random.default_rng(random_state)
    n = len(events)
    g = min(n_groups, n)
    groups = rng.permutation(n) if g == n else rng.integers(0, g, size=n)
    groups = groups.astype(np.intp, copy=False)
    bin_weight, bin_dweight, ideal = group_sums(events, bins, n_bins, groups, g)
    return bootstrap_from_group_sums(
        bin_weight, bin_dweight, ideal, n_resamples=n_resamples, rng=rng
    )


def bootstrap_from_group_sums(
    bin_weight: FloatArray,
    bin_dweight: FloatArray,
    ideal: FloatArray,
    *,
    n_resamples: int,
    rng: np.random.Generator,
) -> BootstrapResult:
    """Resample groups of events from their per-(group, bin) sums.

    Parameters
    ----------
    bin_weight : ndarray of shape (G, K)
    bin_dweight : ndarray of shape (G, K, n_parameters)
    ideal : ndarray of shape (G, n_parameters, n_parameters)
        The arrays that `group_sums` returns, or their sums over chunks of
        events (the Dask path adds them chunk by chunk).
    n_resamples : int
    rng : numpy.random.Generator
        Draws the multinomial group counts of each replica.
    """
    if n_resamples < 2:
        raise FipfitError(f"n_resamples must be at least 2, got {n_resamples}")
    g = bin_weight.shape[0]
    counts = rng.multinomial(g, np.full(g, 1.0 / g), size=n_resamples).astype(float)
    replica_w = counts @ bin_weight
    replica_d = np.einsum("bg,gkp->bkp", counts, bin_dweight)
    replica_ideal = np.einsum("bg,gpq->bpq", counts, ideal)
    positive = replica_w > 0
    safe_w = np.where(positive, replica_w, 1.0)
    scaled = np.where(positive[..., np.newaxis], replica_d / safe_w[..., None], 0.0)
    information = np.einsum("bkp,bkq->bpq", replica_d, scaled)
    fip = np.stack(
        [
            fip_from_matrices(information[b], replica_ideal[b])
            for b in range(n_resamples)
        ]
    )
    # The spread is computed in units of the largest |I| and scaled back,
    # because squaring deviations near 1e300 would overflow.
    scale = float(np.max(np.abs(information), initial=0.0)) or 1.0
    return BootstrapResult(
        information=information,
        fip=fip,
        information_error=scale * (information / scale).std(axis=0, ddof=1),
        fip_error=fip.std(axis=0, ddof=1),
    )
