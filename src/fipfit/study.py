"""FIP against the number of bins, and the study of which metrics track a fit's error.

`fip_versus_bins` tabulates the information of equal-weight or optimal
partitions of one variable as the number of bins grows. Given a training
sample, it finds the edges there and measures FIP on independent events.

`metrics_study` builds partitions of varying quality (raw observables, a signal
classifier, gamma regressors of reduced and full capacity), each trained and
binned on one half of the events and measured on the other, and computes for
each the information metrics (FIP with its bootstrap error, the regressor's
weighted MSE) beside the classifier metrics analysts use (Brier score and its
resolution, ROC AUC, accuracy). The Spearman rank correlation of each metric
with the fit's expected error over the partitions shows which metrics rank
partitions as the fit does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from fipfit.binning import labels_within_edges, optimal_edges, quantile_edges
from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import Events, as_float_array
from fipfit.information import partition_information, weighted_bincount
from fipfit.metrics import partition_metrics
from fipfit.regression import fit_gamma_regressor, fit_signal_classifier, model_output
from fipfit.uncertainty import bootstrap_information

__all__ = [
    "DEFAULT_BIN_COUNTS",
    "ErrorSource",
    "MetricsStudy",
    "PartitionSpec",
    "binned_edges",
    "fip_versus_bins",
    "metrics_study",
    "peak_partitions",
    "pseudoexperiment_error",
    "statistical_error",
]

FloatArray = NDArray[np.float64]

#: Bin counts of `fip_versus_bins` unless others are given.
DEFAULT_BIN_COUNTS = (1, 2, 5, 10, 20, 50, 100)

Binning = Literal["quantile", "optimal"]


def binned_edges(
    values: ArrayLike,
    weight: ArrayLike,
    dweight: ArrayLike,
    n_bins: int,
    binning: str = "quantile",
    *,
    n_prebins: int = 1000,
    min_weight: float = 0.0,
) -> FloatArray:
    """Return the edges of `n_bins` equal-weight or optimal bins.

    ``binning="quantile"`` gives `quantile_edges` (equal |weight|) and ignores
    `dweight`, `n_prebins` and `min_weight`; ``"optimal"`` gives
    `optimal_edges`.
    """
    if binning == "quantile":
        return quantile_edges(values, weight, n_bins)
    if binning == "optimal":
        return optimal_edges(
            values,
            weight,
            dweight,
            n_bins,
            n_prebins=n_prebins,
            min_weight=min_weight,
        )
    raise FipfitError(f"binning must be 'quantile' or 'optimal', got {binning!r}")


def _values_of(events: Events, values: ArrayLike | str) -> FloatArray:
    if isinstance(values, str):
        return events.column(values)
    array = as_float_array(values, "values")
    if array.shape != (len(events),):
        raise InvalidEventsError(
            f"values have shape {array.shape}, expected ({len(events)},): one "
            "value per event"
        )
    return array


def fip_versus_bins(
    events: Events,
    values: ArrayLike | str,
    bins: Sequence[int] = DEFAULT_BIN_COUNTS,
    *,
    binning: str = "quantile",
    parameter: str | None = None,
    train_events: Events | None = None,
    train_values: ArrayLike | str | None = None,
    n_prebins: int = 1000,
    min_weight: float = 0.0,
    n_resamples: int = 0,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Tabulate FIP of partitions of one variable against the number of bins.

    Parameters
    ----------
    events : Events
        The events whose information is measured.
    values : array-like of shape (n_events,) or str
        The variable, or the name of a column of `events`.
    bins : sequence of int, default (1, 2, 5, 10, 20, 50, 100)
    binning : {"quantile", "optimal"}, default "quantile"
    parameter : str, optional
        The parameter whose FIP is reported and whose derivative the optimal
        bins use; required with several parameters.
    train_events, train_values : optional
        Find the edges on these events instead (a training sample); FIP is
        then measured on `events`, and the training sample's FIP is reported
        beside it as an overtraining check.
    n_prebins, min_weight
        As in `optimal_edges`.
    n_resamples : int, default 0
        Bootstrap replicas for the error of FIP; 0 skips it.
    random_state : int or None, default 0

    Returns
    -------
    pandas.DataFrame
        One row per entry of `bins`, with columns ``n_bins`` (requested),
        ``n_bins_made`` (fewer where ties merge quantile edges), ``fip``,
        ``fip_error`` (NaN without bootstrap), ``information`` and, with a
        training sample, ``fip_train``.

    Notes
    -----
    Edges found and measured on the same events overestimate FIP, by a
    relative amount of about the number of bins over the effective number of
    events, and optimal edges more than equal-weight ones. Pass a training
    sample for unbiased numbers.
    Values of `events` beyond the outer training edges join the first or last
    bin.
    """
    index = events.parameter_index(parameter)
    x = _values_of(events, values)
    if train_events is None and train_values is None:
        source, source_x = events, x
    elif train_events is not None and train_values is not None:
        source, source_x = train_events, _values_of(train_events, train_values)
    else:
        raise FipfitError("give both train_events and train_values, or neither")
    chosen = source.selected

    rows = []
    for count in bins:
        edges = binned_edges(
            source_x[chosen],
            source.weight[chosen],
            source.dweight[chosen, index],
            int(count),
            binning,
            n_prebins=n_prebins,
            min_weight=min_weight,
        )
        n_made = edges.size - 1
        labels = labels_within_edges(x, edges)
        result = partition_information(events, labels, n_made)
        row: dict[str, Any] = {
            "n_bins": int(count),
            "n_bins_made": n_made,
            "fip": float(result.fip[index]),
            "fip_error": np.nan,
            "information": float(result.information[index, index]),
        }
        if n_resamples > 0:
            spread = bootstrap_information(
                events,
                labels,
                n_made,
                n_resamples=n_resamples,
                random_state=random_state,
            )
            row["fip_error"] = float(spread.fip_error[index])
        if train_events is not None:
            train_labels = labels_within_edges(source_x, edges)
            train_result = partition_information(source, train_labels, n_made)
            row["fip_train"] = float(train_result.fip[index])
        rows.append(row)
    return pd.DataFrame(rows)


