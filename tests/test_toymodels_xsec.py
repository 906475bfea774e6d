"""Tests of the ``xsec`` toy model: weights, derivatives and reference informations.

Statistical checks allow 4 standard deviations estimated from the same sample
(false-failure rate 6e-5 per check for a normal estimate; the seeds are fixed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import fipfit
from fipfit.binning import labels_from_edges, quantile_edges
from fipfit.errors import FipfitError
from fipfit.information import partition_information
from fipfit.toymodels import generate_events
from fipfit.toymodels.xsec import MODEL, covariance
from fipfit.weightmodels import weight_model, weight_model_from_metadata
from statistics_checks import binned_estimate, extrapolated_information

N_SIGNAL = 300_000
#: Standard deviations allowed in the statistical checks.
N_SIGMA = 4.0


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """Return 3 10^5 signal events and the 6 10^5 background events."""
    return MODEL.generate(N_SIGNAL, random_state=21)


def test_registry_points_to_model() -> None:
    assert weight_model("xsec") is MODEL


def test_columns_and_counts(sample: pd.DataFrame) -> None:
    expected = ["weight", "dweight", "label", "selected", "x1", "x2", "x3"]
    assert list(sample.columns) == expected
    assert sample["label"].dtype == np.int8
    assert int(sample["label"].sum()) == N_SIGNAL
    assert len(sample) == 3 * N_SIGNAL
    np.testing.assert_array_equal(sample["selected"], sample["x1"] > -1.5)


def test_dweight_is_weight_over_mu0() -> None:
    frame = MODEL.generate(1000, random_state=1, mu0=2.0)
    signal = frame["label"] == 1
    np.testing.assert_array_equal(frame.loc[signal, "dweight"], 0.5)
    np.testing.assert_array_equal(frame.loc[~signal, "dweight"], 0.0)


def test_observable_covariance(sample: pd.DataFrame) -> None:
    # At 3 10^5 draws the covariance elements have standard deviations below
    # 0.006 and the means below 0.003, so the tolerances allow 5 of them.
    signal = sample.loc[sample["label"] == 1, ["x1", "x2", "x3"]].to_numpy()
    np.testing.assert_allclose(
        np.cov(signal, rowvar=False), covariance(MODEL.defaults), atol=0.03
    )
    np.testing.assert_allclose(signal.mean(axis=0), [1.0, 0.8, 0.4], atol=0.015)


def test_weight_at_theta0_and_derivative(sample: pd.DataFrame) -> None:
    theta0 = MODEL.theta0({})
    np.testing.assert_array_equal(
        MODEL.weight_at(sample, theta0, {}), sample["weight"].to_numpy()
    )
    step = 1e-3
    numerical = (
        MODEL.weight_at(sample, theta0 + step, {})
        - MODEL.weight_at(sample, theta0 - step, {})
    ) / (2.0 * step)
    np.testing.assert_allclose(numerical, sample["dweight"].to_numpy(), atol=1e-9)


def test_weight_at_scales_signal_only(sample: pd.DataFrame) -> None:
    weight = MODEL.weight_at(sample, [1.5], {})
    signal = sample["label"].to_numpy() == 1
    np.testing.assert_array_equal(weight[signal], 1.5)
    np.testing.assert_array_equal(weight[~signal], 1.0)


def test_singular_covariance_raises() -> None:
    with pytest.raises(FipfitError, match="positive-definite"):
        MODEL.generate(10, rho12=1.0)


def test_equal_means_raise() -> None:
    with pytest.raises(FipfitError, match="means are equal"):
        MODEL.generate(10, signal_mean1=0.0, signal_mean2=0.0, signal_mean3=0.0)


def test_sample_ideal_is_exact(sample: pd.DataFrame) -> None:
    # Every signal event has d^2 / w = 1 / mu0^2 exactly.
    events = fipfit.Events.from_frame(sample)
    reference = MODEL.reference_information(N_SIGNAL)["ideal"]
    np.testing.assert_allclose(
        fipfit.information.ideal_information(events.weight, events.dweight),
        reference,
        rtol=1e-12,
    )


def test_label_partition_reaches_ideal(sample: pd.DataFrame) -> None:
    # The generator-level truth of this model is the label: two bins, signal
    # and background, keep all of the information.
    events = fipfit.Events.from_frame(sample.assign(selected=True))
    result = partition_information(events, events.label.astype(np.intp), 2)
    assert result.fip[0] == pytest.approx(1.0, rel=1e-12)


def test_counting_matches_reference(sample: pd.DataFrame) -> None:
    chosen = sample["selected"].to_numpy()
    labels = np.zeros(int(chosen.sum()), dtype=np.intp)
    estimate = binned_estimate(
        labels,
        1,
        sample["weight"].to_numpy()[chosen],
        sample["dweight"].to_numpy()[chosen],
    )
    sigma = float(np.sqrt(np.sum(estimate.influence**2)))
    reference = MODEL.reference_information(N_SIGNAL)["counting"][0, 0]
    assert abs(estimate.information - estimate.bias - reference) < N_SIGMA * sigma


def test_fine_discriminant_partition_reaches_reference(sample: pd.DataFrame) -> None:
    # The purity is a function of the discriminant t alone. 200 and 400
    # equal-weight bins of t extrapolate to the limit of fine bins.
    chosen = sample["selected"].to_numpy()
    t = MODEL.discriminant(sample)[chosen]
    weight = sample["weight"].to_numpy()[chosen]
    dweight = sample["dweight"].to_numpy()[chosen]
    estimates = []
    for n_bins in (200, 400):
        edges = quantile_edges(t, weight, n_bins)
        labels = labels_from_edges(t, edges)
        estimates.append(binned_estimate(labels, edges.size - 1, weight, dweight))
    limit, sigma = extrapolated_information(*estimates)

    reference = MODEL.reference_information(N_SIGNAL)["observables"][0, 0]
    assert abs(limit - reference) < N_SIGMA * sigma


def test_observables_reference_matches_2d_quadrature() -> None:
    # Make x3 independent of (x1, x2), with the same distribution for both
    # classes. The integral of s^2 / (s + b) over the selection is then a
    # two-dimensional integral over (x1, x2), which dblquad computes here
    # directly on the bivariate normal densities.
    settings = {
        "rho13": 0.0,
        "rho23": 0.0,
        "signal_mean3": 0.0,
        "bkg_mean3": 0.0,
        "x1_min": -0.5,
    }
    resolved = MODEL.resolve_settings(settings)
    cov = covariance(resolved)[:2, :2]
    signal = stats.multivariate_normal([1.0, 0.8], cov)
    background = stats.multivariate_normal([0.0, 0.0], cov)

    def integrand(x2: float, x1: float) -> float:
        s = signal.pdf([x1, x2])
        b = 2.0 * background.pdf([x1, x2])
        return float(s * s / (s + b)) if s + b > 0 else 0.0

    expected, _ = integrate.dblquad(
        integrand, -0.5, 9.0, -10.0, 11.0, epsabs=1e-10, epsrel=1e-8
    )
    assert MODEL.reference_fip(**settings)["observables"] == pytest.approx(
        expected, rel=1e-6
    )


def test_observables_reference_without_background_is_efficiency() -> None:
    # Without background s^2 / (s + b) = s: the information is the selection
    # efficiency, Phi((1.0 - x1_min) / sigma1), times the ideal.
    fips = MODEL.reference_fip(bkg_fraction=0.0)
    expected = stats.norm.cdf((1.0 + 1.5) / 1.0)
    assert fips["observables"] == pytest.approx(expected, rel=1e-9)
    assert fips["counting"] == pytest.approx(expected, rel=1e-12)


def test_reference_ordering_and_scaling() -> None:
    one = MODEL.reference_information(1.0)
    scaled = MODEL.reference_information(10.0, mu0=2.0)
    assert one["counting"][0, 0] < one["observables"][0, 0] < one["ideal"][0, 0]
    for key in ("ideal", "observables", "counting"):
        np.testing.assert_allclose(scaled[key], 10.0 / 4.0 * one[key], rtol=1e-12)


def test_metadata_names_model() -> None:
    events = generate_events("xsec", 100, random_state=2, bkg_fraction=1.0)
    found = weight_model_from_metadata(events.metadata)
    assert found is not None
    model, settings = found
    assert model is MODEL
    assert settings["bkg_fraction"] == 1.0
    assert len(events) == 200
