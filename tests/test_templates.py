"""Templates W_k(theta): expansions, exact reweighting and bad bins."""

from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from fipfit.binning import labels_from_edges, quantile_edges
from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import Events
from fipfit.fitting import Templates, bin_weights_at
from fipfit.toymodels import generate_events
from fipfit.weightmodels import REGISTRY, weight_model


def _quantile_labels(events: Events, column: str, n_bins: int) -> np.ndarray:
    values = events.column(column)
    chosen = events.selected
    edges = quantile_edges(values[chosen], events.weight[chosen], n_bins)
    return labels_from_edges(values, edges)


@pytest.fixture(scope="module")
def peak_events() -> Events:
    return generate_events("peak", 40_000, random_state=3)


def test_linear_matches_bin_sums() -> None:
    weight = np.array([1.0, 2.0, 0.5, 1.5, 3.0])
    dweight = np.array([0.2, -0.4, 0.1, 0.0, 0.3])
    labels = np.array([0, 0, 1, 1, 2])
    events = Events.from_arrays(weight, dweight)

    templates = Templates.from_events(events, labels, 3)

    assert templates.method == "linear"
    assert_allclose(templates.weight, [3.0, 2.0, 3.0])
    assert_allclose(templates.dweight[:, 0], [-0.2, 0.1, 0.3])
    # W + D (theta - theta_0) by hand, with theta_0 = 0 without a weight model.
    assert_allclose(templates.expected([0.5]), [2.9, 2.05, 3.15])
    assert_allclose(templates.jacobian([0.5])[:, 0], [-0.2, 0.1, 0.3])


def test_linear_limits_keep_bins_positive() -> None:
    events = Events.from_arrays([1.0, 2.0], [0.5, -0.25])
    templates = Templates.from_events(events, np.array([0, 1]), 2)

    low, high = templates.limits[0]
    # Bin 0 reaches zero at theta = -2, bin 1 at theta = +8.
    assert low == pytest.approx(-2.0)
    assert high == pytest.approx(8.0)


def test_quadratic_exact_for_quadratic_weights() -> None:
    rng = np.random.default_rng(0)
    a = rng.uniform(1.0, 2.0, 50)
    b = rng.normal(0.0, 0.3, 50)
    c = rng.normal(0.0, 0.1, 50)
    labels = rng.integers(0, 4, 50)
    events = Events.from_arrays(a, b, features={"d2weight": 2.0 * c})

    templates = Templates.from_events(events, labels, 4)

    assert templates.method == "quadratic"
    for theta in (-0.7, 0.3, 1.1):
        exact = np.bincount(labels, weights=a + b * theta + c * theta**2, minlength=4)
        assert_allclose(templates.expected([theta]), exact, rtol=1e-12)
    with pytest.raises(InvalidEventsError, match="second-derivative"):
        Templates.from_events(Events.from_arrays(a, b), labels, 4, method="quadratic")


def test_linear_several_parameters() -> None:
    weight = np.array([1.0, 1.0, 2.0])
    dweight = np.array([[0.1, 0.2], [0.3, -0.1], [-0.2, 0.05]])
    events = Events.from_arrays(weight, dweight, parameters=("a", "b"))

    templates = Templates.from_events(events, np.array([0, 0, 1]), 2)

    assert templates.parameters == ("a", "b")
    expected = np.array([2.0 + 0.4 * 0.5 + 0.1 * -1.0, 2.0 - 0.2 * 0.5 + 0.05 * -1.0])
    assert_allclose(templates.expected([0.5, -1.0]), expected)
    only_b = Templates.from_events(events, np.array([0, 0, 1]), 2, parameters=["b"])
    assert only_b.parameters == ("b",)
    assert_allclose(only_b.dweight[:, 0], [0.1, 0.05])


def test_exact_spline_matches_reweighting(peak_events: Events) -> None:
    labels = _quantile_labels(peak_events, "x", 10)
    templates = Templates.from_events(peak_events, labels, 10)

    assert templates.method == "exact-spline"
    low, high = templates.limits[0]
    off_grid = np.linspace(low, high, 17)[1:-1] + 0.013
    for theta in off_grid:
        exact = bin_weights_at(peak_events, labels, [theta], 10)
        relative = np.max(np.abs(templates.expected([theta]) / exact - 1))
        # The stored estimate comes from a spline on half the points, so it
        # bounds the error of the full spline.
        assert relative <= templates.interpolation_error
    assert templates.interpolation_error < 1e-5


