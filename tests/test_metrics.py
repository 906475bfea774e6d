"""Metrics of the binary case and of regressors, against identities and other tools.

Exact identities use rtol 1e-9: the samples hold a few thousand events of
weight of order 1, whose float64 sums carry round-off near 1e-13.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
from numpy.testing import assert_allclose
from numpy.typing import NDArray
from scipy import integrate, special, stats
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

from fipfit.binning import labels_from_edges, quantile_edges
from fipfit.errors import FipfitError, InvalidEventsError, NonPositiveBinWarning
from fipfit.events import Events
from fipfit.information import partition_information
from fipfit.metrics import (
    accuracy,
    binary_fip,
    fip2_from_roc,
    murphy_decomposition,
    partition_metrics,
    roc_auc,
    sharpness,
    weighted_mse,
)

FloatArray = NDArray[np.float64]
EXACT = 1e-9
SEEDS = [0, 1, 2]


def classifier_sample(
    seed: int, n_events: int = 4000, negative_fraction: float = 0.0
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Labels, weights, a calibrated-looking probability and an observable x.

    Signal is N(1, 1) and background N(-1, 1.5) in x, 30% signal. The score
    is a logistic function of x, close to but not exactly calibrated.
    """
    rng = np.random.default_rng(seed)
    label = (rng.random(n_events) < 0.3).astype(float)
    x = np.where(label == 1, rng.normal(1, 1, n_events), rng.normal(-1, 1.5, n_events))
    weight = rng.exponential(1.0, n_events) + 0.1
    if negative_fraction:
        weight *= np.where(rng.random(n_events) < negative_fraction, -1.0, 1.0)
    probability = special.expit(1.5 * x - 0.5)
    return label, weight, probability, x


# Murphy decomposition ------------------------------------------------------


@pytest.mark.parametrize("negative_fraction", [0.0, 0.15])
@pytest.mark.parametrize("seed", SEEDS)
def test_murphy_identity_with_within_bin(seed: int, negative_fraction: float) -> None:
    """brier = reliability - resolution + uncertainty + within_bin, any weights."""
    label, weight, probability, _ = classifier_sample(seed, 4000, negative_fraction)
    terms = murphy_decomposition(label, probability, sample_weight=weight, bins=12)
    recomposed = (
        terms.reliability - terms.resolution + terms.uncertainty + terms.within_bin
    )
    assert terms.brier == pytest.approx(recomposed, rel=EXACT)
    assert terms.within_bin_variance != 0


@pytest.mark.parametrize("seed", SEEDS)
def test_murphy_identity_exact_for_constant_bins(seed: int) -> None:
    """A forecast with one value per bin has no within-bin term."""
    label, weight, probability, _ = classifier_sample(seed)
    levels = np.round(probability, 1)
    _, bins = np.unique(levels, return_inverse=True)
    terms = murphy_decomposition(label, levels, sample_weight=weight, labels=bins)
    assert terms.within_bin_variance == pytest.approx(0.0, abs=1e-15)
    assert terms.within_bin_covariance == pytest.approx(0.0, abs=1e-15)
    three_terms = terms.reliability - terms.resolution + terms.uncertainty
    assert terms.brier == pytest.approx(three_terms, rel=EXACT)


def test_murphy_brier_matches_sklearn() -> None:
    label, weight, probability, _ = classifier_sample(3)
    terms = murphy_decomposition(label, probability, sample_weight=weight)
    expected = brier_score_loss(label, probability, sample_weight=weight)
    assert terms.brier == pytest.approx(expected, rel=EXACT)


def test_murphy_terms_by_hand() -> None:
    """Two bins with unit weights, worked out on paper.

    Bin 0: forecasts 0.2, 0.2, outcomes 0, 1 (f 0.2, o 0.5). Bin 1: forecasts
    0.8, 0.8, outcomes 1, 1 (f 0.8, o 1). pi = 3/4. Reliability
    (0.3^2 + 0.2^2) / 2 = 0.065, resolution (0.25^2 + 0.25^2) / 2 = 0.0625,
    uncertainty 3/16, and Brier (0.04 + 0.64 + 0.04 + 0.04) / 4 = 0.19.
    """
    terms = murphy_decomposition(
        [0, 1, 1, 1], [0.2, 0.2, 0.8, 0.8], labels=np.array([0, 0, 1, 1])
    )
    assert terms.reliability == pytest.approx(0.065)
    assert terms.resolution == pytest.approx(0.0625)
    assert terms.uncertainty == pytest.approx(0.1875)
    assert terms.brier == pytest.approx(0.19)
    assert terms.prevalence == pytest.approx(0.75)
    assert_allclose(terms.bin_frequency, [0.5, 1.0])


