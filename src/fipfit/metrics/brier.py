"""The Brier score: Murphy's decomposition and the sharpness of a forecast."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import brier_score_loss

from fipfit.binning import labels_from_edges
from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import as_float_array
from fipfit.information import weighted_bincount
from fipfit.metrics._common import FloatArray, as_binary, as_sample_weight, as_vector

__all__ = ["BrierDecomposition", "murphy_decomposition", "sharpness"]

IntArray = NDArray[np.intp]


def _probability(values: ArrayLike, name: str, n_events: int) -> FloatArray:
    """Return forecast probabilities, checked to lie in [0, 1]."""
    array = as_vector(values, name, n_events)
    bad = (array < 0) | (array > 1)
    if bad.any():
        raise InvalidEventsError(
            f"{int(bad.sum())} entries of {name} are outside [0, 1], for example "
            f"{array[bad][0]}: give calibrated probabilities, not raw scores"
        )
    return array


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
    outcome = as_binary(y_true, "y_true")
    n = outcome.shape[0]
    forecast = _probability(y_prob, "y_prob", n)
    weight = as_sample_weight(sample_weight, n)
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
    forecast = as_vector(y_prob, "y_prob")
    weight = as_sample_weight(sample_weight, forecast.shape[0])
    mean = float(np.average(forecast, weights=weight))
    return _weighted_sum(weight, (forecast - mean) ** 2) / float(weight.sum())
