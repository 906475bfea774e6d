"""Identities of the information of a partition, on seeded random samples.

Each identity is checked against sums written out in the test with
``np.add.at``, independent of the bincount arithmetic in fipfit.information.
Samples hold a few thousand events with weights of order 1, so float64
round-off in a sum is below about n * 2.2e-16 ~ 1e-12 relative. The exact
identities use rtol 1e-9, far above that round-off and far below any real error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from numpy.testing import assert_allclose
from numpy.typing import NDArray
from scipy import integrate, special, stats

from fipfit.binning import labels_from_edges, quantile_edges
from fipfit.errors import InvalidEventsError, NonPositiveBinWarning
from fipfit.events import Events
from fipfit.information import (
    fip_from_matrices,
    ideal_information,
    information_from_bins,
    partition_information,
)
from fipfit.uncertainty import bootstrap_information

FloatArray = NDArray[np.float64]

#: Relative tolerance of exact identities (round-off only, see module docstring).
EXACT = 1e-9
SEEDS = [0, 1, 2, 3]


@dataclass
class Sample:
    """A random event sample and a partition of it."""

    weight: FloatArray
    dweight: FloatArray
    selected: NDArray[np.bool_]
    labels: NDArray[np.intp]
    n_bins: int
    x: FloatArray

    def events(self) -> Events:
        return Events.from_arrays(
            self.weight, self.dweight, selected=self.selected, features={"x": self.x}
        )


def make_sample(
    seed: int,
    *,
    n_events: int = 3000,
    n_parameters: int = 1,
    n_bins: int = 12,
    selected_fraction: float = 0.8,
    insensitive_fraction: float = 0.4,
) -> Sample:
    """Draw events whose sensitivity gamma depends on an observable x plus noise.

    A fraction of the events is insensitive (d = 0, a background), and the
    partition is made of equal-weight bins of x over the selected events.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n_events)
    weight = rng.exponential(1.0, size=n_events) + 0.05
    slopes = rng.normal(size=n_parameters)
    gamma = x[:, None] * slopes + rng.normal(scale=0.7, size=(n_events, n_parameters))
    gamma[rng.random(n_events) < insensitive_fraction] = 0.0
    dweight = weight[:, None] * gamma
    selected = rng.random(n_events) < selected_fraction
    edges = quantile_edges(x[selected], weight[selected], n_bins)
    labels = labels_from_edges(x, edges)
    return Sample(weight, dweight, selected, labels, edges.size - 1, x)


def direct_bin_sums(sample: Sample) -> tuple[FloatArray, FloatArray]:
    """W_k and D_k of the selected events, summed with np.add.at."""
    inside = sample.selected & (sample.labels >= 0)
    bin_weight = np.zeros(sample.n_bins)
    bin_dweight = np.zeros((sample.n_bins, sample.dweight.shape[1]))
    np.add.at(bin_weight, sample.labels[inside], sample.weight[inside])
    np.add.at(bin_dweight, sample.labels[inside], sample.dweight[inside])
    return bin_weight, bin_dweight


def direct_information(sample: Sample) -> FloatArray:
    """I(P) = sum_k D_k D_k^T / W_k written as a loop over bins."""
    bin_weight, bin_dweight = direct_bin_sums(sample)
    p = sample.dweight.shape[1]
    matrix = np.zeros((p, p))
    for k in range(sample.n_bins):
        if bin_weight[k] > 0:
            matrix += np.outer(bin_dweight[k], bin_dweight[k]) / bin_weight[k]
    return matrix


# Definitions ---------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_information_matches_direct_sum(seed: int) -> None:
    sample = make_sample(seed, n_parameters=2)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    assert_allclose(result.information, direct_information(sample), rtol=EXACT)


@pytest.mark.parametrize("seed", SEEDS)
def test_ideal_information_sums_all_events(seed: int) -> None:
    sample = make_sample(seed, n_parameters=2)
    gamma = sample.dweight / sample.weight[:, None]
    expected = np.einsum("e,ei,ej->ij", sample.weight, gamma, gamma)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    assert_allclose(result.ideal_information, expected, rtol=EXACT)
    assert_allclose(
        ideal_information(sample.weight, sample.dweight), expected, rtol=EXACT
    )


