"""Map every partition of a dataset to sums and add the sums in a tree."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
from dask.delayed import delayed

from fipfit.errors import FipfitError
from fipfit.events import EventColumns, Events
from fipfit.scaleout._common import Sums, dataset_error
from fipfit.scaleout.dataset import EventDataset

__all__ = [
    "PartitionContext",
    "add_sums",
    "compute_task",
    "partition_events",
    "reduce_partitions",
]


@dataclass(frozen=True)
class PartitionContext:
    """Columns and source of the dataset, the part of it that partition tasks need."""

    columns: EventColumns
    source: str


def partition_events(
    part: pd.DataFrame, context: PartitionContext, index: int
) -> Events:
    """Validate one partition as `Events`, naming the partition in errors."""
    try:
        return Events.from_frame(part, context.columns)
    except FipfitError as error:
        raise type(error)(f"{context.source}, partition {index}: {error}") from None


def reduce_partitions(
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
    context = PartitionContext(dataset.columns, dataset.source)
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
    result = compute_task(mapped[0], dataset.source)
    return dict(result)


def compute_task(task: Any, source: str) -> Any:
    """Compute a Dask task, turning errors of reading the files into FipfitError."""
    try:
        return task.compute()
    except (pa.ArrowException, OSError, KeyError) as error:
        # Dask reads the files only here: a truncated file raises ArrowInvalid,
        # and a file without a column that the others have raises KeyError.
        raise dataset_error(source, error) from None


def add_sums(left: Sums, right: Sums) -> Sums:
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
