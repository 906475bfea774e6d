"""The metrics study of ``fipfit run``: which metric ranks partitions as a fit does.

Candidate partitions range from useless to the best the observables allow:
each observable alone, the signal classifier, gamma regressors of reduced
capacity (two stumps, ten trees of depth two), a regressor of the first
observable alone, and the full regressor. `fipfit.study.metrics_study` trains
and bins each on one half of the train sample and measures FIP, MSE, Brier
score, resolution, ROC AUC and accuracy on the other half. The fit's error of
each candidate is measured with pseudo-experiments, so that FIP is compared
with an error it was not computed from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fipfit.errors import InvalidEventsError
from fipfit.events import Events
from fipfit.report.config import RunConfig

__all__ = ["run_metrics_study"]

#: Columns of the study's table shown in the report, in display order.
SHOWN_COLUMNS = (
    "partition",
    "n_bins",
    "fip",
    "fip_error",
    "mse_partition",
    "brier",
    "resolution",
    "roc_auc",
    "accuracy",
    "error",
)


#: Largest fraction of failed fits for which a candidate's error is measured.
MAX_FAILED_FRACTION = 0.1


def _candidates(config: RunConfig, has_labels: bool) -> list[Any]:
    from fipfit.study import PartitionSpec

    features = tuple(config.features)
    # The full-capacity candidates use the run's own model settings.
    regressor = dict(config.regressor)
    specs = [PartitionSpec(name, "column", (name,)) for name in features]
    if has_labels:
        specs.append(
            PartitionSpec("classifier", "classifier", features, dict(config.classifier))
        )
    specs += [
        PartitionSpec(
            "regressor, 2 stumps",
            "regressor",
            features,
            {"max_iter": 2, "max_depth": 1},
        ),
        PartitionSpec(
            "regressor, 10 trees of depth 2",
            "regressor",
            features,
            {"max_iter": 10, "max_depth": 2},
        ),
    ]
    if len(features) > 1:
        specs.append(
            PartitionSpec(
                f"regressor ({features[0]})", "regressor", features[:1], regressor
            )
        )
    specs.append(PartitionSpec("regressor (all)", "regressor", features, regressor))
    return specs


def _toy_error_source(
    config: RunConfig, parameter: str, n_total: int
) -> Callable[[Events, NDArray[np.intp], int, int], float]:
    """Return an error source that fits pseudo-experiments of the given events.

    Half of the events build the templates and the other half the expected
    counts, each scaled to the whole input's yield; the error is the spread
    of the fitted values. A partition whose templates cannot be built, or
    more than `MAX_FAILED_FRACTION` of whose fits fail, gets NaN and drops out
    of the correlations. Fits fail when the information is too small for the
    luminosity: the fitted values then run into the templates' validity
    range, and their spread would measure that range instead of the error.
    """
    from fipfit.fitting import Templates, expected_counts, run_pseudoexperiments

    free = config.fit.normalisation == "free"
    luminosity = config.fit.luminosity
    seed = config.seeds["toys"]

    def error(
        events: Events, labels: NDArray[np.intp], n_bins: int, index: int
    ) -> float:
        order = np.random.default_rng(seed).permutation(len(events))
        halves = np.array_split(order, 2)
        template_part, data_part = (np.sort(half) for half in halves)
        try:
            templates = Templates.from_events(
                events.take(template_part),
                labels[template_part],
                n_bins,
                scale=n_total / template_part.size,
            )
        except InvalidEventsError:
            return math.nan
        expected = expected_counts(
            events.take(data_part),
            labels[data_part],
            templates.theta0,
            luminosity,
            n_bins,
            scale=n_total / data_part.size,
        )
        toys = run_pseudoexperiments(
            templates,
            expected,
            templates.theta0,
            luminosity,
            config.study_toys,
            random_state=seed,
            free_norm=free,
        )
        if toys.n_failed > MAX_FAILED_FRACTION * toys.n_toys:
            return math.nan
        spread = toys.summary(parameter)["theta_hat_std"]
        return math.nan if spread is None else float(spread)

    return error


def _number(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def run_metrics_study(
    config: RunConfig, train: Events, parameter: str, n_total: int
) -> dict[str, Any]:
    """Run the metrics study on the train sample and return its summary.

    Parameters
    ----------
    config : RunConfig
    train : Events
        The run's train sample. At most ``config.study_events`` of its events,
        drawn at random, enter the study, which splits them again in halves.
    parameter : str
    n_total : int
        Events in the whole input, to scale the samples' weights to its yield.

    Returns
    -------
    dict
        ``columns``, ``rows`` (one per candidate), ``correlations`` and
        ``p_values`` (metric -> Spearman rank correlation with the fit error,
        and its p-value) and ``error_source``.
    """
    from fipfit.study import metrics_study

    if len(train) > config.study_events:
        rng = np.random.default_rng(config.seeds["study"])
        chosen = np.sort(rng.choice(len(train), config.study_events, replace=False))
        train = train.take(chosen)
    study = metrics_study(
        train,
        _candidates(config, train.label is not None),
        parameter=parameter,
        n_bins=config.study_bins,
        binning="optimal",
        n_resamples=config.bootstrap,
        error_source=_toy_error_source(config, parameter, n_total),
        random_state=config.seeds["study"],
    )
    rows = [
        {column: _number(record[column]) for column in SHOWN_COLUMNS}
        for record in study.table.to_dict("records")
    ]
    correlations = {
        str(row["metric"]): _number(row["spearman"])
        for row in study.correlations.to_dict("records")
    }
    p_values = {
        str(row["metric"]): _number(row["p_value"])
        for row in study.correlations.to_dict("records")
    }
    return {
        "columns": list(SHOWN_COLUMNS),
        "rows": rows,
        "correlations": correlations,
        "p_values": p_values,
        "error_source": (
            f"spread of the values fitted to {config.study_toys} pseudo-experiments "
            f"at luminosity {config.fit.luminosity:g}"
        ),
    }
