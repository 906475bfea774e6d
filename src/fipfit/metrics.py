"""Classifier and regressor metrics beside the information of a binned fit.

A fit's precision follows probabilistic metrics: FIP, the weighted mean squared
error (MSE) of a regressor of gamma, and for a signal-strength measurement the
Brier score and its resolution. Ranking metrics (ROC AUC) and threshold metrics
(accuracy) do not see what a distribution fit uses. This module computes all of
them with the same event weights, so that they can be compared side by side.

scikit-learn computes the Brier score, the MSE, the ROC curve and the accuracy.
This module adds what scikit-learn lacks: Murphy's decomposition of the Brier
score with its two within-bin terms, the sharpness of a forecast, FIP1 and FIP2
of the binary case, FIP2 from a ROC curve, and `partition_metrics`.

Negative weights
----------------
scikit-learn 1.9 accepts negative ``sample_weight`` in these metrics, but
``roc_auc_score`` then raises as soon as the weighted ROC curve stops being
monotonic. Here every metric uses the signed weights, because those are the
estimate of the physical distribution: `roc_auc` integrates the signed ROC
curve with the trapezoid rule, which equals the weighted pairwise (Mann-Whitney)
estimate of P(score_signal > score_background). Absolute weights would describe
another distribution. On a finite sample with negative weights a metric can
leave its usual range (an AUC above 1, a negative variance).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    mean_squared_error,
    roc_auc_score,
    roc_curve,
)

from fipfit.binning import labels_from_edges
from fipfit.errors import FipfitError, InvalidEventsError, NonPositiveBinWarning
from fipfit.events import Events, as_float_array, check_finite
from fipfit.information import partition_information, weighted_bincount

__all__ = [
    "BrierDecomposition",
    "PartitionMetrics",
    "accuracy",
    "binary_fip",
    "fip2_from_roc",
    "murphy_decomposition",
    "partition_metrics",
    "roc_auc",
    "sharpness",
    "weighted_mse",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


# Input validation ----------------------------------------------------------


def _vector(values: ArrayLike, name: str, n_events: int | None = None) -> FloatArray:
    """Return `values` as a finite float vector with `n_events` entries."""
    array = as_float_array(values, name)
    if array.ndim != 1:
        raise InvalidEventsError(
            f"{name} must be one-dimensional, got shape {array.shape}"
        )
    if n_events is not None and array.shape[0] != n_events:
        raise InvalidEventsError(
            f"{name} has {array.shape[0]} entries, expected {n_events}: "
            "give one entry per event"
        )
    check_finite(array, name)
    return array


def _binary(values: ArrayLike, name: str, n_events: int | None = None) -> FloatArray:
    """Return signal (1) and background (0) labels as floats."""
    array = _vector(values, name, n_events)
    bad = (array != 0) & (array != 1)
    if bad.any():
        raise InvalidEventsError(
            f"{int(bad.sum())} entries of {name} are neither 0 nor 1, for example "
            f"{array[bad][0]}: use 1 for signal and 0 for background"
        )
    return array


def _probability(values: ArrayLike, name: str, n_events: int) -> FloatArray:
    """Return forecast probabilities, checked to lie in [0, 1]."""
    array = _vector(values, name, n_events)
    bad = (array < 0) | (array > 1)
    if bad.any():
        raise InvalidEventsError(
            f"{int(bad.sum())} entries of {name} are outside [0, 1], for example "
            f"{array[bad][0]}: give calibrated probabilities, not raw scores"
        )
    return array


def _sample_weight(values: ArrayLike | None, n_events: int) -> FloatArray:
    """Return the weights (ones for None), checked to have a positive sum."""
    if values is None:
        weight = np.ones(n_events)
    else:
        weight = _vector(values, "sample_weight", n_events)
    total = float(weight.sum())
    if not total > 0:
        raise InvalidEventsError(
            f"the weights sum to {total}: weighted means need a positive total "
            "weight; check the sample or add events"
        )
    return weight


def _check_class_weights(y_true: FloatArray, weight: FloatArray) -> None:
    """Raise unless both classes have a positive total weight."""
    for value, name in ((1.0, "signal"), (0.0, "background")):
        total = float(weight[y_true == value].sum())
        if not total > 0:
            raise InvalidEventsError(
                f"the {name} events have total weight {total}: ranking and "
                "threshold metrics need events of both classes with a positive "
                "total weight"
            )


# Brier score and its decomposition ----------------------------------------


@dataclass(frozen=True)
class BrierDecomposition:
    """Murphy's decomposition of a weighted Brier score over bins of the forecast.

    With W_k the weight in bin k, f_k its mean forecast, o_k its observed
    frequency (the purity) and pi the overall frequency (the prevalence)::

        brier = reliability - resolution + uncertainty + within_bin

    The identity is exact for any weights whose bins have W_k != 0.

    Attributes
    ----------
    brier : float
        Weighted mean of (forecast - outcome)^2.
    reliability : float
        Weighted mean of (f_k - o_k)^2: zero for a calibrated forecast.
    resolution : float
        Weighted variance of the bin frequencies o_k around pi.
    uncertainty : float
        pi (1 - pi).
    within_bin_variance : float
        Weighted variance of the forecast inside the bins.
    within_bin_covariance : float
        Weighted covariance of forecast and outcome inside the bins.
    prevalence : float
        pi, the weighted frequency of outcome 1.
    bin_weight, bin_forecast, bin_frequency : ndarray of shape (n_bins,)
        W_k, f_k and o_k (NaN for bins without weight).
    nonpositive_bins : ndarray of int
        Bins with W_k < 0 (possible with negative weights); they stay in every
        term, so the identity still holds, but their frequencies are no
        probabilities.
    """

    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_bin_variance: float
    within_bin_covariance: float
    prevalence: float
    bin_weight: FloatArray
    bin_forecast: FloatArray
    bin_frequency: FloatArray
    nonpositive_bins: IntArray

    @property
    def within_bin(self) -> float:
        """Within-bin term, variance minus twice the covariance.

        It is zero when the forecast takes one value per bin, as when the bins
        are the distinct forecast values.
        """
        return self.within_bin_variance - 2.0 * self.within_bin_covariance


def _forecast_bins(
    y_prob: FloatArray, bins: int | ArrayLike | None, labels: ArrayLike | None
) -> tuple[IntArray, int]:
    """Return the bin of each event and the number of bins."""
    if labels is not None:
        if bins is not None:
            raise FipfitError(
                "give either bins (of the forecast) or labels (a partition), not both"
            )
        array = np.asarray(labels)
        if array.shape != y_prob.shape:
            raise InvalidEventsError(
                f"labels have shape {array.shape}, expected {y_prob.shape}: "
                "one bin label per event"
            )
        if not np.issubdtype(array.dtype, np.integer):
            raise InvalidEventsError(
                f"labels must be integers, got {array.dtype}: pass bin indices"
            )
        array = array.astype(np.intp)
        return array, int(array.max(initial=-1)) + 1
    if bins is None or np.isscalar(bins):
        count = 10 if bins is None else int(bins)  # type: ignore[arg-type]
        if count < 1:
            raise FipfitError(
                f"number of forecast bins must be at least 1, got {count}"
            )
        edges = np.linspace(0.0, 1.0, count + 1)
    else:
        edges = as_float_array(bins, "forecast bin edges")
    labels_of_events = labels_from_edges(y_prob, edges)
    return labels_of_events, int(edges.size) - 1


def murphy_decomposition(
    y_true: ArrayLike,
    y_prob: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    bins: int | ArrayLike | None = None,
    labels: ArrayLike | None = None,
) -> BrierDecomposition:
    """Decompose the weighted Brier score into reliability, resolution and more.

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
        Outcomes, 1 for signal and 0 for background.
    y_prob : array-like of shape (n_events,)
        Forecast probability of outcome 1, in [0, 1].
    sample_weight : array-like of shape (n_events,), optional
        Event weights; their sum must be positive. Default: unit weights.
    bins : int or array-like of edges, optional
        Group the events by bins of the forecast: a number of equal-width bins
        in [0, 1] (default 10) or increasing edges. Events outside the edges
        are left out.
    labels : array-like of int, shape (n_events,), optional
        Group the events by these bins instead, for example the bins of a
        fit's partition; -1 leaves an event out.

    Returns
    -------
    BrierDecomposition

    Raises
    ------
    FipfitError
        On mismatched lengths, outcomes other than 0 and 1, probabilities
        outside [0, 1], NaN or infinity, both `bins` and `labels`, or a bin
        whose weights cancel to exactly zero.

    Notes
    -----
    brier = reliability - resolution + uncertainty is exact only when the
    forecast is constant inside each bin. Otherwise the within-bin variance and
    covariance terms of Stephenson, Coelho and Jolliffe (Weather and
    Forecasting 23 (2008) 752) close the identity, and both are reported.
    """
    outcome = _binary(y_true, "y_true")
    n = outcome.shape[0]
    forecast = _probability(y_prob, "y_prob", n)
    weight = _sample_weight(sample_weight, n)
    event_bins, n_bins = _forecast_bins(forecast, bins, labels)

    inside = event_bins >= 0
    cells, w = event_bins[inside], weight[inside]
    f, y = forecast[inside], outcome[inside]
    total = float(w.sum())
    if not total > 0:
        raise InvalidEventsError(
            f"the events in the bins have total weight {total}: the "
            "decomposition needs a positive total weight"
        )

    bin_weight = weighted_bincount(cells, w, n_bins)
    bin_forecast_sum = weighted_bincount(cells, w * f, n_bins)
    bin_outcome_sum = weighted_bincount(cells, w * y, n_bins)
    holding = np.bincount(cells, weights=np.abs(w), minlength=n_bins) > 0
    cancelled = np.flatnonzero(holding & (bin_weight == 0))
    if cancelled.size:
        raise InvalidEventsError(
            f"bins {cancelled.tolist()[:10]} contain events whose weights sum to "
            "exactly zero, so their mean forecast is undefined: merge them with "
            "a neighbour"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        # Bins without events give 0/0; they carry no weight in any term.
        bin_forecast = bin_forecast_sum / bin_weight
        bin_frequency = bin_outcome_sum / bin_weight
    used = bin_weight != 0
    prevalence = float(bin_outcome_sum.sum()) / total

    reliability = _weighted_sum(
        bin_weight[used], (bin_forecast[used] - bin_frequency[used]) ** 2
    )
    resolution = _weighted_sum(
        bin_weight[used], (bin_frequency[used] - prevalence) ** 2
    )
    forecast_deviation = f - bin_forecast[cells]
    outcome_deviation = y - bin_frequency[cells]
    return BrierDecomposition(
        brier=float(brier_score_loss(y, f, sample_weight=w, labels=[0, 1])),
        reliability=reliability / total,
        resolution=resolution / total,
        uncertainty=prevalence * (1.0 - prevalence),
        within_bin_variance=_weighted_sum(w, forecast_deviation**2) / total,
        within_bin_covariance=_weighted_sum(w, forecast_deviation * outcome_deviation)
        / total,
        prevalence=prevalence,
        bin_weight=bin_weight,
        bin_forecast=bin_forecast,
        bin_frequency=bin_frequency,
        nonpositive_bins=np.flatnonzero(holding & (bin_weight < 0)),
    )


def _weighted_sum(weight: FloatArray, values: FloatArray) -> float:
    return float(np.dot(weight, values))


def sharpness(y_prob: ArrayLike, *, sample_weight: ArrayLike | None = None) -> float:
    """Compute the sharpness of a forecast, its weighted variance.

    Parameters
    ----------
    y_prob : array-like of shape (n_events,)
        Forecast probabilities (or any per-event forecast).
    sample_weight : array-like of shape (n_events,), optional

    Returns
    -------
    float
        sum_e w_e (f_e - f_mean)^2 / sum_e w_e, with f_mean the weighted mean.

    Notes
    -----
    Take a calibrated forecast that is constant in each bin, such as the purity
    of each event's bin in a partition. Its sharpness equals the resolution of
    `murphy_decomposition` over the same bins, because both are the weighted
    variance of the bin purities.
    """
    forecast = _vector(y_prob, "y_prob")
    weight = _sample_weight(sample_weight, forecast.shape[0])
    mean = float(np.average(forecast, weights=weight))
    return _weighted_sum(weight, (forecast - mean) ** 2) / float(weight.sum())


# The binary case: a signal-strength measurement ---------------------------


def binary_fip(
    label: ArrayLike,
    weight: ArrayLike,
    bin_labels: ArrayLike,
    selected: ArrayLike | None = None,
) -> tuple[float, float]:
    """Compute FIP1 (one bin) and FIP2 (a fit of the bins) of a signal strength.

    For theta = mu scaling the signal yield, gamma = 1 for signal events at
    mu = 1 and 0 for background, so I_ideal is the total signal weight S and

        FIP1 = epsilon * rho                (the selected events in one bin)
        FIP2 = sum_k epsilon_k * rho_k      (a binned fit)

    with epsilon_k = s_k / S the signal efficiency and rho_k = s_k / W_k the
    purity of bin k.

    Parameters
    ----------
    label : array-like of shape (n_events,)
        1 for signal, 0 for background.
    weight : array-like of shape (n_events,)
    bin_labels : array-like of int, shape (n_events,)
        Bin of each event; -1 for events outside the partition.
    selected : array-like of bool, shape (n_events,), optional
        Events outside the selection are outside the partition but count in S.

    Returns
    -------
    fip1, fip2 : float

    Notes
    -----
    These are I(P) / I_ideal of `partition_information` for derivatives
    d_e = w_e * label_e. With pi the purity of the selection and resolution the
    weighted variance of the bin purities around it (Murphy's resolution of the
    purity forecast), FIP2 = epsilon * (pi + resolution / pi). Bins with
    W_k <= 0 are left out of FIP2 with a `NonPositiveBinWarning`.
    """
    signal = _binary(label, "label")
    n = signal.shape[0]
    w = _vector(weight, "weight", n)
    bins = np.asarray(bin_labels)
    if bins.shape != (n,) or not np.issubdtype(bins.dtype, np.integer):
        raise InvalidEventsError(
            f"bin_labels must be {n} integers, one per event, got shape "
            f"{bins.shape} and type {bins.dtype}"
        )
    if selected is not None:
        keep = np.asarray(selected, dtype=bool)
        if keep.shape != (n,):
            raise InvalidEventsError(
                f"selected has shape {keep.shape}, expected ({n},): one flag per event"
            )
        bins = np.where(keep, bins, -1)
    bins = bins.astype(np.intp)

    total_signal = float(np.dot(w, signal))
    if not total_signal > 0:
        raise InvalidEventsError(
            f"the signal events have total weight {total_signal}: FIP of a signal "
            "strength needs signal events (label 1) with positive total weight"
        )
    inside = bins >= 0
    n_bins = int(bins.max(initial=-1)) + 1
    bin_weight = weighted_bincount(bins[inside], w[inside], n_bins)
    bin_signal = weighted_bincount(bins[inside], (w * signal)[inside], n_bins)
    selected_weight = float(bin_weight.sum())
    if not selected_weight > 0:
        raise InvalidEventsError(
            f"the events in the partition have total weight {selected_weight}: "
            "a counting experiment needs a positive expected yield"
        )

    fip1 = float(bin_signal.sum()) ** 2 / selected_weight / total_signal
    positive = bin_weight > 0
    holding = np.bincount(bins[inside], minlength=n_bins) > 0
    nonpositive = np.flatnonzero(holding & ~positive)
    if nonpositive.size:
        warnings.warn(
            f"{nonpositive.size} bins have total weight <= 0 and are left out of "
            f"FIP2: bins {nonpositive.tolist()[:10]}",
            NonPositiveBinWarning,
            stacklevel=2,
        )
    s = bin_signal[positive]
    fip2 = float(np.dot(s, s / bin_weight[positive])) / total_signal
    return fip1, fip2


def fip2_from_roc(fpr: ArrayLike, tpr: ArrayLike, prevalence: float) -> float:
    """Compute FIP2 of a fit binned at the thresholds of a ROC curve.

    Each segment between two points of the curve is one bin of the score, with
    signal efficiency eps_k = dtpr and purity
    rho_k = pi dtpr / (pi dtpr + (1 - pi) dfpr), so FIP2 = sum_k eps_k rho_k.

    Parameters
    ----------
    fpr, tpr : array-like of shape (n_points,)
        False and true positive rates, non-decreasing, in [0, 1], as returned
        by `sklearn.metrics.roc_curve`.
    prevalence : float
        pi, the signal fraction of the events the curve describes, in (0, 1).

    Returns
    -------
    float
        FIP2 relative to the signal that the curve covers. Multiply by the
        selection efficiency when the curve describes selected events only.

    Notes
    -----
    The result equals `binary_fip` with one bin per point of the curve, so a
    curve with a point at every distinct score of a finite sample returns the
    finest binning of that sample, with its upward MC bias (a sample of
    distinct scores gives FIP2 = 1). Use a smooth curve (fitted, analytic, or
    from few thresholds) for the fine-binning limit of the population.
    Merging collinear segments leaves the result unchanged, because segments of
    equal slope have equal purity.
    """
    false_rate = _vector(fpr, "fpr")
    true_rate = _vector(tpr, "tpr", false_rate.shape[0])
    if false_rate.shape[0] < 2:
        raise FipfitError(
            f"a ROC curve needs at least two points, got {false_rate.shape[0]}"
        )
    for name, rate in (("fpr", false_rate), ("tpr", true_rate)):
        if np.any(rate < 0) or np.any(rate > 1) or np.any(np.diff(rate) < 0):
            raise InvalidEventsError(
                f"{name} must be non-decreasing in [0, 1]: a ROC curve with "
                "negative weights is not monotonic, so compute FIP2 from the "
                "labels with binary_fip instead"
            )
    pi = float(prevalence)
    if not 0 < pi < 1:
        raise FipfitError(f"prevalence must lie strictly between 0 and 1, got {pi}")

    signal = pi * np.diff(true_rate)
    total = signal + (1.0 - pi) * np.diff(false_rate)
    used = total > 0
    return float(np.dot(signal[used], signal[used] / total[used])) / pi


# Regression, ranking and threshold metrics --------------------------------


def weighted_mse(
    gamma: ArrayLike, prediction: ArrayLike, weight: ArrayLike
) -> FloatArray:
    """Compute the weighted MSE of a regressor of gamma, one per parameter.

    Parameters
    ----------
    gamma : array-like of shape (n_events,) or (n_events, n_parameters)
        Per-event sensitivity d / w.
    prediction : array-like of the same shape
        The regressor's estimate of gamma.
    weight : array-like of shape (n_events,)
        Event weights; their sum must be positive.

    Returns
    -------
    ndarray of shape (n_parameters,)
        sum_e w_e (gamma_e - prediction_e)^2 / sum_e w_e.

    Notes
    -----
    With the bin means Gamma_k = D_k / W_k as prediction on the events of a
    partition and positive weights, the MSE times sum w equals
    I_ideal(selected) - I(P): the information a fit loses is the regression
    error of its partition.
    """
    target = as_float_array(gamma, "gamma")
    estimate = as_float_array(prediction, "prediction")
    if target.ndim == 1:
        target = target[:, np.newaxis]
    if estimate.ndim == 1:
        estimate = estimate[:, np.newaxis]
    if target.ndim != 2 or estimate.shape != target.shape:
        raise InvalidEventsError(
            f"gamma has shape {np.shape(gamma)} but prediction has shape "
            f"{np.shape(prediction)}: give one prediction per event and parameter"
        )
    check_finite(target, "gamma")
    check_finite(estimate, "prediction")
    w = _sample_weight(weight, target.shape[0])
    mse = mean_squared_error(
        target, estimate, sample_weight=w, multioutput="raw_values"
    )
    return np.asarray(mse, dtype=np.float64)


def roc_auc(
    y_true: ArrayLike, y_score: ArrayLike, *, sample_weight: ArrayLike | None = None
) -> float:
    """Compute the weighted area under the ROC curve.

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
        1 for signal, 0 for background.
    y_score : array-like of shape (n_events,)
        Any score that is larger for signal-like events.
    sample_weight : array-like of shape (n_events,), optional

    Returns
    -------
    float
        The weighted probability that a signal event scores above a background
        event, ties counting one half.

    Notes
    -----
    With non-negative weights this is `sklearn.metrics.roc_auc_score`. With
    negative weights it is the trapezoid integral of the signed weighted ROC
    curve, which scikit-learn's ``auc`` rejects because that curve need not be
    monotonic. Both classes need a positive total weight.
    """
    outcome = _binary(y_true, "y_true")
    n = outcome.shape[0]
    score = _vector(y_score, "y_score", n)
    weight = _sample_weight(sample_weight, n)
    _check_class_weights(outcome, weight)
    if np.all(weight >= 0):
        return float(roc_auc_score(outcome, score, sample_weight=weight))
    fpr, tpr, _ = roc_curve(
        outcome, score, sample_weight=weight, drop_intermediate=False
    )
    return float(np.trapezoid(tpr, fpr))


def accuracy(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    threshold: float = 0.5,
    sample_weight: ArrayLike | None = None,
) -> float:
    """Compute the weighted accuracy of the cut ``y_score > threshold``.

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
        1 for signal, 0 for background.
    y_score : array-like of shape (n_events,)
        Events above `threshold` are called signal, as scikit-learn's
        classifiers call class 1 above probability 0.5.
    threshold : float, default 0.5
    sample_weight : array-like of shape (n_events,), optional
        Signed weights are used as they are; their sum must be positive.

    Returns
    -------
    float
        The weighted fraction of events classified correctly.
    """
    outcome = _binary(y_true, "y_true")
    n = outcome.shape[0]
    score = _vector(y_score, "y_score", n)
    weight = _sample_weight(sample_weight, n)
    predicted = (score > threshold).astype(np.float64)
    return float(accuracy_score(outcome, predicted, sample_weight=weight))


# All metrics of one partition ---------------------------------------------


@dataclass(frozen=True)
class PartitionMetrics:
    """Information and classifier or regressor metrics of one partition.

    Metrics other than the information use the events of the partition: the
    selected events with a bin label >= 0. Fields that need labels, a score
    or a prediction are None without them.

    Attributes
    ----------
    parameter : str
    n_events, n_bins : int
    fip, shape_fip, information, ideal_information : float
        From `partition_information`, for `parameter`.
    mse_partition : float
        Weighted MSE of the bin means Gamma_k as a prediction of gamma.
    mse_prediction : float or None
        Weighted MSE of the given regressor prediction of gamma.
    fip1, fip2, prevalence, resolution, uncertainty : float or None
        Binary case (needs labels): counting and binned FIP of a signal
        strength, the selection's purity pi, and Murphy's resolution and
        uncertainty of the bins' purities.
    brier, reliability, sharpness, within_bin : float or None
        Of the score as a probability forecast grouped by the partition's bins
        (needs labels and a score in [0, 1]).
    roc_auc, accuracy : float or None
        Of the score (needs labels and a score).
    """

    parameter: str
    n_events: int
    n_bins: int
    fip: float
    shape_fip: float
    information: float
    ideal_information: float
    mse_partition: float
    mse_prediction: float | None = None
    fip1: float | None = None
    fip2: float | None = None
    prevalence: float | None = None
    resolution: float | None = None
    uncertainty: float | None = None
    brier: float | None = None
    reliability: float | None = None
    sharpness: float | None = None
    within_bin: float | None = None
    roc_auc: float | None = None
    accuracy: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a flat dictionary, for a table row or JSON."""
        return asdict(self)


