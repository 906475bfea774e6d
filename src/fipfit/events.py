"""The event sample: weights, weight derivatives, labels, selection and columns.

Column conventions of the canonical format (all configurable through
`EventColumns`):

- ``weight``: the event's contribution to the expected yield at theta_0;
- ``dweight`` for one parameter, or ``dweight_<name>`` for several: dw/dtheta;
- ``label`` (optional): 1 for signal, 0 for background;
- ``selected`` (optional, default true): whether the event passes the selection;
- ``true_*``: generator-level columns, known for MC only;
- anything else: observables.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import InvalidEventsError, MissingColumnError

__all__ = [
    "EventColumns",
    "Events",
    "check_finite",
    "check_weights",
    "missing_column_error",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class EventColumns:
    """Names of the columns that carry weights, derivatives, labels and selection.

    Parameters
    ----------
    weight : str
        Column of event weights.
    dweight : sequence of str or None
        Columns of weight derivatives, one per parameter. None finds them: the
        column ``dweight`` if present, else every column named ``dweight_<name>``.
    label : str or None
        Column of signal (1) and background (0) labels, used when present.
    selected : str or None
        Boolean selection column, used when present; absent means all selected.
    """

    weight: str = "weight"
    dweight: tuple[str, ...] | None = None
    label: str | None = "label"
    selected: str | None = "selected"

    def derivative_columns(self, available: Sequence[str]) -> tuple[str, ...]:
        """Return the derivative columns to use among `available`."""
        if self.dweight is not None:
            for name in self.dweight:
                if name not in available:
                    raise missing_column_error(name, available, "weight derivative")
            return tuple(self.dweight)
        if "dweight" in available:
            return ("dweight",)
        found = tuple(name for name in available if name.startswith("dweight_"))
        if not found:
            raise MissingColumnError(
                "no weight-derivative column: expected 'dweight' or 'dweight_<name>' "
                f"among {list(available)}; name it with --dweight"
            )
        return found


def parameter_name(column: str) -> str:
    """Return the parameter name of a derivative column (``dweight_mz`` -> ``mz``)."""
    if column.startswith("dweight_"):
        return column[len("dweight_") :]
    if column == "dweight":
        return "theta"
    return column


def missing_column_error(
    name: str, available: Iterable[str], role: str = "column"
) -> MissingColumnError:
    """Build the error for a missing column, suggesting the nearest existing name."""
    names = list(available)
    message = f"{role} '{name}' not found"
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        message += f": did you mean '{close[0]}'?"
    else:
        shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
        message += f"; available columns: {shown}"
    return MissingColumnError(message)


def check_finite(values: NDArray[np.floating], what: str) -> None:
    """Raise `InvalidEventsError` if `values` contains NaN or infinity."""
    bad = ~np.isfinite(values)
    if bad.any():
        count = int(bad.any(axis=1).sum()) if bad.ndim == 2 else int(bad.sum())
        raise InvalidEventsError(
            f"{count} events have a NaN or infinite {what}: "
            "remove or fix them before computing information"
        )


def check_weights(weight: FloatArray, dweight: FloatArray) -> None:
    """Validate weights and derivatives of shape (n,) and (n, p).

    Raises
    ------
    InvalidEventsError
        On mismatched lengths, NaN or infinity, or a zero weight with a non-zero
        derivative (the sensitivity d / w of such an event is infinite).
    """
    if weight.ndim != 1:
        raise InvalidEventsError(
            f"weight must be one-dimensional, got shape {weight.shape}"
        )
    if dweight.ndim != 2 or dweight.shape[0] != weight.shape[0]:
        raise InvalidEventsError(
            f"weight has {weight.shape[0]} events but the derivative has shape "
            f"{dweight.shape}: both must have one row per event"
        )
    check_finite(weight, "weight")
    check_finite(dweight, "weight derivative")
    zero = (weight == 0) & np.any(dweight != 0, axis=1)
    if zero.any():
        raise InvalidEventsError(
            f"{int(zero.sum())} events have zero weight but a non-zero derivative, "
            "so their sensitivity d/w is infinite: give them a weight or drop them"
        )


def as_float_array(values: ArrayLike, what: str) -> FloatArray:
    """Convert to a float64 array, naming `what` when that fails."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidEventsError(f"{what} is not numeric: {error}") from None


