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

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fipfit.information import ideal_information
from fipfit.report.config import RunConfig
from fipfit.report.fits import data_input_record, fit_data, fit_pseudoexperiments
from fipfit.report.html import FigureRecord
from fipfit.report.page_figures import build_figures
from fipfit.report.partitions import PartitionResult, build_partition, scan_partition
from fipfit.report.progress import ProgressReporter, SilentProgress, progress_step
from fipfit.report.run_summary import build_summary
from fipfit.report.samples import (
    load_input,
    parameter_index,
    reference_limits,
    split_samples,
)
from fipfit.report.training import train_models

__all__ = ["RunOutcome", "run_pipeline", "thread_limit"]


@dataclass
class RunOutcome:
    """Content of a run's report: the summary (``summary.json``) and the figures."""

    summary: dict[str, Any]
    figures: list[FigureRecord] = field(default_factory=list)


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
    with thread_limit(config.threads):
        return _run_steps(config, progress or SilentProgress())


@contextmanager
def thread_limit(threads: int) -> Iterator[None]:
    """Limit OpenMP and BLAS to `threads` threads inside the block."""
    # Importing scikit-learn's boosting loads its OpenMP runtime, so that the
    # thread limit below reaches it.
    import sklearn.ensemble  # noqa: F401
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        yield


def _run_steps(config: RunConfig, progress: ProgressReporter) -> RunOutcome:
    with progress_step(progress, "reading the events"):
        events, record = load_input(config)
    index = parameter_index(events, config.parameter)
    parameter = events.parameters[index]
    events.features(config.features)  # raises for a missing or non-numeric column
    samples = split_samples(events, config)

    limits, expected_ideal = reference_limits(config, record, index)
    ideal = ideal_information(events.weight, events.dweight)

    models = train_models(config, samples, progress)

    partitions: list[PartitionResult] = []
    with progress_step(progress, "building the partitions", len(config.partitions)):
        for partition in config.partitions:
            partitions.append(
                build_partition(partition, samples, models, config, index)
            )
            progress.advance()

    total = len(partitions) * len(config.scan_bins)
    with progress_step(progress, "scanning FIP against the number of bins", total):
        for result in partitions:
            scan_partition(result, samples, config, parameter, progress)

    total = len(partitions)
    with progress_step(
        progress, f"fitting {config.fit.toys} pseudo-experiments", total
    ):
        for result in partitions:
            fit_pseudoexperiments(result, samples, config, parameter, progress)

    study = None
    if config.study:
        from fipfit.report.metrics_step import run_metrics_study

        with progress_step(progress, "running the metrics study"):
            study = run_metrics_study(config, samples.train, parameter, len(events))

    data_fit = None
    if config.data is not None:
        with progress_step(progress, "fitting the data"):
            data_fit = fit_data(partitions, models, config, parameter)

    summary = build_summary(
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
        summary["provenance"]["inputs"].append(data_input_record(config))
    with progress_step(progress, "drawing the figures"):
        records = build_figures(summary, samples, models, partitions, index, parameter)
    summary["figures"] = [
        {"file": r.file, "title": r.title, "caption": r.caption} for r in records
    ]
    return RunOutcome(summary=summary, figures=records)
