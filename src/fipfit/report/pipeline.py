"""The steps of ``fipfit run``: from a configuration to the report's content.

1. Read the event file, or generate the toy model's events.
2. Split the events at random into train, test and pseudo-data samples.
3. Compute the ideal information and, for a toy model, the reference limits.
4. Train the gamma regressor and the signal classifier on the train sample.
5. Build each partition: bin edges from the train sample (quantile or optimal),
   information and FIP on the test sample, with a bootstrap error.
6. Scan FIP against the number of bins.
7. Fit pseudo-experiments drawn from the pseudo-data sample with templates
   from the test sample, and compare the spread of the fitted values with the
   expected error 1 / sqrt(I(P) L).
8. Compute the metrics study: which metric of the partitions tracks the error.
9. Fit real data with the templates, when the configuration names data.

`run_pipeline` returns a `RunOutcome` (the summary and the figures);
`fipfit.report.output.write_report` writes it.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from fipfit import __version__
from fipfit.binning import labels_within_edges
from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import EventColumns, Events
from fipfit.information import (
    PartitionInformation,
    ideal_information,
    partition_information,
)
from fipfit.report.config import PartitionConfig, RunConfig
from fipfit.report.html import FigureRecord
from fipfit.report.page_figures import build_figures
from fipfit.report.provenance import (
    file_sha256,
    frame_sha256,
    library_versions,
    platform_description,
)
from fipfit.uncertainty import bootstrap_information

__all__ = ["ProgressReporter", "RunOutcome", "run_pipeline"]

FloatArray = NDArray[np.float64]

#: Bootstrap replicas per point of the FIP scan (fewer than for the main
#: numbers: the scan shows the trend, the table gives the precise values).
SCAN_RESAMPLES = 50


class ProgressReporter(Protocol):
    """Receives the progress of the steps (the command line shows it)."""

    def start(self, description: str, total: int) -> None:
        """Begin a step of `total` units of work."""

    def advance(self, amount: int = 1) -> None:
        """Record `amount` units of the current step as done."""

    def finish(self) -> None:
        """End the current step."""


class _Silent:
    def start(self, description: str, total: int) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


@contextmanager
def _step(
    progress: ProgressReporter, description: str, total: int = 1
) -> Iterator[None]:
    progress.start(description, total)
    try:
        yield
    finally:
        progress.finish()


@dataclass
class RunOutcome:
    """Content of a run's report: the summary (``summary.json``) and the figures."""

    summary: dict[str, Any]
    figures: list[FigureRecord] = field(default_factory=list)


@dataclass
class _Samples:
    all: Events
    train: Events
    test: Events
    pseudo_data: Events

    def scale(self, sample: Events) -> float:
        """Return the factor that scales `sample`'s weights to the whole yield."""
        return len(self.all) / len(sample)


@dataclass
class _Partition:
    config: PartitionConfig
    edges: FloatArray
    train_values: FloatArray
    test_values: FloatArray
    pseudo_values: FloatArray
    test: PartitionInformation
    fip_error: float
    information_error: float
    train_fip: float
    scan: dict[str, list[Any]] = field(default_factory=dict)
    fit: dict[str, Any] | None = None
    pulls: FloatArray | None = None
    templates: Any = None


# --- 1. input -------------------------------------------------------------------


def _load_input(config: RunConfig) -> tuple[Events, dict[str, Any]]:
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


def _parameter_index(events: Events, parameter: str | None) -> int:
    """Return the index of the report's parameter among the events' parameters."""
    if parameter is None and events.n_parameters > 1:
        raise FipfitError(
            f"the events have {events.n_parameters} parameters "
            f'{list(events.parameters)}: choose one with parameter = "NAME" in '
            "the configuration"
        )
    return events.parameter_index(parameter)


# --- 2. split -------------------------------------------------------------------


def _split(events: Events, config: RunConfig) -> _Samples:
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
    return _Samples(events, *samples)


