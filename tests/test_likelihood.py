"""Binned likelihood fits: Asimov errors against the Fisher information."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from fipfit.binning import labels_from_edges, quantile_edges
from fipfit.errors import FipfitError
from fipfit.events import Events
from fipfit.fitting import (
    TemplateFit,
    Templates,
    asimov_fit,
    expected_errors,
    fisher_information,
)
from fipfit.information import partition_information
from fipfit.toymodels import generate_events


def _strength_events(n: int, seed: int) -> Events:
    """Signal with weight proportional to theta (d = w at theta = 1) on background."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(0.0, 1.0, n), rng.uniform(-4.0, 4.0, n)])
    weight = np.ones(2 * n)
    dweight = np.concatenate([np.ones(n), np.zeros(n)])
    return Events.from_arrays(weight, dweight, features={"x": x})


def _labels(events: Events, column: str, n_bins: int) -> np.ndarray:
    values = events.column(column)
    return labels_from_edges(values, quantile_edges(values, events.weight, n_bins))


@pytest.fixture(scope="module")
def peak() -> tuple[Events, np.ndarray]:
    events = generate_events("peak", 50_000, random_state=7)
    return events, _labels(events, "x", 15)


def test_asimov_error_matches_information(peak: tuple[Events, np.ndarray]) -> None:
    events, labels = peak
    templates = Templates.from_events(events, labels, 15)
    luminosity = 0.2
    information = partition_information(events, labels, 15).information[0, 0]

    result = asimov_fit(templates, luminosity)

    assert result.valid
    # MIGRAD stops at an EDM below 2e-4, within about 0.02 sigma of the minimum.
    assert result.value() == pytest.approx(91.19, abs=0.02 * result.error())
    # The curvature of the Poisson likelihood at the Asimov minimum is I(P) L.
    assert result.error() == pytest.approx(
        1 / np.sqrt(information * luminosity), rel=2e-3
    )


@pytest.mark.parametrize("luminosity", [1e5, 1e7, 1e9])
def test_asimov_error_at_large_luminosity(
    peak: tuple[Events, np.ndarray], luminosity: float
) -> None:
    # At large L the likelihood is a parabola over one sigma, so HESSE must
    # return 1 / sqrt(I(P) L) with I(P) from fipfit.information; a cost that
    # loses digits to the size of the counts fails here by orders of magnitude.
    events, labels = peak
    templates = Templates.from_events(events, labels, 15)
    information = partition_information(events, labels, 15).information[0, 0]

    result = asimov_fit(templates, luminosity)

    assert result.valid
    assert result.error() == pytest.approx(
        1 / np.sqrt(information * luminosity), rel=0.01
    )
    assert result.value() == pytest.approx(91.19, abs=0.05 * result.error())


def test_linear_asimov_error_is_exact() -> None:
    events = _strength_events(5000, 1)
    labels = _labels(events, "x", 12)
    templates = Templates.from_events(events, labels, 12)
    information = partition_information(events, labels, 12).information[0, 0]

    result = asimov_fit(templates, 2.0, minos=True)

    assert result.error() == pytest.approx(1 / np.sqrt(2.0 * information), rel=1e-3)
    assert result.minos_valid
    assert result.minos_errors is not None
    # The linear model's likelihood is close to a parabola over one sigma.
    assert -result.minos_errors[0, 0] == pytest.approx(result.error(), rel=0.05)
    assert result.minos_errors[0, 1] == pytest.approx(result.error(), rel=0.05)


def test_free_norm_uses_shape_information() -> None:
    events = _strength_events(5000, 2)
    labels = _labels(events, "x", 12)
    templates = Templates.from_events(events, labels, 12)
    info = partition_information(events, labels, 12)
    luminosity = 3.0

    result = asimov_fit(templates, luminosity, free_norm=True)

    shape = info.shape_information[0, 0]
    assert shape < 0.8 * info.information[0, 0]
    assert result.parameters == ("theta", "norm")
    assert result.error("theta") == pytest.approx(
        1 / np.sqrt(shape * luminosity), rel=2e-3
    )
    assert expected_errors(templates, luminosity, free_norm=True)[0] == pytest.approx(
        1 / np.sqrt(shape * luminosity)
    )


def test_barlow_beeston_widens_by_mc_counts() -> None:
    events = _strength_events(4000, 3)
    labels = _labels(events, "x", 10)
    templates = Templates.from_events(events, labels, 10)
    luminosity = 0.5

    result = asimov_fit(templates, luminosity, barlow_beeston=True)

    # Profiling beta_k with the Poisson constraint of m_k effective MC events
    # turns each bin's variance nu_k into nu_k (1 + nu_k / m_k), so the
    # information is sum_k L D_k^2 / W_k / (1 + L W_k / m_k); with unit weights
    # m_k = W_k and the factor is 1 / (1 + L).
    w, d = templates.weight, templates.dweight[:, 0]
    m = templates.n_effective
    information = np.sum(luminosity * d**2 / w / (1 + luminosity * w / m))
    assert result.error() == pytest.approx(1 / np.sqrt(information), rel=2e-3)
    plain = asimov_fit(templates, luminosity)
    assert result.error() == pytest.approx(plain.error() * np.sqrt(1.5), rel=2e-3)


def test_two_parameter_covariance() -> None:
    rng = np.random.default_rng(4)
    n = 3000
    x = rng.uniform(-1.0, 1.0, n)
    weight = np.ones(n)
    dweight = np.column_stack([x, x**2 - 1 / 3])
    events = Events.from_arrays(
        weight, dweight, parameters=("a", "b"), features={"x": x}
    )
    labels = _labels(events, "x", 10)
    templates = Templates.from_events(events, labels, 10)
    luminosity = 4.0

    result = asimov_fit(templates, luminosity)

    information = partition_information(events, labels, 10).information
    assert_allclose(fisher_information(templates), information)
    expected = np.linalg.inv(information * luminosity)
    assert_allclose(np.diag(result.covariance), np.diag(expected), rtol=5e-3)
    scale = np.sqrt(np.outer(np.diag(expected), np.diag(expected)))
    assert_allclose(result.covariance / scale, expected / scale, atol=5e-3)


def test_fit_recovers_shifted_truth(peak: tuple[Events, np.ndarray]) -> None:
    events, labels = peak
    templates = Templates.from_events(events, labels, 15)
    fit = TemplateFit(templates, 0.2)

    result = fit.fit(0.2 * templates.expected([91.5]))

    assert result.valid
    # MIGRAD stops at an EDM below 2e-4, within about 0.02 sigma of the minimum.
    assert result.value() == pytest.approx(91.5, abs=0.02 * result.error())


def test_bad_inputs_rejected(peak: tuple[Events, np.ndarray]) -> None:
    events, labels = peak
    templates = Templates.from_events(events, labels, 15)

    for luminosity in (0.0, -1.0, float("nan")):
        with pytest.raises(FipfitError, match="luminosity must be a positive"):
            TemplateFit(templates, luminosity)
    fit = TemplateFit(templates, 1.0)
    with pytest.raises(FipfitError, match="one count per bin"):
        fit.fit(np.ones(14))
    with pytest.raises(FipfitError, match="non-negative"):
        fit.fit(-np.ones(15))
    result = fit.fit(np.ones(15))
    with pytest.raises(FipfitError, match="was not fitted"):
        result.value("mass")