@dataclass(frozen=True, eq=False)
class Events:
    """A validated sample of weighted MC events (or of data, with unit weights).

    Attributes
    ----------
    weight : ndarray of shape (n_events,)
    dweight : ndarray of shape (n_events, n_parameters)
    parameters : tuple of str
        Parameter names, one per column of `dweight`.
    selected : ndarray of bool, shape (n_events,)
    label : ndarray of int8, shape (n_events,), or None
    data : pandas.DataFrame
        Every column of the source, in the source's order.
    metadata : mapping of str to JSON-like values
        Metadata of the source file (toy-model settings, provenance).
    """

    weight: FloatArray
    dweight: FloatArray
    parameters: tuple[str, ...]
    selected: NDArray[np.bool_]
    label: NDArray[np.int8] | None
    data: pd.DataFrame
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        columns: EventColumns | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Events:
        """Build and validate events from a table in the canonical format."""
        columns = columns or EventColumns()
        names = [str(name) for name in frame.columns]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise InvalidEventsError(
                f"duplicate column names {duplicated}: rename them so that each "
                "column is unique"
            )
        if columns.weight not in names:
            raise missing_column_error(columns.weight, names, "weight column")
        derivative_columns = columns.derivative_columns(names)

        weight = as_float_array(frame[columns.weight].to_numpy(), "weight")
        dweight = np.column_stack(
            [
                as_float_array(frame[name].to_numpy(), f"column '{name}'")
                for name in derivative_columns
            ]
        )
        check_weights(weight, dweight)
        selected = _read_selected(frame, columns.selected)
        label = _read_label(frame, columns.label)
        return cls(
            weight=weight,
            dweight=dweight,
            parameters=tuple(parameter_name(name) for name in derivative_columns),
            selected=selected,
            label=label,
            data=frame,
            metadata=dict(metadata or {}),
        )

    @classmethod
    def from_arrays(
        cls,
        weight: ArrayLike,
        dweight: ArrayLike,
        *,
        parameters: Sequence[str] | None = None,
        selected: ArrayLike | None = None,
        label: ArrayLike | None = None,
        features: Mapping[str, ArrayLike] | None = None,
    ) -> Events:
        """Build and validate events from arrays; `dweight` may be (n,) or (n, p)."""
        w = as_float_array(weight, "weight")
        d = as_float_array(dweight, "weight derivative")
        if d.ndim == 1:
            d = d[:, np.newaxis]
        if w.ndim != 1 or d.ndim != 2:
            raise InvalidEventsError(
                f"weight has shape {w.shape} and dweight {d.shape}: expected (n,) "
                "and (n,) or (n, n_parameters)"
            )
        if d.shape[0] != w.shape[0]:
            raise InvalidEventsError(
                f"weight has {w.shape[0]} events but dweight has {d.shape[0]}: "
                "both need one entry per event"
            )
        per_event = {"selected": selected, "label": label, **(features or {})}
        for key, values in per_event.items():
            if values is not None and np.shape(values) != w.shape:
                raise InvalidEventsError(
                    f"'{key}' has shape {np.shape(values)} but there are "
                    f"{w.shape[0]} events: give one value per event"
                )
        names = tuple(parameters) if parameters is not None else _default_names(d)
        if len(names) != d.shape[1]:
            raise InvalidEventsError(
                f"{len(names)} parameter names for {d.shape[1]} derivative columns"
            )
        frame = pd.DataFrame({"weight": w})
        columns = []
        for index, name in enumerate(names):
            column = "dweight" if names == ("theta",) else f"dweight_{name}"
            frame[column] = d[:, index]
            columns.append(column)
        if selected is not None:
            frame["selected"] = np.asarray(selected, dtype=bool)
        if label is not None:
            frame["label"] = np.asarray(label)
        for key, values in (features or {}).items():
            frame[key] = np.asarray(values)
        return cls.from_frame(frame, EventColumns(dweight=tuple(columns)))

    def __len__(self) -> int:
        return int(self.weight.shape[0])

    @property
    def n_parameters(self) -> int:
        """Number of parameters, the number of derivative columns."""
        return int(self.dweight.shape[1])

    @property
    def gamma(self) -> FloatArray:
        """Per-event sensitivity d / w, shape (n_events, n_parameters).

        Events with zero weight (and so zero derivative) get gamma = 0.
        """
        gamma = np.zeros_like(self.dweight)
        nonzero = self.weight != 0
        gamma[nonzero] = self.dweight[nonzero] / self.weight[nonzero, np.newaxis]
        return gamma

    def column(self, name: str) -> FloatArray:
        """Return a numeric column, checked for NaN and infinity."""
        if name not in self.data.columns:
            raise missing_column_error(name, self.data.columns)
        values = as_float_array(self.data[name].to_numpy(), f"column '{name}'")
        check_finite(values, f"value in column '{name}'")
        return values

    def features(self, names: Sequence[str]) -> FloatArray:
        """Return the observables `names` as an array (n_events, n_features)."""
        if not names:
            raise InvalidEventsError("no features given: name at least one column")
        return np.column_stack([self.column(name) for name in names])

    def parameter_index(self, name: str | None) -> int:
        """Return the derivative column of parameter `name` (None: the only one)."""
        if name is None:
            if self.n_parameters != 1:
                raise InvalidEventsError(
                    f"the events have {self.n_parameters} parameters "
                    f"{list(self.parameters)}: choose one with --param"
                )
            return 0
        if name not in self.parameters:
            raise missing_column_error(name, self.parameters, "parameter")
        return self.parameters.index(name)

    def take(self, index: NDArray[np.integer] | NDArray[np.bool_]) -> Events:
        """Return the events selected by an integer index or a boolean mask."""
        return Events(
            weight=self.weight[index],
            dweight=self.dweight[index],
            parameters=self.parameters,
            selected=self.selected[index],
            label=None if self.label is None else self.label[index],
            data=self.data.iloc[np.asarray(index)].reset_index(drop=True)
            if np.asarray(index).dtype != bool
            else self.data.loc[np.asarray(index)].reset_index(drop=True),
            metadata=self.metadata,
        )

    def split(
        self, fraction: float = 0.5, *, random_state: int | None = 0
    ) -> tuple[Events, Events]:
        """Split at random into two samples, the first holding `fraction` of events.

        The weights are not rescaled: scale luminosities or divide by the fraction
        where a sample must describe the full yield.
        """
        if not 0 < fraction < 1:
            raise InvalidEventsError(
                f"split fraction must be between 0 and 1, got {fraction}"
            )
        order = np.random.default_rng(random_state).permutation(len(self))
        cut = round(fraction * len(self))
        return self.take(np.sort(order[:cut])), self.take(np.sort(order[cut:]))


