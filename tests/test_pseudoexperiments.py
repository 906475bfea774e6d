"""Pseudo-experiments: spread and pulls against the Fisher error, failures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fipfit.binning import labels_from_edges, quantile_edges
from fipfit.errors import FipfitError
from fipfit.events import Events
from fipfit.fitting import (
    Templates,
    expected_counts,
    expected_errors,
    run_pseudoexperiments,
)
from fipfit.fitting.validation import validate_partition
from fipfit.toymodels import generate_events
from fipfit.weightmodels import weight_model

N_TOYS = 200


@pytest.fixture(scope="module")
def peak_templates() -> tuple[Events, np.ndarray, Templates]:
    events = generate_events("peak", 60_000, random_state=21)
    x = events.column("x")
    chosen = events.selected
    edges = quantile_edges(x[chosen], events.weight[chosen], 20)
    labels = labels_from_edges(x, edges)
    return events, edges, Templates.from_events(events, labels, 20)


def test_toys_match_fisher_error(
    peak_templates: tuple[Events, np.ndarray, Templates],
) -> None:
    _, _, templates = peak_templates
    luminosity = 0.1
    truth = [91.25]
    expected = luminosity * templates.expected(truth)

    toys = run_pseudoexperiments(
        templates, expected, truth, luminosity, N_TOYS, random_state=1
    )

    stats = toys.statistics()
    sigma = expected_errors(templates, luminosity)[0]
    assert toys.n_failed == 0
    # Over N toys a standard deviation has a relative error 1/sqrt(2(N-1)) = 5 %;
    # the bounds are 4 of those, a false failure every ~30000 runs.
    width = 4 / math.sqrt(2 * (N_TOYS - 1))
    assert abs(stats["theta_hat_std"][0] / sigma - 1) < width
    assert abs(stats["pull_std"][0] - 1) < width
    # The pseudo-data are the templates' own expectation, so the pull mean is
    # zero up to its error 1/sqrt(N) = 0.07 (bound: 4 of those).
    assert abs(stats["pull_mean"][0]) < 4 / math.sqrt(N_TOYS)
    assert stats["hesse_error_mean"][0] == pytest.approx(sigma, rel=0.02)


def test_pull_errors_follow_formula(
    peak_templates: tuple[Events, np.ndarray, Templates],
) -> None:
    _, _, templates = peak_templates
    expected = 0.1 * templates.weight

    toys = run_pseudoexperiments(templates, expected, [91.19], 0.1, 50, random_state=2)

    stats = toys.statistics()
    pull = toys.pull[:, 0]
    assert_allclose(stats["pull_mean"][0], pull.mean())
    assert_allclose(stats["pull_mean_error"][0], pull.std(ddof=1) / math.sqrt(50))
    assert_allclose(stats["pull_std_error"][0], pull.std(ddof=1) / math.sqrt(98))
    summary = toys.summary()
    assert summary["n_toys"] == 50
    assert summary["pull_std"] == pytest.approx(pull.std(ddof=1))


def test_seed_reproduces_fits(
    peak_templates: tuple[Events, np.ndarray, Templates],
) -> None:
    _, _, templates = peak_templates
    expected = 0.1 * templates.weight

    first = run_pseudoexperiments(templates, expected, [91.19], 0.1, 20, random_state=5)
    second = run_pseudoexperiments(
        templates, expected, [91.19], 0.1, 20, random_state=5
    )
    other = run_pseudoexperiments(templates, expected, [91.19], 0.1, 20, random_state=6)

    assert_array_equal(first.theta_hat, second.theta_hat)
    assert not np.array_equal(first.theta_hat, other.theta_hat)


def test_failed_fits_counted_not_averaged() -> None:
    # Linear templates whose valid range ends 0.5 sigma above the truth: many
    # fits end at the limit, which makes them invalid.
    rng = np.random.default_rng(8)
    x = rng.uniform(0.0, 1.0, 4000)
    events = Events.from_arrays(np.ones(4000), x - 0.5, features={"x": x})
    labels = labels_from_edges(x, np.linspace(0.0, 1.0, 11))
    templates = Templates.from_events(events, labels, 10)
    high = templates.limits[0, 1]
    # sigma = high / 5 at this luminosity.
    luminosity = 25.0 * expected_errors(templates, 1.0)[0] ** 2 / high**2
    sigma = expected_errors(templates, luminosity)[0]
    truth = [high - 0.5 * sigma]
    expected = luminosity * templates.expected(truth)

    toys = run_pseudoexperiments(templates, expected, truth, luminosity, 100)

    assert 0 < toys.n_failed < 100
    stats = toys.statistics()
    assert_allclose(stats["theta_hat_mean"][0], toys.theta_hat[toys.valid, 0].mean())
    assert toys.pull.shape == (100 - toys.n_failed, 1)


def test_expected_counts_reweight_exactly(
    peak_templates: tuple[Events, np.ndarray, Templates],
) -> None:
    _, edges, _ = peak_templates
    data = generate_events("peak", 30_000, random_state=22)
    labels = labels_from_edges(data.column("x"), edges)
    settings = dict(data.metadata["settings"])
    weight = weight_model("peak").weight_at(data.data, [91.4], settings)
    inside = (labels >= 0) & data.selected

    counts = expected_counts(data, labels, [91.4], 0.3, 20, scale=2.0)

    direct = np.bincount(labels[inside], weights=weight[inside], minlength=20)
    assert_allclose(counts, 2.0 * 0.3 * direct)


def test_independent_sample_validation() -> None:
    templates_events = generate_events("peak", 80_000, random_state=31)
    data_events = generate_events("peak", 80_000, random_state=32)

    result = validate_partition(
        templates_events,
        templates_events.column("x"),
        data_events,
        data_events.column("x"),
        luminosity=0.05,
        n_toys=N_TOYS,
        n_bins=20,
        random_state=3,
    )

    summary = result.summary()
    assert summary["n_failed"] == 0
    width = 4 / math.sqrt(2 * (N_TOYS - 1))
    assert abs(summary["spread_over_fisher"] - 1) < width
    assert abs(summary["pull_std"] - 1) < width
    # The mean of the fits sits at the fit of the unfluctuated expected counts,
    # shifted from the truth by the finite MC samples: bound 4/sqrt(N).
    assert abs(summary["pull_mean"] - summary["mc_shift"]) < 4 / math.sqrt(N_TOYS)
    # That shift is one draw of a distribution of width mc_shift_scale.
    assert abs(summary["mc_shift"]) < 4 * summary["mc_shift_scale"]
    assert summary["asimov_hesse_error"] == pytest.approx(
        summary["fisher_error"], rel=0.01
    )


def test_bad_toy_inputs_rejected(
    peak_templates: tuple[Events, np.ndarray, Templates],
) -> None:
    _, _, templates = peak_templates
    expected = 0.1 * templates.weight

    for n_toys in (0, -3):
        with pytest.raises(FipfitError, match="positive integer"):
            run_pseudoexperiments(templates, expected, [91.19], 0.1, n_toys)
    with pytest.raises(FipfitError, match="luminosity must be a positive"):
        run_pseudoexperiments(templates, expected, [91.19], 0.0, 10)
    with pytest.raises(FipfitError, match="one per template bin"):
        run_pseudoexperiments(templates, expected[:-1], [91.19], 0.1, 10)
    with pytest.raises(FipfitError, match="theta_true has 2 values"):
        run_pseudoexperiments(templates, expected, [91.19, 1.0], 0.1, 10)
