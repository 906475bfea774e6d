"""Fits of ``fipfit run``: pseudo-experiments and real data, with templates.

The templates of a partition come from the test sample. Pseudo-experiments
are drawn from the pseudo-data sample, and their spread is compared with the
expected error 1 / sqrt(I(P) L). Real data is fitted when the configuration
names a data file.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from fipfit.binning import labels_within_edges
from fipfit.errors import InvalidEventsError
from fipfit.events import Events
from fipfit.report.config import PartitionConfig, RunConfig
from fipfit.report.json_values import finite
from fipfit.report.partitions import PartitionResult
from fipfit.report.progress import ProgressReporter
from fipfit.report.provenance import file_sha256
from fipfit.report.samples import Samples
from fipfit.report.training import Models, partition_values

__all__ = ["data_input_record", "fit_data", "fit_pseudoexperiments"]


def fit_pseudoexperiments(
    result: PartitionResult,
    samples: Samples,
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
        TemplateFit,
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
    fisher_error = float(
        expected_errors(templates, config.fit.luminosity, free_norm=free)[index]
    )
    # The fit of the expected counts, without Poisson fluctuations, misses
    # theta_true only because templates and pseudo-data are finite MC
    # samples; the mean of the pseudo-experiments' fits sits near it.
    expected_fit = TemplateFit(templates, config.fit.luminosity, free_norm=free).fit(
        expected, start=theta_true
    )
    mc_shift = (
        (float(expected_fit.values[index]) - float(theta_true[index])) / fisher_error
        if expected_fit.valid and fisher_error > 0
        else None
    )
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
        "template_expected_error": fisher_error,
        "mc_shift": finite(mc_shift),
        "measured_error": spread,
        "measured_error_uncertainty": None
        if spread is None or n_valid < 2
        else spread / math.sqrt(2 * (n_valid - 1)),
    }
    result.pulls = toys.pull[:, index]
    progress.advance()


# --- 9. data -----------------------------------------------------------------------


def fit_data(
    partitions: list[PartitionResult],
    models: Models,
    config: RunConfig,
    parameter: str,
) -> list[dict[str, Any]]:
    """Fit the templates of the chosen partitions to the data's counts."""
    from fipfit.fitting import TemplateFit, expected_errors
    from fipfit.formats.table import read_table

    assert config.data is not None
    table, _ = read_table(config.data.file)
    frame, selection = _selected_data(table.to_pandas())
    data = Events.from_arrays(
        np.ones(len(frame)),
        np.zeros(len(frame)),
        features={str(name): frame[name].to_numpy() for name in frame.columns},
    )
    chosen = config.data.partitions or tuple(p.config.name for p in partitions)
    free = config.fit.normalisation == "free"
    fits: list[dict[str, Any]] = []
    for result in partitions:
        if result.config.name not in chosen or result.templates is None:
            continue
        index = result.templates.parameters.index(parameter)
        values = partition_values(result.config, data, models, config.features, index)
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
                "value": finite(outcome.values[index]),
                "error": finite(outcome.errors[index]),
                "expected_error": finite(expected[index]),
                "valid": bool(outcome.valid),
                "converged": bool(outcome.converged),
                "n_data": len(frame),
                "selection": selection,
                "edges": [float(e) for e in result.edges],
                "observed": [float(c) for c in counts],
                "expected": [float(v) for v in fit.predict(outcome.values)],
                "xlabel": _variable_label(result.config, config.data.label),
            }
        )
    return fits


def _selected_data(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Keep the data rows that the templates describe; return them and the rule.

    A table with ``selected`` keeps its selected rows, as the templates hold
    only selected MC events. Converted dimuon data (``pt1``, ``pt2`` and
    ``Run``, ``Event``) first gets one pair per collision, with the rule of
    `fipfit.formats.dimuon`, which the zmumu example also applies, because
    the CMS file lists a collision once per pairing of its muons.
    """
    from fipfit.formats.dimuon import select_one_pair_per_collision

    if "selected" not in frame.columns:
        return frame, "every row: the table has no 'selected' column"
    if {"pt1", "pt2"} <= set(frame.columns):
        frame, counts = select_one_pair_per_collision(frame)
        rule = str(counts["rule"])
    else:
        rule = "the rows with 'selected' true"
    kept = frame.loc[frame["selected"].to_numpy(dtype=bool)]
    return kept.reset_index(drop=True), rule


def data_input_record(config: RunConfig) -> dict[str, Any]:
    """Return the provenance record of the data file: path, rows and sha256."""
    from fipfit.formats.table import read_table

    assert config.data is not None
    table, _ = read_table(config.data.file)
    return {
        "role": "data",
        "kind": "file",
        "path": str(config.data.file),
        "rows": int(table.num_rows),
        "sha256": file_sha256(config.data.file),
    }


def _variable_label(partition: PartitionConfig, column_label: str) -> str:
    if partition.kind == "column":
        return column_label or str(partition.column)
    if partition.kind == "regressor":
        return "regressed gamma r(x)"
    return "signal probability"