def test_calibrated_forecast_has_no_reliability_term() -> None:
    label, weight, _, x = classifier_sample(4)
    bins = labels_from_edges(x, quantile_edges(x, weight, 15))
    bin_weight = np.bincount(bins, weight)
    purity = np.bincount(bins, weight * label) / bin_weight
    terms = murphy_decomposition(label, purity[bins], sample_weight=weight, labels=bins)
    assert terms.reliability == pytest.approx(0.0, abs=1e-15)


def test_sharpness_of_calibrated_forecast_is_resolution() -> None:
    """The weighted variance of the bin purities is Murphy's resolution."""
    label, weight, _, x = classifier_sample(5)
    bins = labels_from_edges(x, quantile_edges(x, weight, 15))
    purity = np.bincount(bins, weight * label) / np.bincount(bins, weight)
    terms = murphy_decomposition(label, purity[bins], sample_weight=weight, labels=bins)
    spread = sharpness(purity[bins], sample_weight=weight)
    assert spread == pytest.approx(terms.resolution, rel=EXACT)


def test_sharpness_is_weighted_variance() -> None:
    forecast = np.array([0.1, 0.5, 0.9])
    weight = np.array([1.0, 2.0, 1.0])
    # Mean 0.5, deviations 0.4, 0, 0.4: (0.16 + 0 + 0.16) / 4.
    assert sharpness(forecast, sample_weight=weight) == pytest.approx(0.08)
    assert sharpness(forecast) == pytest.approx(np.var(forecast))


def test_murphy_reports_negative_bins() -> None:
    label = [1, 0, 1, 0, 1]
    forecast = [0.2, 0.2, 0.7, 0.7, 0.7]
    weight = [1.0, 1.0, -2.0, 0.5, 0.2]
    terms = murphy_decomposition(
        label, forecast, sample_weight=weight, labels=np.array([0, 0, 1, 1, 1])
    )
    assert terms.nonpositive_bins.tolist() == [1]
    recomposed = (
        terms.reliability - terms.resolution + terms.uncertainty + terms.within_bin
    )
    assert terms.brier == pytest.approx(recomposed, rel=EXACT)


def test_murphy_cancelled_bin_rejected() -> None:
    with pytest.raises(InvalidEventsError, match=r"bins \[1\] contain events"):
        murphy_decomposition(
            [1, 0, 1],
            [0.2, 0.7, 0.7],
            sample_weight=[1.0, 1.0, -1.0],
            labels=np.array([0, 1, 1]),
        )


# FIP1, FIP2 and the Brier resolution ---------------------------------------


def purity_bins(x: FloatArray, weight: FloatArray, n_bins: int) -> NDArray[np.intp]:
    return labels_from_edges(x, quantile_edges(x, np.abs(weight), n_bins))


@pytest.mark.parametrize("seed", SEEDS)
def test_fip2_is_prevalence_plus_resolution(seed: int) -> None:
    """FIP2 = pi + resolution / pi and FIP1 = pi with every event selected."""
    label, weight, _, x = classifier_sample(seed)
    bins = purity_bins(x, weight, 20)
    fip1, fip2 = binary_fip(label, weight, bins)
    terms = murphy_decomposition(
        label, np.full(label.size, 0.5), sample_weight=weight, labels=bins
    )
    pi = terms.prevalence
    assert fip1 == pytest.approx(pi, rel=EXACT)
    assert fip2 == pytest.approx(pi + terms.resolution / pi, rel=EXACT)


@pytest.mark.parametrize("seed", SEEDS)
def test_fip_with_selection_scales_by_efficiency(seed: int) -> None:
    """FIP1 = eps * rho and FIP2 = eps * (rho + resolution / rho) on selection."""
    label, weight, _, x = classifier_sample(seed)
    selected = x > -1.0
    bins = purity_bins(x, weight, 10)
    fip1, fip2 = binary_fip(label, weight, bins, selected)

    signal = label == 1
    efficiency = weight[selected & signal].sum() / weight[signal].sum()
    terms = murphy_decomposition(
        label[selected],
        np.full(int(selected.sum()), 0.5),
        sample_weight=weight[selected],
        labels=bins[selected],
    )
    rho = terms.prevalence
    assert fip1 == pytest.approx(efficiency * rho, rel=EXACT)
    assert fip2 == pytest.approx(efficiency * (rho + terms.resolution / rho), rel=EXACT)