def partition_metrics(
    events: Events,
    labels: ArrayLike,
    n_bins: int | None = None,
    *,
    parameter: str | None = None,
    score: ArrayLike | None = None,
    prediction: ArrayLike | None = None,
    threshold: float = 0.5,
) -> PartitionMetrics:
    """Compute FIP and the classifier and regressor metrics of a partition.

    Parameters
    ----------
    events : Events
    labels : array-like of int, shape (n_events,)
        Bin of each event, -1 outside the partition, as for
        `partition_information`.
    n_bins : int, optional
        Default ``max(labels) + 1``.
    parameter : str, optional
        Parameter of the per-parameter metrics; required with several.
    score : array-like of shape (n_events,), optional
        A classifier output. The Brier terms need it in [0, 1].
    prediction : array-like of shape (n_events,), optional
        A regressor's estimate of gamma for `parameter`.
    threshold : float, default 0.5
        Cut of `accuracy`.

    Returns
    -------
    PartitionMetrics
    """
    index = events.parameter_index(parameter)
    n = len(events)
    bins = np.asarray(labels)
    result = partition_information(events, bins, n_bins)
    inside = events.selected & (bins >= 0)
    w = events.weight[inside]
    gamma = events.gamma[inside, index]
    bin_mean = np.nan_to_num(result.bins.gamma_mean[bins[inside], index])
    metrics: dict[str, Any] = {
        "parameter": events.parameters[index],
        "n_events": result.n_events,
        "n_bins": len(result.bins),
        "fip": float(result.fip[index]),
        "shape_fip": float(result.shape_fip[index]),
        "information": float(result.information[index, index]),
        "ideal_information": float(result.ideal_information[index, index]),
        "mse_partition": float(weighted_mse(gamma, bin_mean, w)[0]),
    }
    if prediction is not None:
        estimate = _vector(prediction, "prediction", n)[inside]
        metrics["mse_prediction"] = float(weighted_mse(gamma, estimate, w)[0])
    if events.label is not None:
        metrics.update(_binary_metrics(events, events.label, bins, inside))
        if score is not None:
            values = _vector(score, "score", n)[inside]
            metrics.update(
                _score_metrics(
                    events.label[inside],
                    values,
                    events.weight[inside],
                    bins[inside],
                    threshold,
                )
            )
    return PartitionMetrics(**metrics)