def _default_names(dweight: FloatArray) -> tuple[str, ...]:
    if dweight.shape[1] == 1:
        return ("theta",)
    return tuple(f"theta{index}" for index in range(dweight.shape[1]))


def _read_selected(frame: pd.DataFrame, column: str | None) -> NDArray[np.bool_]:
    if column is None or column not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    values = frame[column]
    if values.isna().any():
        raise InvalidEventsError(
            f"{int(values.isna().sum())} events have no value in '{column}': "
            "fill it with true or false"
        )
    array = values.to_numpy()
    if array.dtype != bool:
        numeric = as_float_array(array, f"column '{column}'")
        if not np.isin(numeric, (0.0, 1.0)).all():
            raise InvalidEventsError(
                f"column '{column}' must be boolean (or 0 and 1), "
                f"found values such as {numeric[~np.isin(numeric, (0.0, 1.0))][0]}"
            )
        array = numeric.astype(bool)
    return np.asarray(array, dtype=bool)


def _read_label(frame: pd.DataFrame, column: str | None) -> NDArray[np.int8] | None:
    if column is None or column not in frame.columns:
        return None
    numeric = as_float_array(frame[column].to_numpy(), f"column '{column}'")
    bad = ~np.isin(numeric, (0.0, 1.0))
    if bad.any():
        raise InvalidEventsError(
            f"{int(bad.sum())} events have a label other than 0 or 1 in '{column}': "
            "use 1 for signal and 0 for background"
        )
    return numeric.astype(np.int8)
