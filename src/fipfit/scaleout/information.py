"""I(P), I_ideal, FIP and their bootstrap of a dataset, one pass over it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from fipfit.binning import check_edges, labels_from_edges
from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import Events
from fipfit.information import (
    PartitionInformation,
    bin_table_from_sums,
    partition_information_from_sums,
    weighted_bincount,
)
from fipfit.scaleout._common import FloatArray, Sums, float_column
from fipfit.scaleout._reduction import (
    PartitionContext,
    add_sums,
    partition_events,
    reduce_partitions,
)
from fipfit.scaleout.dataset import EventDataset
from fipfit.uncertainty import BootstrapResult, bootstrap_from_group_sums, group_sums

__all__ = [
    "bootstrap_information",
    "ideal_information",
    "information_with_bootstrap",
    "partition_information",
]


def _labels(
    events: Events, part: pd.DataFrame, column: str | None, edges: FloatArray | None
) -> NDArray[np.intp]:
    """Return bin labels in [0, K) of one partition; -1 outside or unselected."""
    if column is None or edges is None:
        labels = np.zeros(len(events), dtype=np.intp)
    else:
        labels = labels_from_edges(float_column(part, column), edges)
    return np.where(events.selected, labels, -1).astype(np.intp)


def _rows(
    mask: NDArray[np.bool_] | None, weight: FloatArray, dweight: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return the rows where `mask` is true; None keeps every row uncopied."""
    if mask is None:
        return weight, dweight
    # np.compress avoids numpy's slow boolean indexing of (n, p) arrays.
    return weight[mask], np.compress(mask, dweight, axis=0)


def _ideal_sums(weight: FloatArray, dweight: FloatArray) -> FloatArray:
    nonzero = weight != 0
    w, d = _rows(None if nonzero.all() else nonzero, weight, dweight)
    if d.shape[1] == 1:
        return np.array([[float(np.dot(d[:, 0], d[:, 0] / w))]])
    return np.asarray(d.T @ (d / w[:, np.newaxis]), dtype=np.float64)


def _information_sums(
    part: pd.DataFrame,
    context: PartitionContext,
    index: int,
    column: str | None,
    edges: FloatArray | None,
    n_bins: int,
    bootstrap: _BootstrapSpec | None,
) -> Sums:
    """Reduce one partition to the sums that `PartitionInformation` needs."""
    events = partition_events(part, context, index)
    labels = _labels(events, part, column, edges)
    w, d = events.weight, events.dweight
    # Masks are built only where some events are out, as in the in-memory path.
    inside = None if labels.size == 0 or labels.min() >= 0 else labels >= 0
    bins = labels if inside is None else labels[inside]
    w_in, d_in = _rows(inside, w, d)
    scale = max(float(w_in.max(initial=0.0)), -float(w_in.min(initial=0.0))) or 1.0
    scaled = w_in / scale
    bin_weight = weighted_bincount(bins, w_in, n_bins)
    bin_dweight = _bincount_columns(bins, d_in, n_bins)
    sensitive = d_in[:, 0] != 0 if d_in.shape[1] == 1 else np.any(d_in != 0, axis=1)
    if sensitive.all():
        sensitive_weight, sensitive_dweight = bin_weight, bin_dweight
    else:
        w_sensitive, d_sensitive = _rows(sensitive, w_in, d_in)
        sensitive_weight = weighted_bincount(bins[sensitive], w_sensitive, n_bins)
        sensitive_dweight = _bincount_columns(bins[sensitive], d_sensitive, n_bins)
    ideal = _ideal_sums(w, d)

    sums: Sums = {
        "bin_weight": bin_weight,
        "bin_dweight": bin_dweight,
        "n_events": np.bincount(bins, minlength=n_bins).astype(np.int64),
        "weight_scale": scale,
        "scaled_weight": weighted_bincount(bins, scaled, n_bins),
        "scaled_weight_squared": weighted_bincount(bins, scaled * scaled, n_bins),
        "sensitive_weight": sensitive_weight,
        "sensitive_dweight": sensitive_dweight,
        "ideal": ideal,
        "ideal_selected": ideal if inside is None else _ideal_sums(w_in, d_in),
        "total_weight": float(w.sum()),
        "total_dweight": d.sum(axis=0),
    }
    if events.label is not None:
        label = events.label if inside is None else events.label[inside]
        signal_weight = np.where(label == 1, w_in, 0.0)
        sums["signal_weight"] = weighted_bincount(bins, signal_weight, n_bins)
    if bootstrap is not None:
        groups = bootstrap.groups(part, index, context)
        group_weight, group_dweight, group_ideal = group_sums(
            events, labels, n_bins, groups, bootstrap.n_groups
        )
        sums["group_weight"] = group_weight
        sums["group_dweight"] = group_dweight
        sums["group_ideal"] = group_ideal
    return sums