# The metrics study ----------------------------------------------------------

#: Computes a fit's expected error on one parameter from the test events, the
#: partition's bin labels, the number of bins and the parameter's index.
ErrorSource = Callable[[Events, NDArray[np.intp], int, int], float]


def statistical_error(
    events: Events, labels: NDArray[np.intp], n_bins: int, index: int
) -> float:
    """Return the large-sample error of a binned fit, sqrt([I(P)^-1]_ii).

    Per unit luminosity in the weights' units; other parameters are free.
    For one parameter this is 1 / sqrt(I(P)).
    """
    information = partition_information(events, labels, n_bins).information
    try:
        variance = float(np.linalg.inv(information)[index, index])
    except np.linalg.LinAlgError:
        return float("inf")
    return float(np.sqrt(variance)) if variance > 0 else float("inf")


def pseudoexperiment_error(
    luminosity: float,
    n_toys: int = 200,
    *,
    max_failed_fraction: float = 0.1,
    random_state: int | None = 0,
) -> ErrorSource:
    """Return an error source that fits Poisson pseudo-data in the partition.

    The returned function splits the test events at random into two halves:
    the templates of the fit come from one, the expected counts of the
    pseudo-data from the other, each scaled by 2 to describe the yield of the
    whole test sample. It returns the standard deviation of the fitted
    parameter over `n_toys` fits at `luminosity`, or infinity when more than
    `max_failed_fraction` of the fits fail (a partition that cannot measure
    the parameter).

    Parameters
    ----------
    luminosity : float
        In the units of the event weights: 1 makes the pseudo-data as large
        as the test sample when the weights are 1 per event.
    n_toys : int, default 200
        The relative error of the returned spread is about 1 / sqrt(2 n_toys).
    max_failed_fraction : float, default 0.1
    random_state : int or None, default 0
        Seeds the split and the Poisson draws.
    """

    def error(
        events: Events, labels: NDArray[np.intp], n_bins: int, index: int
    ) -> float:
        from fipfit.fitting import Templates, expected_counts, run_pseudoexperiments

        half = np.random.default_rng(random_state).random(len(events)) < 0.5
        templates = Templates.from_events(
            events.take(half), labels[half], n_bins, scale=2.0
        )
        expected = expected_counts(
            events.take(~half),
            labels[~half],
            templates.theta0,
            luminosity,
            n_bins,
            scale=2.0,
        )
        toys = run_pseudoexperiments(
            templates,
            expected,
            templates.theta0,
            luminosity,
            n_toys,
            random_state=random_state,
        )
        if toys.n_failed > max_failed_fraction * toys.n_toys:
            return float("inf")
        return float(toys.statistics()["theta_hat_std"][index])

    return error