def test_ideal_information_selected_uses_mask() -> None:
    sample = make_sample(4)
    inside = sample.selected & (sample.labels >= 0)
    d = sample.dweight[inside, 0]
    expected = float(np.sum(d * d / sample.weight[inside]))
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    assert result.ideal_information_selected[0, 0] == pytest.approx(expected, rel=EXACT)
    masked = ideal_information(sample.weight, sample.dweight, mask=inside)
    assert masked[0, 0] == pytest.approx(expected, rel=EXACT)


def test_single_bin_is_counting() -> None:
    sample = make_sample(5)
    events = sample.events()
    result = partition_information(events, np.zeros(len(events), dtype=np.intp), 1)
    chosen = sample.selected
    expected = sample.dweight[chosen, 0].sum() ** 2 / sample.weight[chosen].sum()
    assert result.information[0, 0] == pytest.approx(expected, rel=EXACT)


# FIP and regression: the MSE identity --------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_mse_identity_one_parameter(seed: int) -> None:
    """I_ideal(selected) - I(P) = sum_e w_e (gamma_e - Gamma_k(e))^2."""
    sample = make_sample(seed)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    bin_weight, bin_dweight = direct_bin_sums(sample)
    inside = sample.selected & (sample.labels >= 0)
    gamma = sample.dweight[inside, 0] / sample.weight[inside]
    bin_mean = bin_dweight[:, 0] / bin_weight
    residual = gamma - bin_mean[sample.labels[inside]]
    loss = float(np.sum(sample.weight[inside] * residual**2))

    difference = result.ideal_information_selected[0, 0] - result.information[0, 0]
    assert difference == pytest.approx(loss, rel=EXACT)


@pytest.mark.parametrize("seed", SEEDS)
def test_mse_identity_several_parameters(seed: int) -> None:
    """The matrix form: I_ideal(sel) - I(P) = sum_e w_e r_e r_e^T."""
    sample = make_sample(seed, n_parameters=3)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    bin_weight, bin_dweight = direct_bin_sums(sample)
    inside = sample.selected & (sample.labels >= 0)
    gamma = sample.dweight[inside] / sample.weight[inside, None]
    residual = gamma - (bin_dweight / bin_weight[:, None])[sample.labels[inside]]
    loss = np.einsum("e,ei,ej->ij", sample.weight[inside], residual, residual)

    difference = result.ideal_information_selected - result.information
    assert_allclose(difference, loss, rtol=EXACT, atol=EXACT * np.abs(loss).max())


# Factorisation -------------------------------------------------------------


@pytest.mark.parametrize("n_parameters", [1, 3])
@pytest.mark.parametrize("seed", SEEDS)
def test_factorisation_product(seed: int, n_parameters: int) -> None:
    sample = make_sample(seed, n_parameters=n_parameters)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    product = result.efficiency * result.sharpness * result.purity_factor
    assert_allclose(product, result.fip, rtol=EXACT)
    for factor in (result.efficiency, result.sharpness, result.purity_factor):
        assert np.all(factor > 0)
        assert np.all(factor <= 1 + EXACT)


def test_factorisation_factors_one_parameter() -> None:
    """Each factor is the ratio named in its definition."""
    sample = make_sample(6)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    sensitive = np.any(sample.dweight != 0, axis=1)
    only_sensitive = Sample(
        sample.weight,
        sample.dweight,
        sample.selected & sensitive,
        sample.labels,
        sample.n_bins,
        sample.x,
    )
    sensitive_information = direct_information(only_sensitive)[0, 0]
    ideal = result.ideal_information[0, 0]
    ideal_selected = result.ideal_information_selected[0, 0]

    assert result.efficiency[0] == pytest.approx(ideal_selected / ideal, rel=EXACT)
    assert result.sharpness[0] == pytest.approx(
        sensitive_information / ideal_selected, rel=EXACT
    )
    assert result.purity_factor[0] == pytest.approx(
        result.information[0, 0] / sensitive_information, rel=EXACT
    )