@pytest.mark.parametrize("seed", SEEDS)
def test_binary_fip_equals_partition_fip(seed: int) -> None:
    """For theta = signal strength, d = w * label and FIP2 = I(P) / I_ideal."""
    label, weight, _, x = classifier_sample(seed)
    selected = x < 2.5
    bins = purity_bins(x, weight, 25)
    events = Events.from_arrays(weight, weight * label, selected=selected)
    _, fip2 = binary_fip(label, weight, bins, selected)
    counting = partition_information(events, np.zeros(label.size, dtype=np.intp), 1)
    binned = partition_information(events, bins, 25)
    fip1, _ = binary_fip(label, weight, bins, selected)
    assert fip2 == pytest.approx(binned.fip[0], rel=EXACT)
    assert fip1 == pytest.approx(counting.fip[0], rel=EXACT)


def test_binary_fip_by_hand() -> None:
    """Signal 3 and 1, background 1 and 3 in two bins: S = 4.

    FIP1 = (4 / 4) * (4 / 8) = 0.5; FIP2 = (3/4)(3/4) + (1/4)(1/4) = 0.625.
    """
    label = [1, 0, 1, 0]
    weight = [3.0, 1.0, 1.0, 3.0]
    fip1, fip2 = binary_fip(label, weight, np.array([0, 0, 1, 1]))
    assert fip1 == pytest.approx(0.5)
    assert fip2 == pytest.approx(0.625)


def test_binary_fip_warns_on_nonpositive_bin() -> None:
    label = [1, 0, 1, 0]
    weight = [2.0, 1.0, 0.5, -1.0]
    with pytest.warns(NonPositiveBinWarning, match="bins \\[1\\]"):
        _, fip2 = binary_fip(label, weight, np.array([0, 0, 1, 1]))
    # Bin 1 (W -0.5) is left out: FIP2 = 2^2 / 3 / 2.5.
    assert fip2 == pytest.approx(4 / 3 / 2.5)


# FIP2 from the ROC curve ---------------------------------------------------


