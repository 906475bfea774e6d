"""The dilepton detector model and the pair kinematics it measures."""

from __future__ import annotations

import numpy as np
import pytest

from fipfit.detector import DetectorModel, dilepton_columns, smear_pair
from fipfit.errors import FipfitError
from fipfit.reweighting.kinematics import (
    FourMomentum,
    collins_soper_cos_theta,
    pseudorapidity,
    transverse_momentum,
)


def massless(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray) -> FourMomentum:
    """Four-momenta of massless particles from pT, eta and phi."""
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return FourMomentum(pt * np.cosh(eta), px, py, pz)


def boost_z(p: FourMomentum, rapidity: float) -> FourMomentum:
    """Boost along z by `rapidity`."""
    ch, sh = np.cosh(rapidity), np.sinh(rapidity)
    return FourMomentum(ch * p.e + sh * p.pz, p.px, p.py, sh * p.e + ch * p.pz)


def test_resolution_shape() -> None:
    model = DetectorModel()
    eta = np.array([0.0, 2.4 / np.sqrt(2), 2.4, -2.4, 5.0])
    np.testing.assert_allclose(model.resolution(eta), [0.01, 0.02, 0.03, 0.03, 0.03])


def test_smearing_pulls_are_standard_normal() -> None:
    # 200 000 curvature pulls: the mean's standard error is 0.0022 and the
    # standard deviation's 0.0016, so the 5-sigma tolerances below fail with
    # probability below 1e-6 for a correct smearing.
    model = DetectorModel()
    rng = np.random.default_rng(11)
    n = 200_000
    eta = rng.uniform(-2.4, 2.4, n)
    lepton = massless(np.full(n, 40.0), eta, rng.uniform(-np.pi, np.pi, n))
    measured = model.smear(lepton, rng.standard_normal(n))
    pull = (40.0 / transverse_momentum(measured) - 1) / model.resolution(eta)
    assert abs(pull.mean()) < 5 * 0.0022
    assert abs(pull.std() - 1) < 5 * 0.0016
    np.testing.assert_allclose(pseudorapidity(measured), eta, atol=1e-9)
    np.testing.assert_allclose(
        np.arctan2(measured.py, measured.px), np.arctan2(lepton.py, lepton.px)
    )


def test_smearing_keeps_mass() -> None:
    model = DetectorModel()
    muon = FourMomentum(
        np.array([50.0]), np.array([30.0]), np.array([0.0]), np.array([39.99986])
    )
    mass2 = muon.e**2 - muon.px**2 - muon.py**2 - muon.pz**2
    measured = model.smear(muon, np.array([2.0]))
    measured_mass2 = measured.e**2 - measured.px**2 - measured.py**2 - measured.pz**2
    np.testing.assert_allclose(measured_mass2, mass2, rtol=1e-6)


def test_smear_pair_repeats_event_major() -> None:
    model = DetectorModel()
    rng = np.random.default_rng(0)
    negative = massless(
        np.array([30.0, 45.0]), np.array([0.1, -1.0]), np.array([0.0, 1.0])
    )
    positive = massless(
        np.array([35.0, 40.0]), np.array([-0.5, 2.0]), np.array([3.0, -2.0])
    )
    first, second = smear_pair(negative, positive, model, 3, rng)
    assert first.e.shape == (6,)
    np.testing.assert_allclose(pseudorapidity(first)[:3], 0.1)
    np.testing.assert_allclose(pseudorapidity(second)[3:], 2.0)
    with pytest.raises(FipfitError, match="at least 1"):
        smear_pair(negative, positive, model, 0, rng)


def test_smearing_independent_of_chunks() -> None:
    model = DetectorModel()
    rng = np.random.default_rng(5)
    n = 50
    negative = massless(
        rng.uniform(20, 60, n), rng.uniform(-2, 2, n), rng.uniform(-3, 3, n)
    )
    positive = massless(
        rng.uniform(20, 60, n), rng.uniform(-2, 2, n), rng.uniform(-3, 3, n)
    )
    whole, _ = smear_pair(negative, positive, model, 2, np.random.default_rng(9))
    chunked = np.random.default_rng(9)
    first, _ = smear_pair(
        negative.take(np.arange(20)), positive.take(np.arange(20)), model, 2, chunked
    )
    rest, _ = smear_pair(
        negative.take(np.arange(20, n)),
        positive.take(np.arange(20, n)),
        model,
        2,
        chunked,
    )
    np.testing.assert_array_equal(whole.e, np.concatenate([first.e, rest.e]))


def test_collins_soper_at_rest_and_boosted() -> None:
    # A pair at rest decays at angle theta to the z axis. Longitudinal boosts
    # leave the Collins-Soper angle unchanged, but the pair axis flips its sign
    # for pairs moving towards -z.
    theta = np.linspace(0.1, 3.0, 7)
    half = 45.0
    negative = FourMomentum(
        np.full(7, half), half * np.sin(theta), np.zeros(7), half * np.cos(theta)
    )
    positive = FourMomentum(
        np.full(7, half), -half * np.sin(theta), np.zeros(7), -half * np.cos(theta)
    )
    for rapidity in (0.7, -1.3):
        boosted = collins_soper_cos_theta(
            boost_z(negative, rapidity), boost_z(positive, rapidity), axis="beam"
        )
        np.testing.assert_allclose(boosted, np.cos(theta), atol=1e-12)
        paired = collins_soper_cos_theta(
            boost_z(negative, rapidity), boost_z(positive, rapidity)
        )
        np.testing.assert_allclose(
            paired, np.sign(rapidity) * np.cos(theta), atol=1e-12
        )


def test_dilepton_columns_values() -> None:
    negative = massless(np.array([40.0]), np.array([0.5]), np.array([0.0]))
    positive = massless(np.array([40.0]), np.array([0.5]), np.array([np.pi]))
    columns = dilepton_columns(negative, positive)
    # Back to back in phi at equal eta: m = 2 pT cosh(0) = 80 GeV, y = eta.
    assert columns["mll"][0] == pytest.approx(80.0)
    assert columns["ptll"][0] == pytest.approx(0.0, abs=1e-12)
    assert columns["yll"][0] == pytest.approx(0.5)
    assert columns["pt1"][0] == pytest.approx(40.0)
    assert columns["eta2"][0] == pytest.approx(0.5)
    assert columns["phi2"][0] == pytest.approx(np.pi)


def test_selection_cuts() -> None:
    model = DetectorModel()
    columns = {
        "mll": np.array([91.0, 91.0, 91.0, 50.0, 91.0, 120.0]),
        "pt1": np.array([30.0, 19.0, 30.0, 30.0, 30.0, 30.0]),
        "pt2": np.array([30.0, 30.0, 30.0, 30.0, 30.0, 30.0]),
        "eta1": np.array([0.0, 0.0, 2.5, 0.0, 0.0, 0.0]),
        "eta2": np.array([-2.3, 0.0, 0.0, 0.0, 0.0, 0.0]),
    }
    opposite = np.array([True, True, True, True, False, True])
    np.testing.assert_array_equal(
        model.select(columns, opposite), [True, False, False, False, False, True]
    )


def test_bad_settings_rejected() -> None:
    with pytest.raises(FipfitError, match="window"):
        DetectorModel(mll_min=120, mll_max=60)
    with pytest.raises(FipfitError, match="resolution_central"):
        DetectorModel(resolution_central=0)