def test_full_selection_has_unit_efficiency() -> None:
    sample = make_sample(7, selected_fraction=1.1)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    assert result.efficiency[0] == pytest.approx(1.0, rel=EXACT)


def test_without_background_purity_factor_is_one() -> None:
    sample = make_sample(8, insensitive_fraction=0.0)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    assert result.purity_factor[0] == pytest.approx(1.0, rel=EXACT)


# Bounds and refinement -----------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_fip_within_unit_interval(seed: int) -> None:
    sample = make_sample(seed, n_parameters=2)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    assert np.all(result.fip >= 0)
    assert np.all(result.fip <= 1 + EXACT)


@pytest.mark.parametrize("seed", SEEDS)
def test_refinement_never_lowers_information(seed: int) -> None:
    """Splitting every bin in two by another variable keeps or adds information."""
    sample = make_sample(seed, n_parameters=2, n_bins=6)
    events = sample.events()
    coarse = partition_information(events, sample.labels, sample.n_bins)
    split = np.random.default_rng(seed + 100).random(len(events)) < 0.5
    fine_labels = np.where(sample.labels >= 0, 2 * sample.labels + split, -1)
    fine = partition_information(events, fine_labels, 2 * sample.n_bins)

    gain = fine.information - coarse.information
    scale = np.abs(coarse.information).max()
    assert np.linalg.eigvalsh(gain).min() >= -EXACT * scale
    assert np.all(np.diag(gain) >= -EXACT * scale)


def test_merging_equal_mean_bins_keeps_information() -> None:
    """Bins with equal Gamma_k merge without loss: the refinement gain is zero."""
    weight = np.array([1.0, 2.0, 3.0, 1.0])
    dweight = np.array([0.5, 1.0, 3.0, 1.0])  # gamma 0.5, 0.5, 1, 1
    events = Events.from_arrays(weight, dweight)
    fine = partition_information(events, np.array([0, 1, 2, 3]), 4)
    merged = partition_information(events, np.array([0, 0, 1, 1]), 2)
    assert merged.information[0, 0] == pytest.approx(fine.information[0, 0])
    # By hand: D = (1.5, 4), W = (3, 4): 1.5^2 / 3 + 4^2 / 4 = 0.75 + 4.
    assert merged.information[0, 0] == pytest.approx(4.75)


# Several parameters --------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_ideal_minus_partition_is_psd(seed: int) -> None:
    sample = make_sample(seed, n_parameters=3)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    scale = np.abs(result.ideal_information).max()
    for lower, upper in (
        (result.information, result.ideal_information_selected),
        (result.ideal_information_selected, result.ideal_information),
        (result.information, result.ideal_information),
    ):
        assert np.linalg.eigvalsh(upper - lower).min() >= -EXACT * scale


@pytest.mark.parametrize("seed", SEEDS)
def test_per_parameter_fip_formula(seed: int) -> None:
    """FIP_i = [I_ideal^-1]_ii / [I(P)^-1]_ii, against numpy's inverse."""
    sample = make_sample(seed, n_parameters=3)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    ideal_variance = np.diag(np.linalg.inv(result.ideal_information))
    variance = np.diag(np.linalg.inv(direct_information(sample)))
    assert_allclose(result.fip, ideal_variance / variance, rtol=1e-8)
    assert np.all(result.fip <= 1 + EXACT)


def test_per_parameter_fip_is_not_diagonal_ratio() -> None:
    """With correlated parameters FIP_i differs from I_ii / I_ideal_ii."""
    sample = make_sample(9, n_parameters=2)
    sample.dweight[:, 1] += 0.8 * sample.dweight[:, 0]
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    diagonal_ratio = np.diag(result.information) / np.diag(result.ideal_information)
    assert not np.allclose(result.fip, diagonal_ratio, rtol=1e-3)


def test_fip_from_matrices_one_parameter_is_ratio() -> None:
    assert fip_from_matrices(np.array([[2.0]]), np.array([[8.0]]))[0] == 0.25


def test_fip_from_matrices_singular_partition_is_zero() -> None:
    ideal = np.array([[2.0, 0.5], [0.5, 1.0]])
    singular = np.array([[1.0, 1.0], [1.0, 1.0]])
    assert_allclose(fip_from_matrices(singular, ideal), [0.0, 0.0])


