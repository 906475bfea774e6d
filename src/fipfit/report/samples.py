"""Input of ``fipfit run``: read or generate the events and split them.

The events are split at random into a train sample (regressor, classifier,
bin edges), a test sample (information, FIP and templates) and a pseudo-data
sample (pseudo-experiments). For a toy model, `reference_limits` gives the
model's exact limits to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import EventColumns, Events
from fipfit.report.config import RunConfig
from fipfit.report.provenance import file_sha256, frame_sha256

__all__ = [
    "Samples",
    "load_input",
    "parameter_index",
    "reference_limits",
    "split_samples",
]


@dataclass
class Samples:
    all: Events
    train: Events
    test: Events
    pseudo_data: Events

    def scale(self, sample: Events) -> float:
        """Return the factor that scales `sample`'s weights to the whole yield."""
        return len(self.all) / len(sample)


# --- 1. input -------------------------------------------------------------------


def load_input(config: RunConfig) -> tuple[Events, dict[str, Any]]:
    """Read or generate the events; return them with their provenance record."""
    source = config.input
    columns = EventColumns(
        weight=source.weight,
        dweight=source.dweight,
        label=source.label,
        selected=source.selected,
    )
    if source.file is not None:
        from fipfit.formats.table import read_events

        events = read_events(source.file, columns)
        record: dict[str, Any] = {
            "role": "events",
            "kind": "file",
            "path": str(source.file),
            "rows": len(events),
            "sha256": file_sha256(source.file),
        }
        return events, record

    from fipfit.toymodels import get_model

    model = get_model(str(source.model))
    seed = config.seeds["generate"]
    frame = model.generate(source.events, random_state=seed, **source.settings)
    metadata = model.metadata(source.events, seed, source.settings)
    events = Events.from_frame(frame, columns, metadata)
    record = {
        "role": "events",
        "kind": "generated",
        "model": model.name,
        "n_signal": source.events,
        "settings": dict(metadata["settings"]),
        "seed": seed,
        "rows": len(events),
        "sha256": frame_sha256(frame),
    }
    return events, record


def parameter_index(events: Events, parameter: str | None) -> int:
    """Return the index of the report's parameter among the events' parameters."""
    if parameter is None and events.n_parameters > 1:
        raise FipfitError(
            f"the events have {events.n_parameters} parameters "
            f'{list(events.parameters)}: choose one with parameter = "NAME" in '
            "the configuration"
        )
    return events.parameter_index(parameter)


# --- 2. split -------------------------------------------------------------------


def split_samples(events: Events, config: RunConfig) -> Samples:
    order = np.random.default_rng(config.seeds["split"]).permutation(len(events))
    n_train = round(config.split.train * len(events))
    n_test = round(config.split.test * len(events))
    parts = np.split(order, [n_train, n_train + n_test])
    samples = [events.take(np.sort(part)) for part in parts]
    for name, sample in zip(("train", "test", "pseudo-data"), samples, strict=True):
        if not sample.selected.any():
            raise InvalidEventsError(
                f"the {name} sample has no selected event: use more events or a "
                "larger split fraction"
            )
    return Samples(events, *samples)


# --- 3. references ----------------------------------------------------------------


def reference_limits(
    config: RunConfig, record: dict[str, Any], index: int
) -> tuple[dict[str, float], float | None]:
    """Return the model's limits as FIPs and its expected ideal information."""
    if record["kind"] != "generated":
        return {}, None
    from fipfit.toymodels import get_model

    model = get_model(record["model"])
    settings = record["settings"]
    limits: dict[str, float] = {}
    for name, value in model.reference_fip(**settings).items():
        if name == "ideal":
            continue
        limits[name] = float(value if isinstance(value, float) else value[index])
    matrices = model.reference_information(float(record["n_signal"]), **settings)
    return limits, float(matrices["ideal"][index, index])
