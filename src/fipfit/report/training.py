"""Models of ``fipfit run``: the gamma regressor and the signal classifier.

Each trains on the train sample, and only when a partition uses it.
`partition_values` returns the variable that a partition bins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fipfit.errors import FipfitError
from fipfit.events import Events
from fipfit.report.config import PartitionConfig, RunConfig
from fipfit.report.progress import ProgressReporter, progress_step
from fipfit.report.samples import Samples

FloatArray = NDArray[np.float64]

__all__ = ["Models", "partition_values", "train_models"]


@dataclass
class Models:
    regressor: Any = None
    classifier: Any = None
    regressor_info: dict[str, Any] = field(default_factory=dict)
    classifier_info: dict[str, Any] = field(default_factory=dict)
    #: Model outputs by (kind, sample name), computed once per sample.
    outputs: dict[tuple[str, str], FloatArray] = field(default_factory=dict)


@contextmanager
def _settings_errors(table: str, settings: dict[str, Any]) -> Iterator[None]:
    """Turn an estimator's TypeError on a bad hyper-parameter into FipfitError."""
    try:
        yield
    except TypeError as error:
        raise FipfitError(
            f"invalid [{table}] settings {settings}: {error}; give each "
            "hyper-parameter a value of its documented type"
        ) from None


def _train(
    kind: str,
    fit: Callable[..., Any],
    table: Mapping[str, Any],
    description: str,
    config: RunConfig,
    samples: Samples,
    progress: ProgressReporter,
) -> tuple[Any, dict[str, Any]]:
    """Train one model on the train sample from its config table.

    Returns the estimator and the record of its backend and settings.
    """
    settings = dict(table)
    backend = str(settings.pop("model", "hgb"))
    with (
        progress_step(progress, f"training the {description} ({backend})"),
        _settings_errors(kind, settings),
    ):
        estimator = fit(
            samples.train,
            config.features,
            model=backend,
            random_state=config.seeds[kind],
            **settings,
        )
    return estimator, {"model": backend, "settings": settings}


def train_models(
    config: RunConfig, samples: Samples, progress: ProgressReporter
) -> Models:
    from fipfit.regression import fit_gamma_regressor, fit_signal_classifier

    kinds = {p.kind for p in config.partitions}
    models = Models()
    if "regressor" in kinds:
        models.regressor, models.regressor_info = _train(
            "regressor",
            fit_gamma_regressor,
            config.regressor,
            "gamma regressor",
            config,
            samples,
            progress,
        )
    if "classifier" in kinds:
        if samples.train.label is None:
            raise FipfitError(
                "a classifier partition needs signal labels, but the events have "
                f"no label column '{config.input.label}': name it with "
                "input.label or remove the classifier partition"
            )
        models.classifier, models.classifier_info = _train(
            "classifier",
            fit_signal_classifier,
            config.classifier,
            "signal classifier",
            config,
            samples,
            progress,
        )
    return models


def partition_values(
    partition: PartitionConfig,
    events: Events,
    models: Models,
    features: Sequence[str],
    index: int,
) -> FloatArray:
    """Return the variable that `partition` bins, one value per event."""
    from fipfit.regression import model_output

    if partition.kind == "column":
        return events.column(str(partition.column))
    estimator = models.regressor if partition.kind == "regressor" else models.classifier
    component = index if partition.kind == "regressor" else None
    return model_output(estimator, events.features(features), component=component)
