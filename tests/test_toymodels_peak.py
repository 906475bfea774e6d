"""Tests of the ``peak`` toy model: weights, derivatives and reference informations.

Statistical checks compare a sample estimate with an integral of the model's
densities and allow 4 standard deviations, estimated from the same sample. For
a normal estimate one such check fails by chance with probability 6e-5; the
seeds are fixed, so a failure is reproducible.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray

import fipfit
from fipfit.binning import labels_from_edges, quantile_edges
from fipfit.errors import FipfitError
from fipfit.information import partition_information
from fipfit.toymodels import MODELS, generate, generate_events, get_model
from fipfit.toymodels.peak import MODEL
from fipfit.weightmodels import weight_model, weight_model_from_metadata
from statistics_checks import binned_estimate, extrapolated_information

N_SIGNAL = 1_000_000
#: Standard deviations allowed in the statistical checks (false-failure rate
#: 6e-5 per check for a normal estimate).
N_SIGMA = 4.0


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """Return 10^6 signal events at the default settings, with the background."""
    return MODEL.generate(N_SIGNAL, random_state=11)


def uniform_labels(values: NDArray[np.float64], low: float, high: float, k: int):
    """Return labels of k equal-width bins of [low, high)."""
    return np.minimum(((values - low) / (high - low) * k).astype(np.intp), k - 1)


def test_registry_points_to_model() -> None:
    assert weight_model("peak") is MODEL
    assert MODELS["peak"] is MODEL
    assert get_model("peak") is MODEL


def test_get_model_unknown_name_lists_choices() -> None:
    with pytest.raises(FipfitError, match=r"choose one of \['eft', 'peak', 'xsec'\]"):
        get_model("bump")


def test_columns_and_types(sample: pd.DataFrame) -> None:
    expected = ["weight", "dweight", "label", "selected", "true_x", "x", "eta"]
    assert list(sample.columns) == expected
    assert sample["label"].dtype == np.int8
    assert sample["selected"].dtype == bool
    assert int((sample["label"] == 1).sum()) == N_SIGNAL
    assert int((sample["label"] == 0).sum()) == N_SIGNAL // 2


def test_background_weights_and_window(sample: pd.DataFrame) -> None:
    background = sample[sample["label"] == 0]
    assert (background["weight"] == 1.0).all()
    assert (background["dweight"] == 0.0).all()
    assert background["x"].between(70.0, 110.0).all()
    selected = (sample["x"] > 70.0) & (sample["x"] < 110.0)
    assert (sample["selected"] == selected).all()


def test_signal_outside_window_kept(sample: pd.DataFrame) -> None:
    signal = sample[sample["label"] == 1]
    assert (~signal["selected"]).sum() > 0


def test_same_seed_same_sample() -> None:
    first = generate("peak", 1000, random_state=5)
    second = generate("peak", 1000, random_state=5)
    other = generate("peak", 1000, random_state=6)
    pd.testing.assert_frame_equal(first, second)
    assert not first["x"].equals(other["x"])


def test_settings_override_defaults() -> None:
    frame = MODEL.generate(20_000, random_state=1, theta0=50.0, lo=30.0, hi=70.0)
    signal = frame[frame["label"] == 1]
    # The mean of 20000 draws with sigma 2.5 has standard deviation 0.018.
    assert abs(signal["true_x"].mean() - 50.0) < 0.1
    assert MODEL.theta0({"theta0": 50.0}).tolist() == [50.0]


def test_unknown_setting_names_valid_ones() -> None:
    with pytest.raises(FipfitError, match=r"valid settings are .*'width'"):
        MODEL.generate(10, widht=3.0)


def test_non_numeric_setting_raises() -> None:
    with pytest.raises(FipfitError, match="'width' must be a number"):
        MODEL.generate(10, width="wide")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"width": 0.0}, "'width' must be positive"),
        ({"lo": 120.0}, r"'lo' .* must be below 'hi'"),
        ({"bkg_fraction": -1.0}, "'bkg_fraction' must be zero or positive"),
        ({"width": math.inf}, "'width' must be finite"),
    ],
)
def test_invalid_settings_raise(settings: dict[str, float], message: str) -> None:
    with pytest.raises(FipfitError, match=message):
        MODEL.generate(10, **settings)


@pytest.mark.parametrize("n", [0, -5, 2.5, "10"])
def test_invalid_event_count_raises(n: object) -> None:
    with pytest.raises(FipfitError, match="number of events"):
        MODEL.generate(n)  # type: ignore[arg-type]


def test_weight_at_theta0_equals_weight(sample: pd.DataFrame) -> None:
    weight = MODEL.weight_at(sample, MODEL.theta0({}), {})
    np.testing.assert_array_equal(weight, sample["weight"].to_numpy())


def test_weight_derivative_matches_dweight(sample: pd.DataFrame) -> None:
    # A central difference of step 1e-4 GeV has truncation error ~ step^2 times
    # the third derivative, below 1e-7 here.
    step = 1e-4
    theta0 = MODEL.theta0({})
    upper = MODEL.weight_at(sample, theta0 + step, {})
    lower = MODEL.weight_at(sample, theta0 - step, {})
    numerical = (upper - lower) / (2.0 * step)
    np.testing.assert_allclose(numerical, sample["dweight"].to_numpy(), atol=1e-6)


def test_weight_at_shifts_the_peak(sample: pd.DataFrame) -> None:
    # Reweighted to theta0 + 1 GeV, the weighted mean of true_x moves by 1 GeV.
    # Its standard deviation is about width * sqrt(exp(1 / width^2) / n), 0.003,
    # so 0.015 allows 5 of them.
    signal = sample[sample["label"] == 1]
    weight = MODEL.weight_at(signal, MODEL.theta0({}) + 1.0, {})
    mean = float(np.average(signal["true_x"], weights=weight))
    assert mean == pytest.approx(92.19, abs=0.015)
    assert float(weight.mean()) == pytest.approx(1.0, abs=0.01)


def test_weight_at_rejects_two_parameters(sample: pd.DataFrame) -> None:
    with pytest.raises(FipfitError, match="1 parameters"):
        MODEL.weight_at(sample.head(), [91.0, 1.0], {})


def test_weight_at_needs_true_x(sample: pd.DataFrame) -> None:
    with pytest.raises(FipfitError, match="'true_x' not found"):
        MODEL.weight_at(sample.drop(columns="true_x").head(), [91.0], {})


def test_metadata_round_trip(tmp_path) -> None:
    events = generate_events("peak", 2000, random_state=3, width=3.0)
    assert events.metadata["weight_model"] == "peak"
    assert events.metadata["seed"] == 3
    assert events.metadata["n_signal"] == 2000
    assert events.metadata["settings"]["width"] == 3.0
    path = tmp_path / "peak.parquet"
    fipfit.write_events(events.data, path, events.metadata)

    read = fipfit.read_events(path)
    found = weight_model_from_metadata(read.metadata)
    assert found is not None
    model, settings = found
    assert model is MODEL
    weight = model.weight_at(read.data, model.theta0(settings), settings)
    np.testing.assert_array_equal(weight, read.weight)


def test_sample_ideal_matches_reference(sample: pd.DataFrame) -> None:
    # Every signal event, selected or not, contributes d^2 / w. The standard
    # deviation of the sum is sqrt(n) times the sample's spread of d^2 / w.
    contribution = sample["dweight"].to_numpy() ** 2 / sample["weight"].to_numpy()
    signal = contribution[sample["label"].to_numpy() == 1]
    sigma = math.sqrt(signal.size) * float(signal.std())
    reference = MODEL.reference_information(N_SIGNAL)["ideal"][0, 0]
    assert reference == N_SIGNAL / 2.5**2
    assert abs(signal.sum() - reference) < N_SIGMA * sigma


def test_fine_true_x_partition_reaches_ideal(sample: pd.DataFrame) -> None:
    # gamma is linear in true_x, and equal-weight bins are narrow where the
    # events are: 400 bins keep a FIP of 0.9996 at 10^6 events.
    signal = sample[sample["label"] == 1].assign(selected=True)
    events = fipfit.Events.from_frame(signal)
    values = events.column("true_x")
    edges = quantile_edges(values, events.weight, 400)
    result = partition_information(events, labels_from_edges(values, edges))
    assert result.fip[0] > 0.99
    assert result.fip[0] <= 1.0


def test_fine_x_partition_reaches_x_reference(sample: pd.DataFrame) -> None:
    chosen = sample["selected"].to_numpy()
    x = sample["x"].to_numpy()[chosen]
    weight = sample["weight"].to_numpy()[chosen]
    dweight = sample["dweight"].to_numpy()[chosen]
    coarse = binned_estimate(uniform_labels(x, 70.0, 110.0, 200), 200, weight, dweight)
    fine = binned_estimate(uniform_labels(x, 70.0, 110.0, 400), 400, weight, dweight)

    limit, sigma = extrapolated_information(coarse, fine)
    reference = MODEL.reference_information(N_SIGNAL)["x"][0, 0]
    assert abs(limit - reference) < N_SIGMA * sigma


def test_fine_x_eta_partition_reaches_x_eta_reference(sample: pd.DataFrame) -> None:
    # The densities depend on |eta| only, so bins of (x, |eta|) reach the limit
    # of partitions of (x, eta).
    chosen = sample["selected"].to_numpy()
    x = sample["x"].to_numpy()[chosen]
    abs_eta = np.abs(sample["eta"].to_numpy()[chosen])
    weight = sample["weight"].to_numpy()[chosen]
    dweight = sample["dweight"].to_numpy()[chosen]
    estimates = []
    for n_x, n_eta in ((100, 20), (200, 40)):
        labels = uniform_labels(x, 70.0, 110.0, n_x) * n_eta + uniform_labels(
            abs_eta, 0.0, 2.5, n_eta
        )
        estimates.append(binned_estimate(labels, n_x * n_eta, weight, dweight))

    limit, sigma = extrapolated_information(*estimates)
    reference = MODEL.reference_information(N_SIGNAL)["x_eta"][0, 0]
    assert abs(limit - reference) < N_SIGMA * sigma


def test_references_order_and_scaling() -> None:
    one = MODEL.reference_information(1.0)
    many = MODEL.reference_information(1000.0)
    for key in ("ideal", "x", "x_eta"):
        assert one[key].shape == (1, 1)
        np.testing.assert_allclose(many[key], 1000.0 * one[key], rtol=1e-12)
    assert one["x"][0, 0] < one["x_eta"][0, 0] < one["ideal"][0, 0]


def test_x_reference_without_background_is_gaussian() -> None:
    # A constant resolution, no background and a window of +-20 sigma leave a
    # Normal peak of variance width^2 + res0^2: the information is
    # 1 / (width^2 + res0^2) per event, in x and in (x, eta).
    settings = {"res1": 0.0, "bkg_fraction": 0.0, "lo": 0.0, "hi": 200.0}
    fips = MODEL.reference_fip(**settings)
    expected = 2.5**2 / (2.5**2 + 0.5**2)
    assert fips["ideal"] == 1.0
    assert fips["x"] == pytest.approx(expected, rel=1e-8)
    assert fips["x_eta"] == pytest.approx(expected, rel=1e-8)


def test_x_eta_reference_without_background_averages_eta() -> None:
    # Without background, each eta slice is a Normal peak: the (x, eta)
    # information is the mean over eta of 1 / (width^2 + res(eta)^2), which has
    # a closed form for res(eta) = res1 |eta|: atan(res1 eta_max / width) /
    # (res1 eta_max width).
    settings = {"res0": 0.0, "bkg_fraction": 0.0, "lo": 0.0, "hi": 200.0}
    fips = MODEL.reference_fip(**settings)
    width, res1, eta_max = 2.5, 2.0, 2.5
    mean = math.atan(res1 * eta_max / width) / (res1 * eta_max * width)
    assert fips["x_eta"] == pytest.approx(mean * width**2, rel=1e-8)


def test_reference_fip_values() -> None:
    fips = MODEL.reference_fip()
    assert set(fips) == {"ideal", "x", "x_eta"}
    assert 0.0 < fips["x"] < fips["x_eta"] < 1.0
