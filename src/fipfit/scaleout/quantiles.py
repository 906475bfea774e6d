"""Bin edges of nearly equal |weight| of a dataset, from two histograms."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from fipfit.errors import FipfitError
from fipfit.information import weighted_bincount
from fipfit.scaleout._common import FloatArray, Sums, float_column
from fipfit.scaleout._reduction import (
    PartitionContext,
    add_sums,
    partition_events,
    reduce_partitions,
)
from fipfit.scaleout.dataset import EventDataset

__all__ = ["approximate_quantile_edges"]


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

    extent = reduce_partitions(
        dataset, [column], _range_partition, _combine_range, column
    )
    if extent["count"] == 0:
        raise FipfitError("no events to bin: no event is selected")
    low, high = float(extent["min"]), float(extent["max"])
    if not low < high:
        raise FipfitError(
            "the binning variable takes a single value: it cannot be partitioned"
        )
    grid = _Grid(low, high, grid_size)

    coarse = reduce_partitions(
        dataset, [column], _coarse_partition, add_sums, column, grid
    )["histogram"]
    total = float(coarse.sum())
    if total <= 0:
        raise FipfitError("all weights are zero: quantile bins are undefined")
    targets = total * np.arange(1, n_bins) / n_bins
    cumulative = np.cumsum(coarse)
    cells = np.minimum(np.searchsorted(cumulative, targets, side="left"), grid_size - 1)
    refined_cells = np.unique(cells)

    fine = reduce_partitions(
        dataset, [column], _fine_partition, add_sums, column, grid, refined_cells
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
    part: pd.DataFrame, context: PartitionContext, index: int, column: str
) -> tuple[FloatArray, FloatArray]:
    events = partition_events(part, context, index)
    values = float_column(part, column)
    return values[events.selected], np.abs(events.weight[events.selected])


def _range_partition(
    part: pd.DataFrame, context: PartitionContext, index: int, column: str
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
    part: pd.DataFrame, context: PartitionContext, index: int, column: str, grid: _Grid
) -> Sums:
    values, weight = _selected_values(part, context, index, column)
    cells = (grid.fine_index(values) // grid.size).astype(np.intp)
    return {"histogram": weighted_bincount(cells, weight, grid.size)}


def _fine_partition(
    part: pd.DataFrame,
    context: PartitionContext,
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