@pytest.mark.parametrize("drop_intermediate", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_fip2_from_roc_equals_label_binning(seed: int, drop_intermediate: bool) -> None:
    """A ROC curve of a score with 21 levels equals binning at those levels.

    Collinear ROC points that scikit-learn drops join segments of equal
    purity, so the result does not change. The identity is exact.
    """
    label, weight, probability, _ = classifier_sample(seed)
    levels = np.round(probability * 20) / 20
    fpr, tpr, _ = roc_curve(
        label, levels, sample_weight=weight, drop_intermediate=drop_intermediate
    )
    prevalence = weight[label == 1].sum() / weight.sum()
    _, bins = np.unique(levels, return_inverse=True)
    _, fip2 = binary_fip(label, weight, bins)
    assert fip2_from_roc(fpr, tpr, prevalence) == pytest.approx(fip2, rel=EXACT)


SIGNAL = stats.norm(1.0, 1.0)
BACKGROUND = stats.norm(-1.0, 1.5)
PREVALENCE = 0.3


def population_fip2() -> float:
    """FIP2 of the finest binning: the integral of f_s(x) times the purity at x.

    The purity is rho(x) = pi f_s / (pi f_s + (1 - pi) f_b).
    """
    value, _ = integrate.quad(
        lambda x: (
            PREVALENCE
            * SIGNAL.pdf(x) ** 2
            / (PREVALENCE * SIGNAL.pdf(x) + (1 - PREVALENCE) * BACKGROUND.pdf(x))
        ),
        -12.0,
        12.0,
        points=[1.0],
        limit=200,
    )
    return float(value)


def test_fip2_from_analytic_roc_matches_integral() -> None:
    """The population ROC curve on a fine grid gives the unbinned FIP2.

    4000 thresholds over [-12, 12] make segments of width 0.006, far below
    the widths of the classes. The binning loss of such segments is below
    1e-6 of FIP2, so rtol 1e-5 covers round-off and grid together.
    """
    thresholds = np.linspace(12.0, -12.0, 4001)
    tpr = SIGNAL.sf(thresholds)
    fpr = BACKGROUND.sf(thresholds)
    assert fip2_from_roc(fpr, tpr, PREVALENCE) == pytest.approx(
        population_fip2(), rel=1e-5
    )


def test_fip2_from_roc_matches_labels_fine_binning() -> None:
    """MC labels in 100 bins against the population ROC curve.

    400 000 events, 30% signal, binned in 100 equal-weight bins of the
    score. The tolerance is the sum of the binning loss of 100 bins (below
    1e-3 of FIP2 here, from the exact binned value), the upward MC bias of
    about K / N_signal = 100 / 120 000 = 8e-4, and 4 times the statistical
    error sqrt(FIP2 (1 - FIP2) / N_signal) ~ 1.4e-3 (a false failure about
    once in 16 000 runs); together 8e-3 absolute.
    """
    rng = np.random.default_rng(31)
    n = 400_000
    label = (rng.random(n) < PREVALENCE).astype(float)
    x = np.where(label == 1, SIGNAL.rvs(n, random_state=rng), 0.0)
    x = np.where(label == 0, BACKGROUND.rvs(n, random_state=rng), x)
    weight = np.ones(n)
    bins = purity_bins(x, weight, 100)
    _, fip2_labels = binary_fip(label, weight, bins)

    thresholds = np.linspace(12.0, -12.0, 4001)
    fip2_roc = fip2_from_roc(
        BACKGROUND.sf(thresholds), SIGNAL.sf(thresholds), PREVALENCE
    )
    assert fip2_labels == pytest.approx(fip2_roc, abs=8e-3)


def test_fip2_from_sample_roc_is_one_for_distinct_scores() -> None:
    """Every distinct score is its own pure bin: the extreme MC bias."""
    label, weight, probability, _ = classifier_sample(6, 500)
    fpr, tpr, _ = roc_curve(label, probability, sample_weight=weight)
    prevalence = weight[label == 1].sum() / weight.sum()
    assert fip2_from_roc(fpr, tpr, prevalence) == pytest.approx(1.0, rel=EXACT)


# Ranking, threshold and regression metrics ---------------------------------


def test_roc_auc_matches_sklearn_positive_weights() -> None:
    label, weight, probability, _ = classifier_sample(7)
    expected = roc_auc_score(label, probability, sample_weight=weight)
    assert roc_auc(label, probability, sample_weight=weight) == pytest.approx(
        expected, rel=EXACT
    )


def test_roc_auc_unit_weights_match_mann_whitney() -> None:
    """AUC = U / (n_signal n_background), U from scipy's Mann-Whitney test."""
    label, _, probability, _ = classifier_sample(8, 600)
    levels = np.round(probability, 1)  # with ties, which count one half
    signal, background = levels[label == 1], levels[label == 0]
    statistic = stats.mannwhitneyu(signal, background).statistic
    expected = statistic / (signal.size * background.size)
    assert roc_auc(label, levels) == pytest.approx(expected, rel=EXACT)


def pairwise_auc(label: FloatArray, score: FloatArray, weight: FloatArray) -> float:
    """sum over signal-background pairs of w_s w_b ([s > b] + [s = b] / 2)."""
    signal, background = label == 1, label == 0
    s, b = score[signal][:, None], score[background][None, :]
    pair_weight = weight[signal][:, None] * weight[background][None, :]
    wins = (s > b) + 0.5 * (s == b)
    return float((pair_weight * wins).sum() / pair_weight.sum())


def test_roc_auc_negative_weights_pairwise() -> None:
    """Signed weights: the trapezoid of the signed ROC is the pairwise sum."""
    label, weight, probability, _ = classifier_sample(9, 700, negative_fraction=0.2)
    levels = np.round(probability, 2)
    expected = pairwise_auc(label, levels, weight)
    assert roc_auc(label, levels, sample_weight=weight) == pytest.approx(
        expected, rel=1e-9
    )
    with pytest.raises(ValueError, match="neither increasing nor decreasing"):
        roc_auc_score(label, levels, sample_weight=weight)


def test_accuracy_by_hand() -> None:
    label = [1, 1, 0, 0]
    score = [0.9, 0.4, 0.6, 0.5]
    weight = [1.0, 2.0, 3.0, 4.0]
    # Correct: event 0 (0.9 > 0.5) and event 3 (0.5 is not above 0.5).
    assert accuracy(label, score, sample_weight=weight) == pytest.approx(0.5)
    assert accuracy(label, score, threshold=0.3) == pytest.approx(0.5)
    assert accuracy(label, score, threshold=0.95) == pytest.approx(0.5)
    assert accuracy(label, score, threshold=0.55, sample_weight=weight) == (
        pytest.approx(5 / 10)
    )


def test_accuracy_signed_weights() -> None:
    label = [1, 0, 1]
    score = [0.9, 0.2, 0.1]
    weight = [2.0, -0.5, 1.0]
    # Correct events 0 and 1: (2 - 0.5) / 2.5.
    assert accuracy(label, score, sample_weight=weight) == pytest.approx(0.6)


def test_weighted_mse_per_parameter() -> None:
    gamma = np.array([[1.0, 0.0], [2.0, 1.0], [4.0, 1.0]])
    prediction = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    weight = np.array([1.0, 1.0, 2.0])
    # Parameter 0: (0 + 1 + 2 * 9) / 4; parameter 1: (1 + 0 + 0) / 4.
    assert_allclose(weighted_mse(gamma, prediction, weight), [19 / 4, 1 / 4])
    assert weighted_mse(gamma[:, 0], prediction[:, 0], weight).shape == (1,)


@pytest.mark.parametrize("seed", SEEDS)
def test_weighted_mse_of_bin_means_is_information_loss(seed: int) -> None:
    """W * MSE(Gamma_k) = I_ideal(selected) - I(P), for positive weights."""
    rng = np.random.default_rng(seed)
    n = 3000
    x = rng.normal(size=n)
    weight = rng.exponential(size=n) + 0.1
    gamma = np.column_stack([x + rng.normal(size=n), -x + rng.normal(size=n)])
    events = Events.from_arrays(weight, weight[:, None] * gamma)
    bins = labels_from_edges(x, quantile_edges(x, weight, 10))
    result = partition_information(events, bins, 10)
    mse = weighted_mse(gamma, result.bins.gamma_mean[bins], weight)
    loss = np.diag(result.ideal_information_selected - result.information)
    assert_allclose(weight.sum() * mse, loss, rtol=EXACT)


# All metrics of a partition ------------------------------------------------


def signal_strength_events(seed: int) -> tuple[Events, FloatArray, NDArray[np.intp]]:
    label, weight, probability, x = classifier_sample(seed)
    events = Events.from_arrays(
        weight,
        weight * label,
        label=label.astype(int),
        selected=x > -2,
        features={"x": x},
    )
    return events, probability, purity_bins(x, weight, 10)


def test_partition_metrics_side_by_side() -> None:
    events, probability, bins = signal_strength_events(10)
    prediction = probability  # any regressor output of gamma
    metrics = partition_metrics(
        events, bins, 10, score=probability, prediction=prediction
    )
    info = partition_information(events, bins, 10)
    fip1, fip2 = binary_fip(events.label, events.weight, bins, events.selected)
    inside = events.selected
    w = events.weight[inside]
    y = events.label[inside]

    assert metrics.parameter == "theta"
    assert metrics.fip == pytest.approx(info.fip[0], rel=EXACT)
    assert metrics.fip2 == pytest.approx(fip2, rel=EXACT)
    assert metrics.fip1 == pytest.approx(fip1, rel=EXACT)
    assert metrics.fip2 == pytest.approx(metrics.fip, rel=EXACT)
    assert metrics.mse_partition * w.sum() == pytest.approx(
        info.ideal_information_selected[0, 0] - info.information[0, 0], rel=1e-8
    )
    assert metrics.mse_prediction == pytest.approx(
        np.average((y - probability[inside]) ** 2, weights=w), rel=EXACT
    )
    assert metrics.brier == pytest.approx(metrics.mse_prediction, rel=EXACT)
    assert metrics.roc_auc == pytest.approx(
        roc_auc_score(y, probability[inside], sample_weight=w), rel=EXACT
    )
    assert metrics.accuracy is not None
    assert metrics.sharpness is not None
    assert metrics.reliability is not None


def test_partition_metrics_fip_relation() -> None:
    """FIP2 / efficiency = pi + resolution / pi on the selection."""
    events, _, bins = signal_strength_events(11)
    metrics = partition_metrics(events, bins, 10)
    info = partition_information(events, bins, 10)
    pi, resolution = metrics.prevalence, metrics.resolution
    assert pi is not None
    assert resolution is not None
    expected = info.efficiency[0] * (pi + resolution / pi)
    assert metrics.fip2 == pytest.approx(expected, rel=EXACT)
    assert metrics.brier is None
    assert metrics.roc_auc is None


def test_partition_metrics_without_labels() -> None:
    rng = np.random.default_rng(12)
    weight = rng.exponential(size=500) + 0.1
    gamma = rng.normal(size=500)
    events = Events.from_arrays(weight, weight * gamma)
    bins = rng.integers(0, 5, size=500)
    metrics = partition_metrics(events, bins, 5, score=rng.random(500))
    assert metrics.fip1 is None
    assert metrics.roc_auc is None
    assert metrics.mse_prediction is None
    row = metrics.to_dict()
    assert row["fip"] == metrics.fip
    assert set(row) >= {"fip", "mse_partition", "fip2", "brier", "roc_auc"}


def test_partition_metrics_raw_score_skips_brier() -> None:
    events, probability, bins = signal_strength_events(13)
    logit = special.logit(probability)
    metrics = partition_metrics(events, bins, 10, score=logit, threshold=0.0)
    assert metrics.brier is None
    assert metrics.roc_auc is not None
    probability_metrics = partition_metrics(events, bins, 10, score=probability)
    assert metrics.roc_auc == pytest.approx(probability_metrics.roc_auc, rel=EXACT)
    assert metrics.accuracy == pytest.approx(probability_metrics.accuracy, rel=EXACT)


def test_partition_metrics_needs_parameter_choice() -> None:
    weight = np.ones(4)
    dweight = np.array([[1.0, 0.0], [2.0, 1.0], [0.0, 3.0], [1.0, 1.0]])
    events = Events.from_arrays(weight, dweight)
    with pytest.raises(InvalidEventsError, match="choose one with --param"):
        partition_metrics(events, np.array([0, 0, 1, 1]))
    metrics = partition_metrics(events, np.array([0, 0, 1, 1]), parameter="theta1")
    assert metrics.parameter == "theta1"


# Bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: murphy_decomposition([0, 1], [0.1, 0.2, 0.3]),
            "y_prob has 3 entries, expected 2",
        ),
        (
            lambda: murphy_decomposition([0, 2], [0.1, 0.2]),
            "1 entries of y_true are neither 0 nor 1",
        ),
        (
            lambda: murphy_decomposition([0, 1], [0.1, 1.2]),
            r"outside \[0, 1\], for example 1.2",
        ),
        (
            lambda: murphy_decomposition([0, 1], [0.1, np.nan]),
            "1 events have a NaN or infinite y_prob",
        ),
        (
            lambda: murphy_decomposition(
                [0, 1], [0.1, 0.2], bins=4, labels=np.array([0, 1])
            ),
            "either bins",
        ),
        (
            lambda: murphy_decomposition([0, 1], [0.1, 0.2], sample_weight=[1, -1]),
            "weights sum to 0.0",
        ),
        (
            lambda: roc_auc([1, 1], [0.1, 0.2]),
            "background events have total weight 0.0",
        ),
        (
            lambda: roc_auc([1, 0], [0.1, np.inf]),
            "NaN or infinite y_score",
        ),
        (
            lambda: accuracy([1, 0], [0.1]),
            "y_score has 1 entries",
        ),
        (
            lambda: weighted_mse([1.0, 2.0], [1.0], [1.0, 1.0]),
            "give one prediction per event",
        ),
        (
            lambda: binary_fip([0, 0], [1.0, 1.0], np.array([0, 0])),
            "signal events have total weight 0.0",
        ),
        (
            lambda: binary_fip([1, 0], [1.0, 1.0], np.array([0.0, 1.0])),
            "bin_labels must be 2 integers",
        ),
        (
            lambda: fip2_from_roc([0.0, 0.5, 0.4], [0.0, 0.5, 1.0], 0.3),
            "fpr must be non-decreasing",
        ),
        (
            lambda: fip2_from_roc([0.0, 1.0], [0.0, 1.0], 1.0),
            "prevalence must lie strictly between 0 and 1",
        ),
        (
            lambda: fip2_from_roc([0.0], [0.0], 0.5),
            "at least two points",
        ),
    ],
)
def test_bad_input_rejected(call: Callable[[], object], message: str) -> None:
    with pytest.raises(FipfitError, match=message):
        call()


def test_metrics_emit_no_sklearn_warning() -> None:
    label, weight, probability, _ = classifier_sample(14, 300)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        murphy_decomposition(label, probability, sample_weight=weight)
        roc_auc(label, probability, sample_weight=weight)
        accuracy(label, probability, sample_weight=weight)