def _binary_metrics(
    events: Events,
    label: NDArray[np.int8],
    bins: NDArray[Any],
    inside: NDArray[np.bool_],
) -> dict[str, float]:
    """FIP1, FIP2 and the purity terms of Murphy's decomposition."""
    fip1, fip2 = binary_fip(label, events.weight, bins, events.selected)
    # The decomposition of any forecast over these bins has the same
    # resolution and uncertainty, because both depend on the bin purities alone.
    purity_terms = murphy_decomposition(
        label[inside],
        np.full(int(inside.sum()), 0.5),
        sample_weight=events.weight[inside],
        labels=bins[inside],
    )
    return {
        "fip1": fip1,
        "fip2": fip2,
        "prevalence": purity_terms.prevalence,
        "resolution": purity_terms.resolution,
        "uncertainty": purity_terms.uncertainty,
    }


def _score_metrics(
    y: NDArray[np.int8],
    s: FloatArray,
    w: FloatArray,
    bins: NDArray[Any],
    threshold: float,
) -> dict[str, float]:
    """ROC AUC, accuracy and, for probabilities, the Brier terms of a score."""
    metrics = {
        "roc_auc": roc_auc(y, s, sample_weight=w),
        "accuracy": accuracy(y, s, threshold=threshold, sample_weight=w),
    }
    if np.all((s >= 0) & (s <= 1)):
        terms = murphy_decomposition(y, s, sample_weight=w, labels=bins)
        metrics["brier"] = terms.brier
        metrics["reliability"] = terms.reliability
        metrics["within_bin"] = terms.within_bin
        metrics["sharpness"] = sharpness(s, sample_weight=w)
    return metrics