# Shape-only information ----------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_shape_information_formula(seed: int) -> None:
    sample = make_sample(seed, n_parameters=2)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    bin_weight, bin_dweight = direct_bin_sums(sample)
    total_d = bin_dweight.sum(axis=0)
    expected = direct_information(sample) - np.outer(total_d, total_d) / (
        bin_weight.sum()
    )
    assert_allclose(result.shape_information, expected, rtol=1e-8)

    all_d = sample.dweight.sum(axis=0)
    expected_ideal = result.ideal_information - np.outer(all_d, all_d) / (
        sample.weight.sum()
    )
    assert_allclose(result.shape_ideal_information, expected_ideal, rtol=1e-8)


@pytest.mark.parametrize("seed", SEEDS)
def test_shape_fip_at_most_fip_full_selection(seed: int) -> None:
    """With every event selected, I <= I_ideal implies shape FIP <= FIP."""
    sample = make_sample(seed, selected_fraction=1.1)
    result = partition_information(sample.events(), sample.labels, sample.n_bins)
    assert result.shape_fip[0] <= result.fip[0] + EXACT
    assert result.shape_fip[0] >= 0


def test_shape_fip_can_exceed_fip_with_selection() -> None:
    """A selection can raise the shape-only fraction above the full one.

    Events A (w 1, d 1) and B (w 1, d -1) fill two bins, and C (w 10, d 10)
    is not selected. I = 2 and I_ideal = 12, so FIP = 1/6. The shape terms
    are 2 - 0 and 12 - 10^2 / 12 = 11/3, so shape FIP = 6/11.
    """
    events = Events.from_arrays(
        [1.0, 1.0, 10.0], [1.0, -1.0, 10.0], selected=[True, True, False]
    )
    result = partition_information(events, np.array([0, 1, 0]), 2)
    assert result.fip[0] == pytest.approx(1 / 6)
    assert result.shape_fip[0] == pytest.approx(6 / 11)


def test_shape_information_zero_for_single_bin() -> None:
    sample = make_sample(10)
    events = sample.events()
    result = partition_information(events, np.zeros(len(events), dtype=np.intp), 1)
    scale = result.information[0, 0]
    assert abs(result.shape_information[0, 0]) <= EXACT * scale


# A closed form: two Gaussian classes ---------------------------------------

SIGNAL_YIELD, SIGNAL_MEAN, SIGNAL_WIDTH = 100.0, 1.0, 0.5
BACKGROUND_YIELD, BACKGROUND_MEAN, BACKGROUND_WIDTH = 1000.0, 0.0, 2.0


def signal_density(x: FloatArray) -> FloatArray:
    return SIGNAL_YIELD * stats.norm.pdf(x, SIGNAL_MEAN, SIGNAL_WIDTH)


def background_density(x: FloatArray) -> FloatArray:
    return BACKGROUND_YIELD * stats.norm.pdf(x, BACKGROUND_MEAN, BACKGROUND_WIDTH)


def unbinned_signal_strength_information() -> float:
    """I = integral of s(x)^2 / (s(x) + b(x)) dx for theta = signal strength."""

    def integrand(x: float) -> float:
        # s^2 / (s + b) = s * sigmoid(log s - log b), finite in the far tails
        # where s and b both underflow to 0.
        log_s = np.log(SIGNAL_YIELD) + stats.norm.logpdf(x, SIGNAL_MEAN, SIGNAL_WIDTH)
        log_b = np.log(BACKGROUND_YIELD) + stats.norm.logpdf(
            x, BACKGROUND_MEAN, BACKGROUND_WIDTH
        )
        return float(np.exp(log_s) * special.expit(log_s - log_b))

    # The signal lies within 1 +- 0.5, so +-16 leaves out less than 1e-40 of it.
    value, _ = integrate.quad(integrand, -16.0, 16.0, points=[1.0], limit=200)
    return float(value)


