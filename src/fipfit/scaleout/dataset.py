"""Parquet datasets of events opened lazily, and scores added to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa

from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import (
    EventColumns,
    check_finite,
    missing_column_error,
    parameter_name,
)
from fipfit.scaleout._common import dataset_error, float_column

__all__ = ["EventDataset", "Predictor", "add_score", "read_dataset"]


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
        raise dataset_error(str(source), error) from None
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
    x = np.column_stack([float_column(part, feature) for feature in features])
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
