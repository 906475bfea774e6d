"""Information of Parquet datasets larger than memory, computed with Dask.

Every number that `fipfit.information` and `fipfit.uncertainty` report is a
sum over events followed by arithmetic on arrays of the size of the binning.
Here each partition of a Parquet dataset (a folder of files, read lazily with
`dask.dataframe.read_parquet`) is validated, binned and reduced to those sums
where it is read. The sums of the partitions are added in a tree, and the
same functions as in memory (`bin_table_from_sums`,
`partition_information_from_sums`, `bootstrap_from_group_sums`) turn them into
the same `BinTable`, `PartitionInformation` and `BootstrapResult` objects. The
results equal the in-memory ones up to the rounding of the additions.

A worker keeps one partition in memory at a time, so the dataset may be many times
larger than the workers' memory. Computations run on the active
`distributed.Client` when there is one, else on Dask's local threads.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
from dask.delayed import delayed
from numpy.typing import ArrayLike, NDArray

from fipfit.binning import check_edges, labels_from_edges
from fipfit.errors import FileFormatError, FipfitError, InvalidEventsError
from fipfit.events import (
    EventColumns,
    Events,
    check_finite,
    missing_column_error,
    parameter_name,
)
from fipfit.information import (
    PartitionInformation,
    bin_table_from_sums,
    partition_information_from_sums,
    weighted_bincount,
)
from fipfit.uncertainty import (
    BootstrapResult,
    bootstrap_from_group_sums,
    group_sums,
)

__all__ = [
    "EventDataset",
    "Predictor",
    "add_score",
    "approximate_quantile_edges",
    "bootstrap_information",
    "fit_xgboost_dask",
    "ideal_information",
    "information_with_bootstrap",
    "partition_information",
    "read_dataset",
    "training_size_study",
    "weighted_subsample",
]

FloatArray = NDArray[np.float64]
Sums = dict[str, Any]


class Predictor(Protocol):
    """Anything with a scikit-learn style ``predict(X)``, such as a regressor."""

    def predict(self, X: Any) -> Any:
        """Return one prediction per row of `X`, shape (n_events,)."""


@dataclass(frozen=True, eq=False)
class EventDataset:
    """A Parquet dataset of events, read lazily by Dask.

    Attributes
    ----------
    frame : dask.dataframe.DataFrame
        Every column of the dataset; nothing is read until a computation.
    columns : EventColumns
        Column names with the derivative columns resolved, and the label and
        selection columns set to None where the dataset has none.
    parameters : tuple of str
        Parameter names, one per derivative column.
    source : str
        Path of the dataset, named in error messages.
    """

    frame: dd.DataFrame
    columns: EventColumns
    parameters: tuple[str, ...]
    source: str

    @property
    def n_partitions(self) -> int:
        """Number of partitions, the units that a worker reads at once."""
        return int(self.frame.npartitions)

    def event_columns(self) -> list[str]:
        """Return the columns that `Events` needs: weight, derivatives and flags."""
        names = [self.columns.weight, *(self.columns.dweight or ())]
        for name in (self.columns.label, self.columns.selected):
            if name is not None:
                names.append(name)
        return names

    def check_columns(self, names: Sequence[str], role: str = "column") -> None:
        """Raise `MissingColumnError` if any of `names` is not in the dataset."""
        available = [str(name) for name in self.frame.columns]
        for name in names:
            if name not in available:
                raise missing_column_error(name, available, role)


def read_dataset(path: str | Path, columns: EventColumns | None = None) -> EventDataset:
    """Open a Parquet dataset of events lazily and check its columns.

    Parameters
    ----------
    path : path-like
        A folder of Parquet files with the same columns, or one Parquet file.
    columns : EventColumns, optional
        Names of the weight, derivative, label and selection columns.

    Raises
    ------
    FipfitError
        If the path does not exist or contains no Parquet file.
    MissingColumnError
        If the weight or a derivative column is missing.
    """
    source = Path(path)
    if not source.exists():
        raise FipfitError(f"input '{source}' not found: check the path")
    if source.is_dir() and not any(source.glob("*.parquet")):
        raise FipfitError(
            f"folder '{source}' contains no .parquet file: give a folder of "
            "Parquet event files"
        )
    columns = columns or EventColumns()
    try:
        frame = dd.read_parquet(str(source))
    except (pa.ArrowException, OSError) as error:
        raise _dataset_error(str(source), error) from None
    names = [str(name) for name in frame.columns]
    if columns.weight not in names:
        raise missing_column_error(columns.weight, names, "weight column")
    derivative_columns = columns.derivative_columns(names)
    resolved = EventColumns(
        weight=columns.weight,
        dweight=derivative_columns,
        label=columns.label if columns.label in names else None,
        selected=columns.selected if columns.selected in names else None,
    )
    return EventDataset(
        frame=frame,
        columns=resolved,
        parameters=tuple(parameter_name(name) for name in derivative_columns),
        source=str(source),
    )


def add_score(
    dataset: EventDataset,
    regressor: Predictor,
    features: Sequence[str],
    name: str = "score",
) -> EventDataset:
    """Add a lazy column with a trained regressor's prediction for each event.

    The regressor is applied partition by partition with
    `dask.dataframe.DataFrame.map_partitions`, to the features as a float
    array of shape (n_events, n_features), in the order of `features`.
    Nothing is computed until the column is used, and every computation that
    uses it predicts again: persist the frame where it fits in memory.

    Raises
    ------
    MissingColumnError
        If a feature is not in the dataset.
    FipfitError
        If `name` already names a column.
    """
    features = list(features)
    if not features:
        raise InvalidEventsError("no features given: name at least one column")
    dataset.check_columns(features, "feature")
    if name in dataset.frame.columns:
        raise FipfitError(
            f"column '{name}' exists in '{dataset.source}': choose another name "
            "for the regressor's score"
        )
    score = dataset.frame[features].map_partitions(
        _predict, regressor, features, name, meta=(name, "f8")
    )
    return EventDataset(
        frame=dataset.frame.assign(**{name: score}),
        columns=dataset.columns,
        parameters=dataset.parameters,
        source=dataset.source,
    )


def _predict(
    part: pd.DataFrame, regressor: Predictor, features: list[str], name: str
) -> pd.Series:
    x = np.column_stack([_column(part, feature) for feature in features])
    if len(part) == 0:
        return pd.Series(np.empty(0), index=part.index, name=name)
    prediction = np.asarray(regressor.predict(x), dtype=np.float64)
    if prediction.size != len(part):
        raise FipfitError(
            f"the regressor returned {prediction.size} values for {len(part)} "
            "events: it must predict one value per event"
        )
    prediction = prediction.reshape(len(part))
    check_finite(prediction, "regressor score")
    return pd.Series(prediction, index=part.index, name=name)


def _column(part: pd.DataFrame, name: str) -> FloatArray:
    values = np.asarray(part[name].to_numpy(), dtype=np.float64)
    check_finite(values, f"value in column '{name}'")
    return values


# Partition passes --------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """Columns and source of the dataset, the part of it that partition tasks need."""

    columns: EventColumns
    source: str


def _events(part: pd.DataFrame, context: _Context, index: int) -> Events:
    """Validate one partition as `Events`, naming the partition in errors."""
    try:
        return Events.from_frame(part, context.columns)
    except FipfitError as error:
        raise type(error)(f"{context.source}, partition {index}: {error}") from None


def _reduce(
    dataset: EventDataset,
    extra_columns: Sequence[str],
    map_partition: Callable[..., Sums],
    combine: Callable[[Sums, Sums], Sums],
    *args: Any,
) -> Sums:
    """Map every partition to a dictionary of sums and combine them in a tree."""
    dataset.check_columns(extra_columns)
    needed = list(dict.fromkeys([*dataset.event_columns(), *extra_columns]))
    parts = dataset.frame[needed].to_delayed()
    context = _Context(dataset.columns, dataset.source)
    mapped = [
        delayed(map_partition, pure=True)(part, context, index, *args)
        for index, part in enumerate(parts)
    ]
    combine_task = delayed(combine, pure=True)
    while len(mapped) > 1:
        pairs = [
            combine_task(mapped[i], mapped[i + 1]) for i in range(0, len(mapped) - 1, 2)
        ]
        if len(mapped) % 2:
            pairs.append(mapped[-1])
        mapped = pairs
    result = _compute(mapped[0], dataset.source)
    return dict(result)


def _compute(task: Any, source: str) -> Any:
    """Compute a Dask task, turning errors of reading the files into FipfitError."""
    try:
        return task.compute()
    except (pa.ArrowException, OSError, KeyError) as error:
        # Dask reads the files only here: a truncated file raises ArrowInvalid,
        # and a file without a column that the others have raises KeyError.
        raise _dataset_error(source, error) from None


def _dataset_error(source: str, error: BaseException) -> FileFormatError:
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return FileFormatError(
        f"cannot read the Parquet dataset '{source}': {reason}; a file is "
        "truncated or corrupt, or the files do not all have the same columns"
    )


def _add(left: Sums, right: Sums) -> Sums:
    """Add two dictionaries of sums key by key, rescaling the w^2 sums."""
    total: Sums = {}
    for key, value in left.items():
        if key in ("weight_scale", "scaled_weight", "scaled_weight_squared"):
            continue
        total[key] = value + right[key]
    if "weight_scale" in left:
        # Each partition sums w / s and (w / s)^2 with its own s = max |w|, so
        # that the squares neither overflow nor underflow. Sums with different
        # s are brought to the larger one before they are added.
        scale = max(left["weight_scale"], right["weight_scale"])
        total["weight_scale"] = scale
        total["scaled_weight"] = 0.0
        total["scaled_weight_squared"] = 0.0
        for part in (left, right):
            ratio = part["weight_scale"] / scale
            total["scaled_weight"] = (
                total["scaled_weight"] + part["scaled_weight"] * ratio
            )
            total["scaled_weight_squared"] = (
                total["scaled_weight_squared"]
                + part["scaled_weight_squared"] * ratio**2
            )
    return total


def _labels(
    events: Events, part: pd.DataFrame, column: str | None, edges: FloatArray | None
) -> NDArray[np.intp]:
    """Return bin labels in [0, K) of one partition; -1 outside or unselected."""
    if column is None or edges is None:
        labels = np.zeros(len(events), dtype=np.intp)
    else:
        labels = labels_from_edges(_column(part, column), edges)
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
    context: _Context,
    index: int,
    column: str | None,
    edges: FloatArray | None,
    n_bins: int,
    bootstrap: _BootstrapSpec | None,
) -> Sums:
    """Reduce one partition to the sums that `PartitionInformation` needs."""
    events = _events(part, context, index)
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
        self, part: pd.DataFrame, index: int, context: _Context
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


# Public computations -------------------------------------------------------


def ideal_information(dataset: EventDataset) -> FloatArray:
    """Compute the ideal information sum_e d_e d_e^T / w_e over all events.

    Returns
    -------
    ndarray of shape (n_parameters, n_parameters)
    """
    sums = _reduce(dataset, [], _ideal_partition, _add)
    return np.asarray(sums["ideal"], dtype=np.float64)


def _ideal_partition(part: pd.DataFrame, context: _Context, index: int) -> Sums:
    events = _events(part, context, index)
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
    sums = _reduce(
        dataset, extra, _information_sums, _add, column, checked, n_bins, None
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
    sums = _reduce(
        dataset, extra, _information_sums, _add, column, checked, n_bins, spec
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


# Approximate quantiles ------------------------------------------------------


def approximate_quantile_edges(
    dataset: EventDataset, column: str, n_bins: int, *, grid_size: int = 4096
) -> FloatArray:
    """Return edges of `n_bins` bins of nearly equal sums of |weight|.

    Three passes over the selected events: the range of `column`, a weighted
    histogram on a grid of `grid_size` cells, and a histogram of `grid_size`
    finer cells inside each grid cell that holds a quantile.

    Parameters
    ----------
    dataset : EventDataset
    column : str
        Column to bin (a score from `add_score` too).
    n_bins : int
    grid_size : int, default 4096
        Cells per level; the finest cell is (max - min) / grid_size**2 wide.

    Returns
    -------
    ndarray of shape (K + 1,), K <= n_bins
        The outer edges are the exact minimum and maximum. Equal edges are
        merged as in `fipfit.binning.quantile_edges`.

    Notes
    -----
    Each inner edge is the upper boundary of the finest cell that contains
    the exact weighted quantile, that is the edge that
    `fipfit.binning.quantile_edges` returns for the same events. So it lies
    above the exact edge by at most one finest cell, (max - min) /
    grid_size**2 (6e-8 of the range by default), and each bin's share of
    |weight| differs from the exact split by at most the |weight| of the
    events in one finest cell. Rounding of the cumulative sums can move an
    edge by one more cell where a quantile falls on a cell boundary.
    """
    if n_bins < 1:
        raise FipfitError(f"number of bins must be at least 1, got {n_bins}")
    if grid_size < 2:
        raise FipfitError(f"grid_size must be at least 2, got {grid_size}")
    dataset.check_columns([column])

    extent = _reduce(dataset, [column], _range_partition, _combine_range, column)
    if extent["count"] == 0:
        raise FipfitError("no events to bin: no event is selected")
    low, high = float(extent["min"]), float(extent["max"])
    if not low < high:
        raise FipfitError(
            "the binning variable takes a single value: it cannot be partitioned"
        )
    grid = _Grid(low, high, grid_size)

    coarse = _reduce(dataset, [column], _coarse_partition, _add, column, grid)[
        "histogram"
    ]
    total = float(coarse.sum())
    if total <= 0:
        raise FipfitError("all weights are zero: quantile bins are undefined")
    targets = total * np.arange(1, n_bins) / n_bins
    cumulative = np.cumsum(coarse)
    cells = np.minimum(np.searchsorted(cumulative, targets, side="left"), grid_size - 1)
    refined_cells = np.unique(cells)

    fine = _reduce(
        dataset, [column], _fine_partition, _add, column, grid, refined_cells
    )["histogram"].reshape(refined_cells.size, grid_size)
    inner = np.empty(targets.size)
    for j, (target, cell) in enumerate(zip(targets, cells, strict=True)):
        below = cumulative[cell - 1] if cell > 0 else 0.0
        row = below + np.cumsum(fine[np.searchsorted(refined_cells, cell)])
        sub = min(int(np.searchsorted(row, target, side="left")), grid_size - 1)
        inner[j] = grid.upper_boundary(int(cell) * grid_size + sub)
    edges = np.unique(np.concatenate([[low], np.minimum(inner, high), [high]]))
    return np.asarray(edges, dtype=np.float64)


@dataclass(frozen=True)
class _Grid:
    """Two-level grid: grid_size cells, each split into grid_size finer cells."""

    low: float
    high: float
    size: int

    @property
    def fine_width(self) -> float:
        return (self.high - self.low) / self.size**2

    def fine_index(self, values: FloatArray) -> NDArray[np.int64]:
        index = np.floor((values - self.low) / self.fine_width)
        return np.clip(index, 0, self.size**2 - 1).astype(np.int64)

    def upper_boundary(self, fine_index: int) -> float:
        if fine_index >= self.size**2 - 1:
            return self.high
        return self.low + (fine_index + 1) * self.fine_width


def _selected_values(
    part: pd.DataFrame, context: _Context, index: int, column: str
) -> tuple[FloatArray, FloatArray]:
    events = _events(part, context, index)
    values = _column(part, column)
    return values[events.selected], np.abs(events.weight[events.selected])


def _range_partition(
    part: pd.DataFrame, context: _Context, index: int, column: str
) -> Sums:
    values, _ = _selected_values(part, context, index, column)
    return {
        "min": float(values.min(initial=math.inf)),
        "max": float(values.max(initial=-math.inf)),
        "count": int(values.size),
    }


def _combine_range(left: Sums, right: Sums) -> Sums:
    return {
        "min": min(left["min"], right["min"]),
        "max": max(left["max"], right["max"]),
        "count": left["count"] + right["count"],
    }


def _coarse_partition(
    part: pd.DataFrame, context: _Context, index: int, column: str, grid: _Grid
) -> Sums:
    values, weight = _selected_values(part, context, index, column)
    cells = (grid.fine_index(values) // grid.size).astype(np.intp)
    return {"histogram": weighted_bincount(cells, weight, grid.size)}


def _fine_partition(
    part: pd.DataFrame,
    context: _Context,
    index: int,
    column: str,
    grid: _Grid,
    refined_cells: NDArray[np.intp],
) -> Sums:
    values, weight = _selected_values(part, context, index, column)
    fine = grid.fine_index(values)
    cell = fine // grid.size
    position = np.searchsorted(refined_cells, cell)
    position = np.minimum(position, refined_cells.size - 1)
    keep = refined_cells[position] == cell
    flat = (position[keep] * grid.size + fine[keep] % grid.size).astype(np.intp)
    size = refined_cells.size * grid.size
    return {"histogram": weighted_bincount(flat, weight[keep], size)}


# Training at scale -----------------------------------------------------------


def weighted_subsample(
    dataset: EventDataset,
    n_events: int,
    *,
    features: Sequence[str] | None = None,
    random_state: int = 0,
) -> Events:
    """Draw about `n_events` events with probability proportional to |weight|.

    Event e is kept with probability p_e = min(1, c |w_e|), c = n_events /
    sum |w|, and its weight and derivatives are divided by p_e, so every sum
    over events (and so I_ideal, W_k and D_k) keeps its expectation, while
    gamma = d / w is unchanged. This unweights the sample: the kept events
    have nearly equal |weight|, the best use of a fixed number of training
    events for a weighted regression of gamma.

    Parameters
    ----------
    dataset : EventDataset
    n_events : int
        Expected number of kept events (fewer where some p_e reach 1).
    features : sequence of str, optional
        Columns to keep besides weights, derivatives, labels and selection;
        default all columns.
    random_state : int, default 0
        With the partition index, seeds the draw of each partition.

    Returns
    -------
    Events
        In memory, with the dataset's column names.
    """
    if n_events < 1:
        raise FipfitError(f"n_events must be at least 1, got {n_events}")
    total = _reduce(dataset, [], _abs_weight_partition, _add)["abs_weight"]
    if total <= 0:
        raise FipfitError("all weights are zero: there is nothing to sample")
    rate = n_events / float(total)
    extra = (
        [str(name) for name in dataset.frame.columns]
        if features is None
        else list(features)
    )
    dataset.check_columns(extra, "feature")
    needed = list(dict.fromkeys([*dataset.event_columns(), *extra]))
    context = _Context(dataset.columns, dataset.source)
    parts = [
        delayed(_sample_partition, pure=True)(part, context, index, rate, random_state)
        for index, part in enumerate(dataset.frame[needed].to_delayed())
    ]
    frames = _compute(delayed(list, pure=True)(parts), dataset.source)
    frame = pd.concat(frames, ignore_index=True)
    return Events.from_frame(frame, dataset.columns)


def _abs_weight_partition(part: pd.DataFrame, context: _Context, index: int) -> Sums:
    events = _events(part, context, index)
    return {"abs_weight": float(np.abs(events.weight).sum())}


def _sample_partition(
    part: pd.DataFrame, context: _Context, index: int, rate: float, seed: int
) -> pd.DataFrame:
    events = _events(part, context, index)
    probability = np.minimum(1.0, rate * np.abs(events.weight))
    rng = np.random.default_rng([seed, index])
    keep = rng.random(len(part)) < probability
    kept = part.loc[keep].copy()
    scale = 1.0 / probability[keep]
    for name in [context.columns.weight, *(context.columns.dweight or ())]:
        kept[name] = kept[name].to_numpy(dtype=np.float64) * scale
    return kept


def training_size_study(
    train: EventDataset,
    test: EventDataset,
    features: Sequence[str],
    sizes: Sequence[int],
    fit: Callable[[Events, Sequence[str]], Predictor],
    *,
    n_bins: int = 20,
    random_state: int = 0,
) -> list[dict[str, float]]:
    """Measure the held-out FIP of a regressor against its training size.

    For each size, `weighted_subsample` draws the training events from
    `train`, ``fit(events, features)`` returns a trained regressor, and the
    FIP of `n_bins` equal-weight bins of its score is computed on `test`.

    Returns
    -------
    list of dict
        One per size, with ``size`` (requested), ``n_train`` (drawn),
        ``fip`` and ``fip_error`` (bootstrap, 200 replicas) of the first
        parameter, and ``seconds`` spent in the draw and the fit.

    Notes
    -----
    FIP on held-out events rises with the training size and levels off once
    the regressor has learnt E[gamma | x]; the size where it levels off is
    the training size worth paying for. The numbers are estimates with the
    bootstrap error given, from one draw per size.
    """
    rows = []
    for size in sizes:
        start = time.perf_counter()
        sample = weighted_subsample(
            train, int(size), features=features, random_state=random_state
        )
        regressor = fit(sample, features)
        seconds = time.perf_counter() - start
        scored = add_score(test, regressor, features, name="_fipfit_score")
        edges = approximate_quantile_edges(scored, "_fipfit_score", n_bins)
        information, bootstrap = information_with_bootstrap(
            scored, "_fipfit_score", edges, random_state=random_state
        )
        rows.append(
            {
                "size": float(size),
                "n_train": float(len(sample)),
                "fip": float(information.fip[0]),
                "fip_error": float(bootstrap.fip_error[0]),
                "seconds": seconds,
            }
        )
    return rows


def fit_xgboost_dask(
    dataset: EventDataset,
    features: Sequence[str],
    *,
    random_state: int = 0,
    **params: Any,
) -> Predictor:
    """Train an XGBoost regressor of gamma on every selected event, on Dask.

    Uses ``xgboost.dask.DaskXGBRegressor`` (the ``xgboost`` extra) on the
    active `distributed.Client`: each worker builds its histograms from its
    own partitions, so no event leaves its worker. The target is gamma = d / w
    of the first parameter and the sample weight |w|, as in
    `fipfit.regression.fit_gamma_regressor`; sensitive and insensitive events
    both enter, and unselected events do not.

    Parameters
    ----------
    dataset : EventDataset
    features : sequence of str
        Observable columns the regressor sees, in this order in ``predict``.
    random_state : int, default 0
    **params
        Further ``DaskXGBRegressor`` hyper-parameters (``n_estimators``,
        ``max_depth``, ``learning_rate``, ...).

    Returns
    -------
    Predictor
        Predicts from a float array of shape (n_events, n_features), so it
        works with `add_score` and in memory.

    Raises
    ------
    FipfitError
        If no distributed client is active.

    Notes
    -----
    Training on a weighted subsample (`weighted_subsample`) with
    `fipfit.regression.fit_gamma_regressor` is the default route:
    `training_size_study` shows where FIP stops growing with the training
    size. Train on the full dataset when that size is beyond one machine.
    """
    from distributed import default_client
    from xgboost.dask import DaskXGBRegressor

    try:
        client = default_client()  # type: ignore[no-untyped-call]
    except ValueError:
        raise FipfitError(
            "training with XGBoost on Dask needs a distributed client: start one "
            "(distributed.Client, or --dask / --scheduler on the command line)"
        ) from None
    features = list(features)
    if not features:
        raise InvalidEventsError("no features given: name at least one column")
    dataset.check_columns(features, "feature")
    needed = list(dict.fromkeys([*dataset.event_columns(), *features]))
    context = _Context(dataset.columns, dataset.source)
    meta = pd.DataFrame(
        {name: pd.Series(dtype="f8") for name in [*features, "_gamma", "_weight"]}
    )
    training = dataset.frame[needed].map_partitions(
        _training_frame, context, features, meta=meta
    )
    regressor = DaskXGBRegressor(random_state=random_state, **params)
    regressor.client = client
    regressor.fit(
        training[features], training["_gamma"], sample_weight=training["_weight"]
    )
    return _BoosterPredictor(regressor.get_booster())


def _training_frame(
    part: pd.DataFrame,
    context: _Context,
    features: list[str],
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Return the features, gamma and |w| of the selected events of a partition."""
    index = -1 if partition_info is None else int(partition_info["number"])
    events = _events(part, context, index)
    chosen = events.selected
    frame = pd.DataFrame(
        {name: _column(part, name)[chosen] for name in features}, index=None
    )
    frame["_gamma"] = events.gamma[chosen, 0]
    frame["_weight"] = np.abs(events.weight[chosen])
    return frame


class _BoosterPredictor:
    """A trained XGBoost booster behind a scikit-learn style ``predict``."""

    def __init__(self, booster: Any) -> None:
        self.booster = booster

    def predict(self, X: Any) -> FloatArray:
        values = self.booster.inplace_predict(np.asarray(X, dtype=np.float64))
        return np.asarray(values, dtype=np.float64)