def _bincount_columns(
    bins: NDArray[np.intp], values: FloatArray, n_bins: int
) -> FloatArray:
    return np.column_stack(
        [weighted_bincount(bins, values[:, i], n_bins) for i in range(values.shape[1])]
    ).reshape(n_bins, values.shape[1])


@dataclass(frozen=True)
class _BootstrapSpec:
    """Bootstrap group assignment of events, partition by partition."""

    n_groups: int
    seed: int
    group_column: str | None

    def groups(
        self, part: pd.DataFrame, index: int, context: PartitionContext
    ) -> NDArray[np.intp]:
        if self.group_column is None:
            # The seed and the partition index fix each partition's groups, so
            # a partition gets the same groups on any worker and in any order.
            rng = np.random.default_rng([self.seed, index])
            return rng.integers(0, self.n_groups, size=len(part)).astype(np.intp)
        values = part[self.group_column].to_numpy()
        bad = ~np.isin(values, np.arange(self.n_groups))
        if bad.any():
            raise InvalidEventsError(
                f"{context.source}, partition {index}: {int(bad.sum())} events have "
                f"a group in '{self.group_column}' outside 0 to {self.n_groups - 1}, "
                f"such as {values[bad][0]}: give integers below n_groups"
            )
        return values.astype(np.intp)


def _check_binning(
    column: str | None, edges: ArrayLike | None
) -> tuple[FloatArray | None, int]:
    if (column is None) != (edges is None):
        raise FipfitError(
            "give both the column to partition in and its bin edges, or neither "
            "for a single bin"
        )
    if edges is None:
        return None, 1
    checked = check_edges(edges)
    return checked, checked.size - 1


def _information_from(
    dataset: EventDataset, sums: Sums, n_bins: int
) -> PartitionInformation:
    with np.errstate(divide="ignore", invalid="ignore"):
        n_effective = np.where(
            sums["scaled_weight_squared"] > 0,
            sums["scaled_weight"] ** 2 / sums["scaled_weight_squared"],
            0.0,
        )
    table = bin_table_from_sums(
        sums["bin_weight"],
        sums["bin_dweight"],
        sums["n_events"],
        n_effective,
        signal_weight=sums.get("signal_weight"),
    )
    return partition_information_from_sums(
        dataset.parameters,
        table,
        sums["sensitive_weight"],
        sums["sensitive_dweight"],
        ideal=sums["ideal"],
        ideal_selected=sums["ideal_selected"],
        total_weight=float(sums["total_weight"]),
        total_dweight=sums["total_dweight"],
        stacklevel=4,
    )


def ideal_information(dataset: EventDataset) -> FloatArray:
    """Compute the ideal information sum_e d_e d_e^T / w_e over all events.

    Returns
    -------
    ndarray of shape (n_parameters, n_parameters)
    """
    sums = reduce_partitions(dataset, [], _ideal_partition, add_sums)
    return np.asarray(sums["ideal"], dtype=np.float64)


def _ideal_partition(part: pd.DataFrame, context: PartitionContext, index: int) -> Sums:
    events = partition_events(part, context, index)
    return {"ideal": _ideal_sums(events.weight, events.dweight)}