def binned_signal_strength_information(edges: FloatArray) -> float:
    """sum_k s_k^2 / (s_k + b_k) with the exact bin contents from the CDFs."""
    s = SIGNAL_YIELD * np.diff(stats.norm.cdf(edges, SIGNAL_MEAN, SIGNAL_WIDTH))
    b = BACKGROUND_YIELD * np.diff(
        stats.norm.cdf(edges, BACKGROUND_MEAN, BACKGROUND_WIDTH)
    )
    return float(np.sum(s * s / (s + b)))


def gaussian_classes(n_per_class: int, seed: int) -> Events:
    """MC events of the two classes; d = w for signal at signal strength 1."""
    rng = np.random.default_rng(seed)
    x = np.concatenate(
        [
            rng.normal(SIGNAL_MEAN, SIGNAL_WIDTH, n_per_class),
            rng.normal(BACKGROUND_MEAN, BACKGROUND_WIDTH, n_per_class),
        ]
    )
    weight = np.concatenate(
        [
            np.full(n_per_class, SIGNAL_YIELD / n_per_class),
            np.full(n_per_class, BACKGROUND_YIELD / n_per_class),
        ]
    )
    label = np.repeat([1, 0], n_per_class)
    return Events.from_arrays(weight, weight * label, label=label, features={"x": x})


def test_binned_gaussians_approach_integral() -> None:
    """The exact binned information rises towards the integral as bins shrink.

    Edges span +-8 background widths around the peaks, so the tails outside
    carry less than 1e-12 of the yields. With 400 bins of width 0.08, a fifth
    of the signal width, the binning loss is below 1e-3 of the integral.
    """
    unbinned = unbinned_signal_strength_information()
    losses = []
    for n_bins in (10, 40, 400):
        edges = np.linspace(-16.0, 16.0, n_bins + 1)
        binned = binned_signal_strength_information(edges)
        assert binned <= unbinned * (1 + 1e-9)
        losses.append(unbinned - binned)
    assert losses[0] > losses[1] > losses[2]
    assert losses[2] < 1e-3 * unbinned


def test_gaussian_classes_match_integral() -> None:
    """MC information of a fine binning against the quad integral of s^2/(s+b).

    100 equal-weight bins of 200 000 events per class. The tolerance adds
    three parts: the binning loss (the exact binned value against the
    integral), the upward MC bias of sum D_k^2 / W_k, about K * S / N_signal
    (K bins, each biased by the variance of D_k over W_k, at most one signal
    event weight S / N), and 4 bootstrap standard deviations for the
    statistical error (a false failure about once in 16 000 runs).
    """
    n_per_class, seed = 200_000, 11
    events = gaussian_classes(n_per_class, seed)
    x = events.column("x")
    edges = quantile_edges(x, events.weight, 100)
    edges[0], edges[-1] = -np.inf, np.inf  # every event in the partition
    labels = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, 99)
    result = partition_information(events, labels, 100)
    bootstrap = bootstrap_information(events, labels, 100, random_state=seed)

    unbinned = unbinned_signal_strength_information()
    binned = binned_signal_strength_information(edges)
    bias = 100 * SIGNAL_YIELD / n_per_class
    error = bootstrap.information_error[0, 0]
    mc = result.information[0, 0]
    assert abs(mc - binned) < 4 * error + bias
    assert abs(mc - unbinned) < 4 * error + bias + (unbinned - binned)
    assert result.ideal_information[0, 0] == pytest.approx(SIGNAL_YIELD)


def test_gaussian_classes_coarse_binning() -> None:
    """Ten bins of 20 000 events per class against the exact binned value.

    Bias and tolerance as in the fine-binning test: K * S / N plus 4
    bootstrap standard deviations.
    """
    n_per_class, seed = 20_000, 12
    events = gaussian_classes(n_per_class, seed)
    edges = np.concatenate([[-np.inf], np.linspace(-3.0, 3.0, 9), [np.inf]])
    x = events.column("x")
    labels = np.searchsorted(edges, x, side="right") - 1
    result = partition_information(events, labels, 10)
    bootstrap = bootstrap_information(events, labels, 10, random_state=seed)
    binned = binned_signal_strength_information(edges)
    bias = 10 * SIGNAL_YIELD / n_per_class
    error = bootstrap.information_error[0, 0]
    assert abs(result.information[0, 0] - binned) < 4 * error + bias


