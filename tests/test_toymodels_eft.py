"""Tests of the ``eft`` toy model: weights, derivatives and reference matrices.

Statistical checks allow 4 standard deviations per matrix element, estimated
from the same sample. For a normal estimate one element fails by chance with
probability 6e-5, so each three-element matrix check with probability 2e-4;
the seeds are fixed.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray
from scipy import integrate, stats

import fipfit
from fipfit.errors import FipfitError
from fipfit.information import fip_from_matrices, partition_information
from fipfit.toymodels import generate_events
from fipfit.toymodels.eft import MODEL, _smeared_moments
from fipfit.weightmodels import weight_model, weight_model_from_metadata

N_SIGNAL = 1_000_000
#: Standard deviations allowed per matrix element.
N_SIGMA = 4.0
UPPER = np.triu_indices(2)


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """Return 10^6 signal events and 3 10^5 background events."""
    return MODEL.generate(N_SIGNAL, random_state=31)


def derivatives(frame: pd.DataFrame) -> NDArray[np.float64]:
    """Return the (n, 2) array of dweight_c1, dweight_c2."""
    return frame[["dweight_c1", "dweight_c2"]].to_numpy()


class BinnedEstimate(NamedTuple):
    """I(P) of a sample, each event's influence on it, and its MC bias."""

    information: NDArray[np.float64]
    influence: NDArray[np.float64]
    bias: NDArray[np.float64]


def binned_estimate(
    labels: NDArray[np.intp],
    n_bins: int,
    weight: NDArray[np.float64],
    dweight: NDArray[np.float64],
) -> BinnedEstimate:
    """Return the matrix I(P) with its per-event influence and its MC bias.

    An extra copy of event e in bin k moves I_ij by
    d_i Gamma_j + d_j Gamma_i - Gamma_i Gamma_j w (delta method), so for
    Poisson-distributed events the variance of I_ij is the sum of the squared
    influences. `influence` has shape (n_events, 2, 2). The bias of I_ij is
    sum_e (d_i - Gamma_i w)(d_j - Gamma_j w) / W_k.
    """
    bin_weight = np.bincount(labels, weight, n_bins)
    bin_dweight = np.column_stack(
        [np.bincount(labels, dweight[:, i], n_bins) for i in range(2)]
    )
    filled = bin_weight > 0
    gamma = np.zeros((n_bins, 2))
    gamma[filled] = bin_dweight[filled] / bin_weight[filled, np.newaxis]
    information = bin_dweight[filled].T @ (
        bin_dweight[filled] / bin_weight[filled, np.newaxis]
    )
    event_gamma = gamma[labels]
    cross = np.einsum("ei,ej->eij", dweight, event_gamma)
    influence = (
        cross
        + cross.transpose(0, 2, 1)
        - np.einsum("ei,ej,e->eij", event_gamma, event_gamma, weight)
    )
    residual = dweight - event_gamma * weight[:, np.newaxis]
    bias = residual.T @ (residual / bin_weight[labels, np.newaxis])
    return BinnedEstimate(information, influence, bias)