def test_exact_derivative_at_theta0(peak_events: Events) -> None:
    labels = _quantile_labels(peak_events, "x", 10)
    templates = Templates.from_events(peak_events, labels, 10)

    # dweight columns are the exact derivative of the peak model's weight.
    slope = templates.jacobian(templates.theta0)[:, 0]
    assert_allclose(slope, templates.dweight[:, 0], rtol=1e-4, atol=1e-6 * 40_000)
    assert_allclose(templates.expected(templates.theta0), templates.weight, rtol=1e-9)


def test_exact_reweighting_of_peak(peak_events: Events) -> None:
    labels = _quantile_labels(peak_events, "x", 5)
    model = weight_model("peak")
    settings = dict(peak_events.metadata["settings"])
    weight = model.weight_at(peak_events.data, [91.5], settings)
    inside = (labels >= 0) & peak_events.selected

    direct = np.bincount(labels[inside], weights=weight[inside], minlength=5)

    assert_allclose(bin_weights_at(peak_events, labels, [91.5], 5), direct)


def test_exact_polynomial_for_eft() -> None:
    events = generate_events("eft", 20_000, random_state=5)
    labels = _quantile_labels(events, "e1", 6)
    templates = Templates.from_events(events, labels, 6)

    assert templates.method == "exact-polynomial"
    assert templates.parameters == ("c1", "c2")
    # eft weights are quadratic in (c1, c2): the polynomial is exact.
    assert templates.interpolation_error < 1e-9
    for point in ([0.01, -0.02], [-0.03, 0.015]):
        exact = bin_weights_at(events, labels, point, 6)
        assert_allclose(templates.expected(point), exact, rtol=1e-9)


def test_empty_bin_named() -> None:
    events = Events.from_arrays([1.0, 1.0, 1.0], [0.1, 0.2, 0.3])

    with pytest.raises(
        InvalidEventsError, match=r"contain no MC events \(bins \[1\]\)"
    ):
        Templates.from_events(events, np.array([0, 0, 2]), 3)


def test_nonpositive_bin_named() -> None:
    events = Events.from_arrays([1.0, -2.0, 1.0, 1.0], [0.1, 0.2, 0.3, 0.0])

    with pytest.raises(InvalidEventsError, match=r"weight <= 0 \(bins \[0\]"):
        Templates.from_events(events, np.array([0, 0, 1, 1]), 2)


class _DoublingModel:
    """A weight model that disagrees with the stored weights at theta_0."""

    name = "doubling"

    def parameter_names(self, settings: object) -> tuple[str, ...]:
        return ("theta",)

    def theta0(self, settings: object) -> np.ndarray:
        return np.array([0.0])

    def weight_at(self, frame: pd.DataFrame, theta: object, settings: object):
        return 2.0 * frame["weight"].to_numpy()


def test_mismatched_weight_model_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("doubling_model")
    module.MODEL = _DoublingModel()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "doubling_model", module)
    monkeypatch.setitem(REGISTRY, "doubling", "doubling_model:MODEL")
    plain = Events.from_arrays([1.0, 2.0, 3.0], [0.1, 0.2, 0.3])
    events = Events.from_frame(plain.data, metadata={"weight_model": "doubling"})
    labels = np.array([0, 1, 1])

    with pytest.raises(InvalidEventsError, match="does not reproduce"):
        Templates.from_events(events, labels, 2)
    linear = Templates.from_events(events, labels, 2, method="linear")
    assert linear.method == "linear"


def test_scale_multiplies_yields(peak_events: Events) -> None:
    labels = _quantile_labels(peak_events, "x", 4)
    plain = Templates.from_events(peak_events, labels, 4, method="linear")
    doubled = Templates.from_events(peak_events, labels, 4, method="linear", scale=2.0)

    assert_allclose(doubled.expected([91.3]), 2.0 * plain.expected([91.3]))
    # The effective number of MC events does not depend on the weights' units.
    assert_allclose(doubled.n_effective, plain.n_effective)
    with pytest.raises(FipfitError, match="scale must be positive"):
        Templates.from_events(peak_events, labels, 4, scale=0.0)


def test_theta_range_checked(peak_events: Events) -> None:
    labels = _quantile_labels(peak_events, "x", 4)

    with pytest.raises(FipfitError, match="does not contain theta_0"):
        Templates.from_events(peak_events, labels, 4, theta_range=(92.0, 93.0))
    narrow = Templates.from_events(peak_events, labels, 4, theta_range=(91.0, 91.4))
    assert_allclose(narrow.limits[0], [91.0, 91.4])