@dataclass(frozen=True)
class PartitionSpec:
    """How to build one partition variable of the study.

    Attributes
    ----------
    name : str
        Row name in the study's table.
    kind : {"column", "regressor", "classifier"}
        A column of the events used as it is, a `GammaRegressor` output or a
        `SignalClassifier` signal probability, both trained on the training half.
    features : tuple of str
        The column (exactly one for "column"), or the model's features.
    params : mapping
        Hyper-parameters of the model, for example ``{"max_iter": 2}``.
    """

    name: str
    kind: Literal["column", "regressor", "classifier"]
    features: tuple[str, ...]
    params: Mapping[str, Any] = field(default_factory=dict)


def peak_partitions() -> list[PartitionSpec]:
    """Return partitions of the ``peak`` toy model, from useless to the best.

    eta alone carries no information on the mass, and a classifier cannot tell
    the two sides of the peak apart. Then come regressors of gamma with two
    stumps, with ten shallow trees, with x alone, and with (x, eta) at full
    capacity.
    """
    both = ("x", "eta")
    return [
        PartitionSpec("eta", "column", ("eta",)),
        PartitionSpec("classifier (x, eta)", "classifier", both),
        PartitionSpec(
            "regressor, 2 stumps", "regressor", both, {"max_iter": 2, "max_depth": 1}
        ),
        PartitionSpec(
            "regressor, 10 trees of depth 2",
            "regressor",
            both,
            {"max_iter": 10, "max_depth": 2},
        ),
        PartitionSpec("x", "column", ("x",)),
        PartitionSpec("regressor (x)", "regressor", ("x",)),
        PartitionSpec("regressor (x, eta)", "regressor", both),
    ]


@dataclass(frozen=True)
class MetricsStudy:
    """Result of `metrics_study`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per partition: ``partition``, ``kind``, ``n_bins``, ``fip``
        and ``fip_error`` (test half, bootstrap), ``fip_train``,
        ``mse_prediction`` (regressors only, else NaN), ``mse_partition``,
        ``brier``, ``reliability``, ``resolution``, ``fip2``, ``roc_auc``,
        ``accuracy`` (NaN without labels) and ``error`` (the fit's error).
    correlations : pandas.DataFrame
        One row per metric: ``metric``, ``spearman`` (rank correlation with
        ``error`` over the partitions where the metric is defined),
        ``p_value`` and ``n_partitions``.
    """

    table: pd.DataFrame
    correlations: pd.DataFrame


#: Metrics whose rank correlation with the fit's error the study reports.
STUDY_METRICS = (
    "fip",
    "fip_train",
    "mse_prediction",
    "mse_partition",
    "brier",
    "resolution",
    "fip2",
    "roc_auc",
    "accuracy",
)