def extrapolated_information(
    coarse: BinnedEstimate, fine: BinnedEstimate
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the bias-corrected fine-binning limit and its standard deviation.

    The loss of a grid is proportional to the squared bin widths for smooth
    densities, so halving both widths leaves a third of the change between the
    two grids still to gain (Richardson extrapolation). The estimate
    (4 fine - coarse) / 3 has the influence (4 u_fine - u_coarse) / 3 per event.
    """
    coarse_value = coarse.information - coarse.bias
    fine_value = fine.information - fine.bias
    limit = fine_value + (fine_value - coarse_value) / 3.0
    influence = (4.0 * fine.influence - coarse.influence) / 3.0
    return limit, np.sqrt(np.sum(influence**2, axis=0))


def grid_labels(
    first: NDArray[np.float64], second: NDArray[np.float64], shape: tuple[int, int]
) -> NDArray[np.intp]:
    """Return labels of a grid of equal-count bins of `first` by equal-width
    bins of the angle `second` in [-pi, pi)."""
    n_first, n_second = shape
    edges = np.quantile(first, np.linspace(0.0, 1.0, n_first + 1))
    row = np.clip(np.searchsorted(edges, first, side="right") - 1, 0, n_first - 1)
    column = np.minimum(
        ((second + np.pi) / (2.0 * np.pi) * n_second).astype(np.intp), n_second - 1
    )
    return np.asarray(row * n_second + column, dtype=np.intp)


def test_registry_points_to_model() -> None:
    assert weight_model("eft") is MODEL
    assert MODEL.parameter_names({}) == ("c1", "c2")
    np.testing.assert_array_equal(MODEL.theta0({}), [0.0, 0.0])


def test_columns_and_counts(sample: pd.DataFrame) -> None:
    expected = [
        "weight",
        "dweight_c1",
        "dweight_c2",
        "label",
        "selected",
        "true_z",
        "true_phi",
        "e1",
        "e2",
        "phi",
    ]
    assert list(sample.columns) == expected
    assert int(sample["label"].sum()) == N_SIGNAL
    assert len(sample) == N_SIGNAL + 300_000
    assert sample["true_z"].between(1.0, 6.0).all()
    assert sample["phi"].between(-np.pi, np.pi).all()
    np.testing.assert_array_equal(sample["selected"], sample["e1"] > 1.2)


def test_events_find_both_parameters(sample: pd.DataFrame) -> None:
    events = fipfit.Events.from_frame(sample.head(100))
    assert events.parameters == ("c1", "c2")


def test_background_has_no_derivative(sample: pd.DataFrame) -> None:
    background = sample[sample["label"] == 0]
    assert (derivatives(background) == 0.0).all()
    np.testing.assert_array_equal(
        MODEL.weight_at(background, [0.5, -0.7], {}), background["weight"]
    )


def test_weight_at_theta0_and_derivatives(sample: pd.DataFrame) -> None:
    frame = sample.head(200_000)
    np.testing.assert_array_equal(
        MODEL.weight_at(frame, [0.0, 0.0], {}), frame["weight"].to_numpy()
    )
    # The weight is quadratic in c, so a central difference is exact up to
    # rounding, about 1e-16 / step.
    step = 1e-5
    for index, column in enumerate(("dweight_c1", "dweight_c2")):
        shift = np.zeros(2)
        shift[index] = step
        numerical = (
            MODEL.weight_at(frame, shift, {}) - MODEL.weight_at(frame, -shift, {})
        ) / (2.0 * step)
        np.testing.assert_allclose(numerical, frame[column].to_numpy(), atol=1e-8)


def test_weights_stay_positive(sample: pd.DataFrame) -> None:
    weight = MODEL.weight_at(sample, [-3.0, 2.0], {})
    assert (weight >= 0.0).all()


def test_weight_at_rejects_one_parameter(sample: pd.DataFrame) -> None:
    with pytest.raises(FipfitError, match="2 parameters"):
        MODEL.weight_at(sample.head(), [0.1], {})


def test_invalid_range_raises() -> None:
    with pytest.raises(FipfitError, match=r"'z_min' .* must be below 'z_max'"):
        MODEL.generate(10, z_min=7.0)


def test_sample_ideal_matches_reference(sample: pd.DataFrame) -> None:
    signal = sample[sample["label"] == 1]
    d = derivatives(signal)
    w = signal["weight"].to_numpy()
    reference = MODEL.reference_information(N_SIGNAL)["ideal"]
    for i, j in zip(*UPPER, strict=True):
        contribution = d[:, i] * d[:, j] / w
        sigma = math.sqrt(contribution.size) * float(contribution.std())
        assert abs(contribution.sum() - reference[i, j]) < N_SIGMA * sigma, (i, j)


def test_ideal_matrix_correlated_and_well_conditioned() -> None:
    ideal = MODEL.reference_information(1.0)["ideal"]
    correlation = ideal[0, 1] / math.sqrt(ideal[0, 0] * ideal[1, 1])
    assert 0.2 < correlation < 0.8
    assert np.linalg.cond(ideal) < 10.0


def test_fine_generator_partition_reaches_ideal(sample: pd.DataFrame) -> None:
    # gamma is linear in z and in z cos(phi). A grid of 200 z bins by 50 phi
    # bins keeps FIPs of 0.9996 and 0.9987 at 10^6 events, and 100 by 25 bins
    # 0.998 and 0.995, so the loss falls as the bins shrink.
    signal = sample[sample["label"] == 1].assign(selected=True)
    events = fipfit.Events.from_frame(signal)
    labels = grid_labels(events.column("true_z"), events.column("true_phi"), (200, 50))
    result = partition_information(events, labels, 200 * 50)
    assert (result.fip > 0.99).all()


def test_fine_detector_partition_reaches_reference(sample: pd.DataFrame) -> None:
    # The combined energy is sufficient for z, and the measured phi for the
    # angle: fine grids of (combined energy, phi) reach the detector reference.
    chosen = sample["selected"].to_numpy()
    energy = MODEL.combined_energy(sample)[chosen]
    phi = sample["phi"].to_numpy()[chosen]
    weight = sample["weight"].to_numpy()[chosen]
    dweight = derivatives(sample)[chosen]
    estimates = []
    for shape in ((60, 12), (120, 24)):
        labels = grid_labels(energy, phi, shape)
        estimates.append(binned_estimate(labels, shape[0] * shape[1], weight, dweight))
    limit, sigma = extrapolated_information(*estimates)

    reference = MODEL.reference_information(N_SIGNAL)["detector"]
    for i, j in zip(*UPPER, strict=True):
        assert abs(limit[i, j] - reference[i, j]) < N_SIGMA * sigma[i, j], (i, j)


def test_detector_reference_below_ideal() -> None:
    fips = MODEL.reference_fip()
    assert fips["ideal"] == [1.0, 1.0]
    assert all(0.0 < value < 1.0 for value in fips["detector"])
    references = MODEL.reference_information(1.0)
    difference = references["ideal"] - references["detector"]
    assert (np.linalg.eigvalsh(difference) > 0).all()


def test_detector_reference_perfect_detector_is_ideal() -> None:
    # With tiny resolutions, no background and a threshold below the spectrum,
    # the detector measures the generator-level variables exactly.
    settings = {
        "sigma_e1": 1e-4,
        "sigma_e2": 1e-4,
        "sigma_phi": 0.0,
        "bkg_fraction": 0.0,
        "e1_min": 0.0,
    }
    references = MODEL.reference_information(1.0, **settings)
    np.testing.assert_allclose(references["detector"], references["ideal"], rtol=1e-6)
    np.testing.assert_allclose(
        fip_from_matrices(references["detector"], references["ideal"]), 1.0, rtol=1e-6
    )


@pytest.mark.parametrize("energy", [0.2, 1.0, 2.5, 5.9, 7.5])
def test_smeared_moments_match_quadrature(energy: float) -> None:
    settings = MODEL.resolve_settings({})
    slope, sigma = 0.7, 0.25
    norm = slope * (1.0 - math.exp(-5.0 / slope))

    def moment(power: int) -> float:
        value, _ = integrate.quad(
            lambda z: (
                z**power
                * math.exp(-(z - 1.0) / slope)
                / norm
                * stats.norm.pdf(energy, z, sigma)
            ),
            1.0,
            6.0,
            epsabs=1e-14,
            epsrel=1e-12,
            points=[min(max(energy, 1.0), 6.0)],
        )
        return float(value)

    moment0, moment1 = _smeared_moments(np.array([energy]), settings, slope, sigma)
    assert moment0[0] == pytest.approx(moment(0), rel=1e-9, abs=1e-300)
    assert moment1[0] == pytest.approx(moment(1), rel=1e-9, abs=1e-300)


def test_metadata_round_trip(tmp_path) -> None:
    events = generate_events("eft", 500, random_state=4, c2_offset=0.5)
    path = tmp_path / "eft.parquet"
    fipfit.write_events(events.data, path, events.metadata)
    read = fipfit.read_events(path)
    found = weight_model_from_metadata(read.metadata)
    assert found is not None
    model, settings = found
    assert model is MODEL
    assert settings["c2_offset"] == 0.5
    np.testing.assert_array_equal(
        model.weight_at(read.data, model.theta0(settings), settings), read.weight
    )