# Negative weights and non-positive bins ------------------------------------


def negative_weight_events() -> tuple[Events, NDArray[np.intp]]:
    """Three bins; bin 1 has total weight -0.5 and bin 2 exactly cancels."""
    weight = np.array([2.0, 1.0, 1.0, -1.5, 1.0, -1.0, 3.0])
    dweight = np.array([1.0, 0.5, 0.5, -0.2, 0.3, 0.1, 1.5])
    labels = np.array([0, 0, 1, 1, 2, 2, 3])
    return Events.from_arrays(weight, dweight), labels


def test_nonpositive_bins_reported_not_summed() -> None:
    events, labels = negative_weight_events()
    with pytest.warns(NonPositiveBinWarning, match="2 bins have total weight <= 0"):
        result = partition_information(events, labels, 4)
    assert result.nonpositive_bins.tolist() == [1, 2]
    # Only bins 0 (D 1.5, W 3) and 3 (D 1.5, W 3) enter I(P).
    assert result.information[0, 0] == pytest.approx(1.5**2 / 3 + 1.5**2 / 3)
    assert result.bins.weight[1] == pytest.approx(-0.5)
    assert result.bins.weight[2] == 0.0
    assert result.bins.n_events[2] == 2


def test_shape_information_skips_nonpositive_bins() -> None:
    """The profiled normalisation uses the same bins as I(P).

    Bin 0 (W 1, D 1) is the only bin in I(P), and one bin has no shape
    information: I_shape = 1 - 1^2 / 1 = 0. Totals that included bin 1
    (W -0.9) would give 1 - 1^2 / 0.1 = -9.
    """
    events = Events.from_arrays([1.0, 0.1, -1.0], [1.0, 0.0, 0.0])
    with pytest.warns(NonPositiveBinWarning):
        result = partition_information(events, np.array([0, 1, 1]), 2)
    assert result.nonpositive_bins.tolist() == [1]
    assert result.information[0, 0] == pytest.approx(1.0)
    assert result.shape_information[0, 0] == pytest.approx(0.0, abs=1e-12)


def test_empty_bin_not_listed_as_nonpositive() -> None:
    events = Events.from_arrays([1.0, 2.0], [0.5, 1.0])
    result = partition_information(events, np.array([0, 2]), 3)
    assert result.nonpositive_bins.size == 0
    assert result.bins.n_events.tolist() == [1, 0, 1]


def test_information_from_bins_lists_nonpositive() -> None:
    bin_weight = np.array([2.0, -1.0, 0.0, 0.0])
    bin_dweight = np.array([[1.0], [0.5], [0.0], [0.2]])
    matrix, nonpositive = information_from_bins(bin_weight, bin_dweight)
    assert matrix[0, 0] == pytest.approx(0.5)
    assert nonpositive.tolist() == [1, 3]


# Bad input -----------------------------------------------------------------


def test_labels_wrong_length_rejected() -> None:
    events = Events.from_arrays([1.0, 2.0, 3.0], [1.0, 0.0, 1.0])
    with pytest.raises(InvalidEventsError, match=r"labels have shape \(2,\)"):
        partition_information(events, np.array([0, 1]), 2)


def test_float_labels_rejected() -> None:
    events = Events.from_arrays([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(InvalidEventsError, match="labels must be integers"):
        partition_information(events, np.array([0.0, 1.0]), 2)


def test_label_beyond_n_bins_rejected() -> None:
    events = Events.from_arrays([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(InvalidEventsError, match="labels reach 5 but n_bins is 2"):
        partition_information(events, np.array([0, 5]), 2)


def test_no_sensitive_event_rejected() -> None:
    events = Events.from_arrays([1.0, 2.0], [0.0, 0.0])
    with pytest.raises(InvalidEventsError, match="ideal information is zero"):
        partition_information(events, np.array([0, 0]), 1)


def test_nothing_selected_rejected() -> None:
    events = Events.from_arrays([1.0, 2.0], [1.0, 0.0], selected=[False, False])
    with pytest.raises(InvalidEventsError, match="no event is selected"):
        partition_information(events, np.array([0, 0]))
