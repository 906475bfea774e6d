"""Fits of templates to data counts, and their Fisher error prediction."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

from fipfit.binning import labels_within_edges, quantile_edges
from fipfit.datafit import fit_counts, fit_partition
from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import Events
from fipfit.fitting import Templates
from fipfit.information import partition_information
from fipfit.toymodels import generate_events

N_BINS = 15
LUMINOSITY = 0.2


@pytest.fixture(scope="module")
def peak() -> tuple[Events, np.ndarray, np.ndarray]:
    """The peak toy (theta_0 = 91.19), its mass edges and labels."""
    events = generate_events("peak", 40_000, random_state=3)
    x = events.column("x")
    edges = quantile_edges(x, events.weight, N_BINS)
    return events, edges, labels_within_edges(x, edges)


@pytest.fixture(scope="module")
def templates(peak: tuple[Events, np.ndarray, np.ndarray]) -> Templates:
    events, _, labels = peak
    return Templates.from_events(events, labels, N_BINS)


def test_asimov_recovers_shifted_point(templates: Templates) -> None:
    counts = LUMINOSITY * templates.expected([91.4])

    result = fit_counts(templates, counts)

    assert result.converged
    assert result.valid
    assert result.value == pytest.approx(91.4, abs=1e-3 * result.hesse_error)
    assert result.luminosity == pytest.approx(LUMINOSITY, rel=1e-5)
    # Asimov counts: HESSE measures the curvature that the Fisher information
    # predicts, up to MIGRAD's numerical second derivatives (about 1%).
    assert result.hesse_error == pytest.approx(result.fisher_error, rel=0.02)


def test_free_norm_error_is_shape_only(
    peak: tuple[Events, np.ndarray, np.ndarray],
) -> None:
    events, _, _ = peak
    # Below 92 GeV only, the rate moves with theta, so the shape-only
    # information is well below the full one.
    x = events.column("x")
    lower = dataclasses.replace(events, selected=events.selected & (x < 92.0))
    edges = quantile_edges(x[lower.selected], lower.weight[lower.selected], N_BINS)
    labels = labels_within_edges(x, edges)
    templates = Templates.from_events(lower, labels, N_BINS)
    counts = LUMINOSITY * templates.expected(templates.theta0)
    # The shape-only information I(P) - (sum D)^2 / sum W, computed from the
    # events by fipfit.information rather than from the templates.
    information = partition_information(lower, labels, N_BINS)
    shape = information.shape_information[0, 0]
    assert shape < 0.9 * information.information[0, 0]

    result = fit_counts(templates, counts, start=templates.theta0 + 0.1)

    assert result.free_norm
    assert result.fisher_error == pytest.approx(
        1 / np.sqrt(shape * LUMINOSITY), rel=1e-3
    )
    assert result.hesse_error == pytest.approx(result.fisher_error, rel=0.02)


def test_fixed_norm_uses_full_information(
    peak: tuple[Events, np.ndarray, np.ndarray], templates: Templates
) -> None:
    events, _, labels = peak
    counts = LUMINOSITY * templates.expected(templates.theta0)
    full = partition_information(events, labels, N_BINS).information[0, 0]

    result = fit_counts(
        templates,
        counts,
        free_norm=False,
        luminosity=LUMINOSITY,
        start=templates.theta0 + 0.1,
    )

    assert not result.free_norm
    assert result.luminosity == LUMINOSITY
    assert result.luminosity_error is None
    assert result.fisher_error == pytest.approx(
        1 / np.sqrt(full * LUMINOSITY), rel=1e-3
    )
    assert result.hesse_error == pytest.approx(result.fisher_error, rel=0.02)


def test_fit_partition_of_drawn_events(
    peak: tuple[Events, np.ndarray, np.ndarray],
) -> None:
    events, edges, _ = peak
    # An independent sample at theta_0 whose events all have weight 1 is a
    # data set of about 60000 events.
    other = generate_events("peak", 40_000, random_state=11)
    assert np.all(other.weight == 1.0)
    data = other.column("x")[other.selected]

    result = fit_partition(events, events.column("x"), data, edges, partition="x")

    assert result.converged
    assert result.n_data == data.size
    assert result.partition == "x"
    assert_allclose(result.observed.sum(), data.size)
    assert_allclose(result.expected.sum(), data.size, rtol=1e-3)
    # Within 4 standard deviations: a false failure rate of 6e-5 for a
    # Gaussian estimate, which the fit of ~60000 events is.
    assert abs(result.value - 91.19) < 4 * result.hesse_error
    # HESSE is the observed information of this data set, which scatters
    # around the expected (Fisher) information by a few percent at this size.
    assert result.error_ratio == pytest.approx(1.0, abs=0.1)


def test_to_dict_is_json() -> None:
    events = generate_events("peak", 5_000, random_state=1)
    x = events.column("x")
    edges = quantile_edges(x, events.weight, 5)
    templates = Templates.from_events(events, labels_within_edges(x, edges), 5)
    result = fit_counts(
        templates, 2.0 * templates.expected(templates.theta0), edges=edges
    )

    values = result.to_dict()

    assert json.loads(json.dumps(values, allow_nan=False)) == values
    assert values["normalisation"] == "free"
    assert len(values["edges"]) == 6
    assert len(values["observed"]) == 5


def test_bad_counts_rejected(templates: Templates) -> None:
    good = LUMINOSITY * templates.expected(templates.theta0)
    with pytest.raises(FipfitError, match="the data have 3 counts but"):
        fit_counts(templates, [1.0, 2.0, 3.0])
    with pytest.raises(FipfitError, match="no events in the partition"):
        fit_counts(templates, np.zeros(N_BINS))
    with pytest.raises(FipfitError, match="non-negative"):
        fit_counts(templates, np.where(np.arange(N_BINS) == 0, -1.0, good))
    with pytest.raises(FipfitError, match="parameter 'mz' is not in the templates"):
        fit_counts(templates, good, parameter="mz")
    with pytest.raises(FipfitError, match="needs the data's luminosity"):
        fit_counts(templates, good, free_norm=False)


def test_bad_values_rejected(peak: tuple[Events, np.ndarray, np.ndarray]) -> None:
    events, edges, _ = peak
    x = events.column("x")
    with pytest.raises(FipfitError, match="template values for"):
        fit_partition(events, x[:10], x[:10], edges)
    with pytest.raises(InvalidEventsError, match="NaN or infinite"):
        fit_partition(events, x, [91.0, np.nan], edges)
    with pytest.raises(FipfitError, match="no events in the partition"):
        fit_partition(events, x, [], edges)