# --- 3. references ----------------------------------------------------------------


def _reference_limits(
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


# --- 4. models --------------------------------------------------------------------


@dataclass
class _Models:
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


def _train_models(
    config: RunConfig, samples: _Samples, progress: ProgressReporter
) -> _Models:
    from fipfit.regression import fit_gamma_regressor, fit_signal_classifier

    kinds = {p.kind for p in config.partitions}
    models = _Models()
    if "regressor" in kinds:
        settings = dict(config.regressor)
        backend = str(settings.pop("model", "hgb"))
        with (
            _step(progress, f"training the gamma regressor ({backend})"),
            _settings_errors("regressor", settings),
        ):
            models.regressor = fit_gamma_regressor(
                samples.train,
                config.features,
                model=backend,
                random_state=config.seeds["regressor"],
                **settings,
            )
        models.regressor_info = {"model": backend, "settings": settings}
    if "classifier" in kinds:
        if samples.train.label is None:
            raise FipfitError(
                "a classifier partition needs signal labels, but the events have "
                f"no label column '{config.input.label}': name it with "
                "input.label or remove the classifier partition"
            )
        settings = dict(config.classifier)
        backend = str(settings.pop("model", "hgb"))
        with (
            _step(progress, f"training the signal classifier ({backend})"),
            _settings_errors("classifier", settings),
        ):
            models.classifier = fit_signal_classifier(
                samples.train,
                config.features,
                model=backend,
                random_state=config.seeds["classifier"],
                **settings,
            )
        models.classifier_info = {"model": backend, "settings": settings}
    return models


def _partition_values(
    partition: PartitionConfig,
    events: Events,
    models: _Models,
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


# --- 5. partitions ------------------------------------------------------------------


def _edges(
    binning: str, values: FloatArray, events: Events, n_bins: int, index: int
) -> FloatArray:
    """Place `n_bins` edges on the train sample's selected events."""
    from fipfit.study import binned_edges

    chosen = events.selected
    return binned_edges(
        values[chosen],
        events.weight[chosen],
        events.dweight[chosen, index],
        n_bins,
        binning,
    )


def _build_partition(
    partition: PartitionConfig,
    samples: _Samples,
    models: _Models,
    config: RunConfig,
    index: int,
) -> _Partition:
    values = {}
    for name, sample in (
        ("train", samples.train),
        ("test", samples.test),
        ("pseudo_data", samples.pseudo_data),
    ):
        key = (partition.kind, name)
        if partition.kind == "column":
            values[name] = sample.column(str(partition.column))
            continue
        if key not in models.outputs:
            models.outputs[key] = _partition_values(
                partition, sample, models, config.features, index
            )
        values[name] = models.outputs[key]
    edges = _edges(
        partition.binning, values["train"], samples.train, partition.bins, index
    )
    n_bins = edges.size - 1
    test_labels = labels_within_edges(values["test"], edges)
    test = partition_information(samples.test, test_labels, n_bins)
    bootstrap = bootstrap_information(
        samples.test,
        test_labels,
        n_bins,
        n_resamples=config.bootstrap,
        random_state=config.seeds["bootstrap"],
    )
    train = partition_information(
        samples.train, labels_within_edges(values["train"], edges), n_bins
    )
    return _Partition(
        config=partition,
        edges=edges,
        train_values=values["train"],
        test_values=values["test"],
        pseudo_values=values["pseudo_data"],
        test=test,
        fip_error=float(bootstrap.fip_error[index]),
        information_error=float(bootstrap.information_error[index, index]),
        train_fip=float(train.fip[index]),
    )


# --- 6. scan ----------------------------------------------------------------------


def _scan(
    result: _Partition,
    samples: _Samples,
    config: RunConfig,
    parameter: str,
    progress: ProgressReporter,
) -> None:
    from fipfit.study import fip_versus_bins

    rows = []
    for n_bins in config.scan_bins:
        table = fip_versus_bins(
            samples.test,
            result.test_values,
            [n_bins],
            binning=result.config.binning,
            parameter=parameter,
            train_events=samples.train,
            train_values=result.train_values,
            n_resamples=SCAN_RESAMPLES,
            random_state=config.seeds["bootstrap"],
        )
        rows.append(table.iloc[0])
        progress.advance()
    result.scan = {
        "n_bins": [int(row["n_bins_made"]) for row in rows],
        "fip": [_finite(row["fip"]) for row in rows],
        "fip_error": [_finite(row["fip_error"]) for row in rows],
        "train_fip": [_finite(row["fip_train"]) for row in rows],
    }


# --- 7. fits ------------------------------------------------------------------------


def _fit(
    result: _Partition,
    samples: _Samples,
    config: RunConfig,
    parameter: str,
    progress: ProgressReporter,
) -> None:
    """Fit pseudo-experiments of the pseudo-data with templates of the test events.

    Every parameter is free in the fit, as in the FIP of one parameter with
    the others free. A partition whose templates cannot be built (a bin with
    no test event, or a total weight <= 0) gets the reason instead of numbers.
    """
    from fipfit.fitting import (
        Templates,
        expected_counts,
        expected_errors,
        run_pseudoexperiments,
    )

    n_bins = result.edges.size - 1
    free = config.fit.normalisation == "free"
    try:
        templates = Templates.from_events(
            samples.test,
            labels_within_edges(result.test_values, result.edges),
            n_bins,
            scale=samples.scale(samples.test),
        )
    except InvalidEventsError as error:
        result.fit = {"error": str(error)}
        return
    result.templates = templates
    index = templates.parameters.index(parameter)
    theta_true = templates.theta0
    expected = expected_counts(
        samples.pseudo_data,
        labels_within_edges(result.pseudo_values, result.edges),
        theta_true,
        config.fit.luminosity,
        n_bins,
        scale=samples.scale(samples.pseudo_data),
    )
    toys = run_pseudoexperiments(
        templates,
        expected,
        theta_true,
        config.fit.luminosity,
        config.fit.toys,
        random_state=config.seeds["toys"],
        free_norm=free,
    )
    statistics = toys.summary(parameter)
    n_valid = toys.n_toys - toys.n_failed
    spread = statistics["theta_hat_std"]
    result.fit = {
        "method": templates.method,
        "toys": toys.n_toys,
        "failed": toys.n_failed,
        "theta_true": float(theta_true[index]),
        "theta_hat_mean": statistics["theta_hat_mean"],
        "hesse_error_mean": statistics["hesse_error_mean"],
        "pull_mean": statistics["pull_mean"],
        "pull_mean_error": statistics["pull_mean_error"],
        "pull_std": statistics["pull_std"],
        "pull_std_error": statistics["pull_std_error"],
        "template_expected_error": float(
            expected_errors(templates, config.fit.luminosity, free_norm=free)[index]
        ),
        "measured_error": spread,
        "measured_error_uncertainty": None
        if spread is None or n_valid < 2
        else spread / math.sqrt(2 * (n_valid - 1)),
    }
    result.pulls = toys.pull[:, index]
    progress.advance()


# --- 9. data -----------------------------------------------------------------------


def _fit_data(
    partitions: list[_Partition],
    models: _Models,
    config: RunConfig,
    parameter: str,
) -> list[dict[str, Any]]:
    """Fit the templates of the chosen partitions to the data's counts."""
    from fipfit.fitting import TemplateFit, expected_errors
    from fipfit.formats.table import read_table

    assert config.data is not None
    table, _ = read_table(config.data.file)
    frame = table.to_pandas()
    data = Events.from_arrays(
        np.ones(len(frame)),
        np.zeros(len(frame)),
        features={str(name): frame[name].to_numpy() for name in frame.columns},
    )
    chosen = config.data.partitions or tuple(p.config.name for p in partitions)
    free = config.fit.normalisation == "free"
    fits = []
    for result in partitions:
        if result.config.name not in chosen or result.templates is None:
            continue
        index = result.templates.parameters.index(parameter)
        values = _partition_values(result.config, data, models, config.features, index)
        labels = labels_within_edges(values, result.edges)
        counts = np.bincount(labels, minlength=result.edges.size - 1).astype(float)
        fit = TemplateFit(result.templates, config.data.luminosity, free_norm=free)
        outcome = fit.fit(counts)
        expected = expected_errors(
            result.templates, config.data.luminosity, free_norm=free
        )
        fits.append(
            {
                "name": f"{result.config.name} fitted to data",
                "partition": result.config.name,
                "value": _finite(outcome.values[index]),
                "error": _finite(outcome.errors[index]),
                "expected_error": _finite(expected[index]),
                "valid": bool(outcome.valid),
                "n_data": len(frame),
                "edges": [float(e) for e in result.edges],
                "observed": [float(c) for c in counts],
                "expected": [float(v) for v in fit.predict(outcome.values)],
                "xlabel": _variable_label(result.config, config.data.label),
            }
        )
    return fits


def _variable_label(partition: PartitionConfig, column_label: str) -> str:
    if partition.kind == "column":
        return column_label or str(partition.column)
    if partition.kind == "regressor":
        return "regressed gamma r(x)"
    return "signal probability"


# --- the pipeline -------------------------------------------------------------------


def run_pipeline(
    config: RunConfig, progress: ProgressReporter | None = None
) -> RunOutcome:
    """Run every step of the configuration and return the report's content.

    Parameters
    ----------
    config : RunConfig
    progress : ProgressReporter, optional
        Receives the progress of the long steps; default silent.

    Notes
    -----
    OpenMP and BLAS use ``config.threads`` threads during the run (default
    1). On a 2-core machine shared with other jobs, two OpenMP threads that
    spin while waiting for each other made the default run four times
    slower than one thread: 86 s against 20 s of wall time, measured with
    ``fipfit run`` and ``OMP_NUM_THREADS``.

    Raises
    ------
    FipfitError
        On invalid input or settings, with the fix in the message.
    """
    # Importing scikit-learn's boosting loads its OpenMP runtime, so that the
    # thread limit below reaches it.
    import sklearn.ensemble  # noqa: F401
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=config.threads):
        return _run_steps(config, progress or _Silent())


def _run_steps(config: RunConfig, progress: ProgressReporter) -> RunOutcome:
    with _step(progress, "reading the events"):
        events, record = _load_input(config)
    index = _parameter_index(events, config.parameter)
    parameter = events.parameters[index]
    events.features(config.features)  # raises for a missing or non-numeric column
    samples = _split(events, config)

    limits, expected_ideal = _reference_limits(config, record, index)
    ideal = ideal_information(events.weight, events.dweight)

    models = _train_models(config, samples, progress)

    partitions: list[_Partition] = []
    with _step(progress, "building the partitions", len(config.partitions)):
        for partition in config.partitions:
            partitions.append(
                _build_partition(partition, samples, models, config, index)
            )
            progress.advance()

    total = len(partitions) * len(config.scan_bins)
    with _step(progress, "scanning FIP against the number of bins", total):
        for result in partitions:
            _scan(result, samples, config, parameter, progress)

    total = len(partitions)
    with _step(progress, f"fitting {config.fit.toys} pseudo-experiments", total):
        for result in partitions:
            _fit(result, samples, config, parameter, progress)

    study = None
    if config.study:
        from fipfit.report.metrics_step import run_metrics_study

        with _step(progress, "running the metrics study"):
            study = run_metrics_study(config, samples.train, parameter, len(events))

    data_fit = None
    if config.data is not None:
        with _step(progress, "fitting the data"):
            data_fit = _fit_data(partitions, models, config, parameter)

    summary = _summary(
        config,
        samples,
        record,
        parameter,
        index,
        float(ideal[index, index]),
        expected_ideal,
        limits,
        models,
        partitions,
    )
    summary["metrics_study"] = study
    if data_fit is not None:
        summary["data_fit"] = data_fit
    with _step(progress, "drawing the figures"):
        records = build_figures(summary, samples, models, partitions, index, parameter)
    summary["figures"] = [
        {"file": r.file, "title": r.title, "caption": r.caption} for r in records
    ]
    return RunOutcome(summary=summary, figures=records)


# --- summary ----------------------------------------------------------------------


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _expected_error(
    information: FloatArray, luminosity: float, index: int
) -> float | None:
    """Return sqrt([(I L)^-1]_ii), the large-sample error of a binned fit."""
    try:
        covariance = np.linalg.inv(information * luminosity)
    except np.linalg.LinAlgError:
        return None
    variance = float(covariance[index, index])
    return math.sqrt(variance) if variance > 0 else None


def _partition_summary(
    result: _Partition, config: RunConfig, scale: float, index: int
) -> dict[str, Any]:
    test = result.test
    free = config.fit.normalisation == "free"
    information = test.shape_information if free else test.information
    fit = result.fit or {}
    return {
        "name": result.config.name,
        "kind": result.config.kind,
        "column": result.config.column,
        "binning": result.config.binning,
        "n_bins": int(result.edges.size - 1),
        "requested_bins": result.config.bins,
        "edges": [float(e) for e in result.edges],
        "information": _finite(scale * test.information[index, index]),
        "information_error": _finite(scale * result.information_error),
        "shape_information": _finite(scale * test.shape_information[index, index]),
        "fip": _finite(test.fip[index]),
        "fip_error": _finite(result.fip_error),
        "train_fip": _finite(result.train_fip),
        "shape_fip": _finite(test.shape_fip[index]),
        "efficiency": _finite(test.efficiency[index]),
        "sharpness": _finite(test.sharpness[index]),
        "purity_factor": _finite(test.purity_factor[index]),
        "nonpositive_bins": [int(k) for k in test.nonpositive_bins],
        "expected_error": _expected_error(
            scale * information, config.fit.luminosity, index
        ),
        "measured_error": _finite(fit.get("measured_error")),
        "measured_error_uncertainty": _finite(fit.get("measured_error_uncertainty")),
        "fit": result.fit,
        "scan": result.scan,
    }


def _summary(
    config: RunConfig,
    samples: _Samples,
    record: dict[str, Any],
    parameter: str,
    index: int,
    ideal: float,
    expected_ideal: float | None,
    limits: dict[str, float],
    models: _Models,
    partitions: list[_Partition],
) -> dict[str, Any]:
    scale = samples.scale(samples.test)
    entries = [_partition_summary(p, config, scale, index) for p in partitions]
    best = max(entries, key=lambda e: e["fip"] if e["fip"] is not None else -1.0)
    return {
        "fipfit_version": __version__,
        "title": config.title,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "parameter": parameter,
        "parameters": list(samples.all.parameters),
        "features": list(config.features),
        "events": {
            "total": len(samples.all),
            "selected": int(samples.all.selected.sum()),
            "train": len(samples.train),
            "test": len(samples.test),
            "pseudo_data": len(samples.pseudo_data),
        },
        "luminosity": config.fit.luminosity,
        "normalisation": config.fit.normalisation,
        "ideal_information": _finite(ideal),
        "expected_ideal_information": _finite(expected_ideal),
        "reference_limits": limits,
        "best_partition": best["name"],
        "partitions": entries,
        "regressor": models.regressor_info or None,
        "classifier": models.classifier_info or None,
        "metrics_study": None,
        "config": config.to_dict(),
        "provenance": {
            "versions": library_versions(),
            "platform": platform_description(),
            "root_seed": config.seed,
            "seeds": config.seeds,
            "inputs": [record],
        },
    }