def _partition_values(
    spec: PartitionSpec,
    train: Events,
    test: Events,
    index: int,
    random_state: int | None,
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Return the variable on the training and test events, and a gamma estimate.

    The third value is the regressor's prediction of gamma on the test events,
    None for the other kinds.
    """
    if spec.kind == "column":
        if len(spec.features) != 1:
            raise FipfitError(
                f"partition '{spec.name}' of kind 'column' needs exactly one "
                f"column, got {list(spec.features)}"
            )
        return train.column(spec.features[0]), test.column(spec.features[0]), None
    features = list(spec.features)
    if spec.kind == "classifier":
        classifier = fit_signal_classifier(
            train, features, random_state=random_state, **spec.params
        )
        return (
            model_output(classifier, train.features(features)),
            model_output(classifier, test.features(features)),
            None,
        )
    if spec.kind == "regressor":
        regressor = fit_gamma_regressor(
            train, features, random_state=random_state, **spec.params
        )
        component = None if train.n_parameters == 1 else index
        test_values = model_output(
            regressor, test.features(features), component=component
        )
        return (
            model_output(regressor, train.features(features), component=component),
            test_values,
            test_values,
        )
    raise FipfitError(
        f"partition '{spec.name}' has kind {spec.kind!r}: choose 'column', "
        "'regressor' or 'classifier'"
    )


def _purity_forecast(
    train: Events, train_labels: NDArray[np.intp], labels: NDArray[np.intp], n_bins: int
) -> FloatArray:
    """Forecast each event's signal probability by its bin's training purity.

    Bins without positive training weight get the training prevalence. The
    forecast is clipped to [0, 1], which negative weights could leave.
    """
    assert train.label is not None
    inside = train.selected & (train_labels >= 0)
    bins = train_labels[inside]
    w = train.weight[inside]
    bin_weight = weighted_bincount(bins, w, n_bins)
    bin_signal = weighted_bincount(bins, w * (train.label[inside] == 1), n_bins)
    prevalence = float(bin_signal.sum() / bin_weight.sum())
    positive = bin_weight > 0
    purity = np.full(n_bins, prevalence)
    purity[positive] = bin_signal[positive] / bin_weight[positive]
    forecast = np.where(labels >= 0, purity[np.maximum(labels, 0)], prevalence)
    return np.asarray(np.clip(forecast, 0.0, 1.0), dtype=np.float64)


def _study_row(
    spec: PartitionSpec,
    train: Events,
    test: Events,
    index: int,
    settings: Mapping[str, Any],
) -> dict[str, Any]:
    """Train, bin and measure one partition of the study."""
    train_values, test_values, prediction = _partition_values(
        spec, train, test, index, settings["random_state"]
    )
    chosen = train.selected
    edges = binned_edges(
        train_values[chosen],
        train.weight[chosen],
        train.dweight[chosen, index],
        settings["n_bins"],
        settings["binning"],
        n_prebins=settings["n_prebins"],
        min_weight=settings["min_weight"],
    )
    n_bins = edges.size - 1
    train_labels = labels_within_edges(train_values, edges)
    labels = labels_within_edges(test_values, edges)

    score = None
    if test.label is not None and train.label is not None:
        score = _purity_forecast(train, train_labels, labels, n_bins)
    metrics = partition_metrics(
        test,
        labels,
        n_bins,
        parameter=test.parameters[index],
        score=score,
        prediction=prediction,
    )
    spread = bootstrap_information(
        test,
        labels,
        n_bins,
        n_resamples=settings["n_resamples"],
        random_state=settings["random_state"],
    )
    train_fip = partition_information(train, train_labels, n_bins).fip[index]
    error_source: ErrorSource = settings["error_source"]

    def number(value: float | None) -> float:
        return float("nan") if value is None else float(value)

    return {
        "partition": spec.name,
        "kind": spec.kind,
        "n_bins": n_bins,
        "fip": metrics.fip,
        "fip_error": float(spread.fip_error[index]),
        "fip_train": float(train_fip),
        "mse_prediction": number(metrics.mse_prediction),
        "mse_partition": metrics.mse_partition,
        "brier": number(metrics.brier),
        "reliability": number(metrics.reliability),
        "resolution": number(metrics.resolution),
        "fip2": number(metrics.fip2),
        "roc_auc": number(metrics.roc_auc),
        "accuracy": number(metrics.accuracy),
        "error": float(error_source(test, labels, n_bins, index)),
    }


def _rank_correlations(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for metric in STUDY_METRICS:
        # An infinite error (a partition that cannot measure the parameter)
        # ranks last; NaN marks a metric that does not apply.
        defined = table[metric].notna() & table["error"].notna()
        count = int(defined.sum())
        rho = p_value = float("nan")
        if count >= 3 and table.loc[defined, metric].nunique() > 1:
            result = stats.spearmanr(
                table.loc[defined, metric], table.loc[defined, "error"]
            )
            rho, p_value = float(result.statistic), float(result.pvalue)
        rows.append(
            {
                "metric": metric,
                "spearman": rho,
                "p_value": p_value,
                "n_partitions": count,
            }
        )
    return pd.DataFrame(rows)


def metrics_study(
    events: Events,
    partitions: Sequence[PartitionSpec],
    *,
    parameter: str | None = None,
    n_bins: int = 20,
    binning: str = "optimal",
    test_fraction: float = 0.5,
    n_prebins: int = 1000,
    min_weight: float = 0.0,
    n_resamples: int = 100,
    error_source: ErrorSource | None = None,
    random_state: int | None = 0,
) -> MetricsStudy:
    """Compare FIP, MSE, Brier, AUC and accuracy as predictors of a fit's error.

    Each partition is trained (for models) and binned on a training sample and
    measured on the test sample, events it has not seen.

    Parameters
    ----------
    events : Events
    partitions : sequence of PartitionSpec
        For example `peak_partitions()`.
    parameter : str, optional
        Required with several parameters.
    n_bins : int, default 20
    binning : {"optimal", "quantile"}, default "optimal"
        Edges of each partition variable, found on the training sample.
    test_fraction : float, default 0.5
    n_prebins, min_weight
        As in `optimal_edges`.
    n_resamples : int, default 100
        Bootstrap replicas for the error of FIP.
    error_source : callable, optional
        ``error_source(test_events, labels, n_bins, parameter_index)`` returns
        the fit's error on the parameter, for example the spread of fitted
        values over pseudo-experiments (`pseudoexperiment_error`). Default
        `statistical_error`, the large-sample error sqrt([I(P)^-1]_ii) of the
        test events.
    random_state : int or None, default 0
        Seeds the split, the models and the bootstrap.

    Returns
    -------
    MetricsStudy

    Notes
    -----
    Classifier metrics answer the signal-versus-background question for every
    partition in the same way: each test event is forecast the signal purity
    of its bin in the training sample. Brier score, reliability, ROC AUC and
    accuracy (cut at 0.5) are those of that forecast on the test events, and
    resolution and ``fip2`` (FIP of a signal strength) come from the test
    bins' purities. A partition's forecast is therefore judged by its bins, not
    by how its variable is encoded: a regressor output that is negative below
    a peak and positive above it gets the same AUC as its absolute value.
    ``mse_prediction`` is the weighted MSE of a regressor's unbinned output as
    a prediction of gamma, NaN for columns and classifiers. ``mse_partition``
    is that of the bin means. With positive weights it equals
    (I_ideal(selected) - I(P)) / W(selected) on the test events.

    With the default error source the correlation of ``fip`` is -1 by
    construction (both come from the same I(P)); the study is informative
    for the other metrics, and for ``fip`` only with an independent error
    source such as pseudo-experiments.
    """
    index = events.parameter_index(parameter)
    if not partitions:
        raise FipfitError("no partitions to study: give at least one PartitionSpec")
    names = [spec.name for spec in partitions]
    if len(set(names)) != len(names):
        raise FipfitError(f"partition names must be unique, got {names}")
    if n_resamples < 2:
        raise FipfitError(f"n_resamples must be at least 2, got {n_resamples}")
    test, train = events.split(test_fraction, random_state=random_state)
    settings = {
        "n_bins": n_bins,
        "binning": binning,
        "n_prebins": n_prebins,
        "min_weight": min_weight,
        "n_resamples": n_resamples,
        "random_state": random_state,
        "error_source": error_source or statistical_error,
    }
    rows = [_study_row(spec, train, test, index, settings) for spec in partitions]
    table = pd.DataFrame(rows)
    return MetricsStudy(table=table, correlations=_rank_correlations(table))