def partition_information(
    dataset: EventDataset,
    column: str | None = None,
    edges: ArrayLike | None = None,
) -> PartitionInformation:
    """Compute I(P), I_ideal, FIP and the diagnostics of a partition.

    Parameters
    ----------
    dataset : EventDataset
    column : str, optional
        Column to partition in (a score from `add_score` too); None with
        `edges` None makes one bin of all selected events.
    edges : array-like of shape (K + 1,), optional
        Increasing bin edges of `column`. Events outside them, and unselected
        events, are outside the partition.

    Returns
    -------
    PartitionInformation
        The same object as `fipfit.information.partition_information` returns
        for the same events and bin labels.
    """
    checked, n_bins = _check_binning(column, edges)
    extra = [] if column is None else [column]
    sums = reduce_partitions(
        dataset, extra, _information_sums, add_sums, column, checked, n_bins, None
    )
    return _information_from(dataset, sums, n_bins)


def information_with_bootstrap(
    dataset: EventDataset,
    column: str | None = None,
    edges: ArrayLike | None = None,
    *,
    n_resamples: int = 200,
    n_groups: int = 1000,
    random_state: int | None = 0,
    group_column: str | None = None,
) -> tuple[PartitionInformation, BootstrapResult]:
    """Compute a partition's information and its bootstrap in one pass.

    Parameters
    ----------
    dataset, column, edges
        As for `partition_information`.
    n_resamples : int, default 200
        Bootstrap replicas.
    n_groups : int, default 1000
        Number of resampled groups of events.
    random_state : int or None, default 0
        Seeds the group of each event and the replicas' group counts.
    group_column : str, optional
        Column of integer groups in [0, n_groups) to use in place of random
        groups, for example to reproduce an in-memory bootstrap exactly.

    Notes
    -----
    Each event gets a group drawn with ``numpy.random.default_rng([seed,
    partition_index])``, so the groups are reproducible for a given seed
    and partitioning of the dataset (files and row groups). The in-memory
    `fipfit.uncertainty.bootstrap_information` draws its groups from one
    generator, so the two paths agree statistically, not replica by
    replica. With the same groups they agree exactly: the replicas' counts
    come from ``numpy.random.default_rng(seed)`` passed to
    `bootstrap_from_group_sums`. Unlike the in-memory path, which resamples
    single events when there are fewer events than groups, this path always
    uses `n_groups` groups; a few of them may stay empty.
    """
    if n_resamples < 2:
        raise FipfitError(f"n_resamples must be at least 2, got {n_resamples}")
    if n_groups < 2:
        raise FipfitError(f"n_groups must be at least 2, got {n_groups}")
    seed = (
        int(np.random.SeedSequence().entropy % 2**63)  # type: ignore[operator]
        if random_state is None
        else int(random_state)
    )
    spec = _BootstrapSpec(n_groups=n_groups, seed=seed, group_column=group_column)
    checked, n_bins = _check_binning(column, edges)
    extra = [name for name in (column, group_column) if name is not None]
    sums = reduce_partitions(
        dataset, extra, _information_sums, add_sums, column, checked, n_bins, spec
    )
    information = _information_from(dataset, sums, n_bins)
    bootstrap = bootstrap_from_group_sums(
        sums["group_weight"],
        sums["group_dweight"],
        sums["group_ideal"],
        n_resamples=n_resamples,
        rng=np.random.default_rng(seed),
    )
    return information, bootstrap


def bootstrap_information(
    dataset: EventDataset,
    column: str | None = None,
    edges: ArrayLike | None = None,
    *,
    n_resamples: int = 200,
    n_groups: int = 1000,
    random_state: int | None = 0,
    group_column: str | None = None,
) -> BootstrapResult:
    """Estimate the MC statistical uncertainty of I(P) and FIP by bootstrap.

    The parameters and the group assignment are those of
    `information_with_bootstrap`, which also returns the information from the
    same pass over the data.
    """
    _, bootstrap = information_with_bootstrap(
        dataset,
        column,
        edges,
        n_resamples=n_resamples,
        n_groups=n_groups,
        random_state=random_state,
        group_column=group_column,
    )
    return bootstrap
