"""The Drell-Yan line-shape model: matrix element, derivatives, weights, information."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fipfit.binning import labels_from_edges, quantile_edges
from fipfit.errors import FipfitError
from fipfit.events import EventColumns
from fipfit.formats.convert import ConvertOptions, convert_files
from fipfit.formats.lhe import ParameterCard
from fipfit.formats.table import read_events
from fipfit.information import partition_information
from fipfit.reweighting.zlineshape import (
    MODEL,
    TRUTH_COLUMNS,
    LineshapeSettings,
    matrix_element,
    quark_lines,
    settings_from_card,
    weight_derivatives,
)
from fipfit.weightmodels import weight_model

MZ, SIN2THETA, WIDTH = 91.188, 0.2222, 2.441404
CHARGE = {1: -1 / 3, 2: 2 / 3, 3: -1 / 3, 4: 2 / 3, 5: -1 / 3}
ISOSPIN = {1: -0.5, 2: 0.5, 3: -0.5, 4: 0.5, 5: -0.5}


def helicity_sum(
    s: float, cos: float, quark: int, mz: float, x: float, settings: LineshapeSettings
) -> float:
    """|M|^2 summed over the four helicity amplitudes, with complex chi.

    An independent route to the same function: amplitude Q_q Q_l + 4 g_q g_l chi
    with g_L = T3 - Q x and g_R = -Q x, angular factor (1 + c)^2 for equal and
    (1 - c)^2 for opposite helicities, and an overall 1/4 so that the photon
    term is Q_q^2 (1 + c^2).
    """
    if settings.width_scheme == "fixed":
        chi = settings.kappa * s / (s - mz**2 + 1j * mz * settings.width)
    else:
        chi = settings.kappa * s / (s - mz**2 + 1j * s * settings.width / mz)
    couplings_q = {"L": ISOSPIN[quark] - CHARGE[quark] * x, "R": -CHARGE[quark] * x}
    couplings_l = {"L": -0.5 + x, "R": x}
    total = 0.0
    for hq, gq in couplings_q.items():
        for hl, gl in couplings_l.items():
            amplitude = CHARGE[quark] * -1.0 + 4 * gq * gl * chi
            angular = (1 + cos) ** 2 if hq == hl else (1 - cos) ** 2
            total += abs(amplitude) ** 2 * angular
    return total / 4


@pytest.fixture
def sample() -> tuple[np.ndarray, ...]:
    """Pair masses across and near the peak, angles, and one or two lines."""
    rng = np.random.default_rng(7)
    n = 400
    mll = np.concatenate([rng.uniform(30, 300, n // 2), rng.normal(MZ, 3, n // 2)])
    cos = rng.uniform(-1, 1, n)
    quark = np.column_stack([rng.integers(1, 6, n), rng.choice([0, 1, 2], n)])
    direction = np.column_stack([rng.choice([-1, 0, 1], n), rng.choice([-1, 1], n)])
    return mll, cos, quark, direction


@pytest.mark.parametrize("scheme", ["fixed", "running"])
def test_matches_helicity_sum(sample: tuple[np.ndarray, ...], scheme: str) -> None:
    mll, cos, quark, direction = sample
    settings = LineshapeSettings.from_reference(
        MZ, SIN2THETA, WIDTH, width_scheme=scheme
    )
    theta = (MZ + 0.3, SIN2THETA + 0.01)
    value, _ = matrix_element(mll, cos, quark, direction, theta, settings)
    for i in range(mll.size):
        lines = [(quark[i, 0], direction[i, 0])]
        if quark[i, 1] > 0:
            lines.append((quark[i, 1], direction[i, 1]))
        expected = 0.0
        for q, d in lines:
            # A line without direction averages the two orientations.
            orientations = [d] if d != 0 else [1, -1]
            expected += np.mean(
                [
                    helicity_sum(mll[i] ** 2, o * cos[i], q, *theta, settings)
                    for o in orientations
                ]
            )
        expected /= len(lines)
        assert value[i] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("scheme", ["fixed", "running"])
def test_gradient_matches_finite_differences(
    sample: tuple[np.ndarray, ...], scheme: str
) -> None:
    # Central differences with steps far below the scales on which |M|^2
    # varies (Gamma_Z for m_Z, about 0.03 for sin^2 theta): truncation errors
    # of order (step / scale)^2 < 1e-8, rounding errors < 1e-10.
    mll, cos, quark, direction = sample
    settings = LineshapeSettings.from_reference(
        MZ, SIN2THETA, WIDTH, width_scheme=scheme
    )
    theta = np.array([MZ, SIN2THETA])
    _, gradient = matrix_element(mll, cos, quark, direction, theta, settings)
    for index, step in enumerate([1e-4, 1e-6]):
        shift = np.zeros(2)
        shift[index] = step
        up, _ = matrix_element(mll, cos, quark, direction, theta + shift, settings)
        down, _ = matrix_element(mll, cos, quark, direction, theta - shift, settings)
        numeric = (up - down) / (2 * step)
        np.testing.assert_allclose(gradient[:, index], numeric, rtol=1e-6, atol=0)


def test_photon_limit_is_one_plus_cos_squared() -> None:
    settings = LineshapeSettings(MZ, SIN2THETA, WIDTH, kappa=1e-12)
    cos = np.linspace(-1, 1, 11)
    mll = np.full_like(cos, 50.0)
    quark = np.column_stack([np.full(cos.size, 2), np.zeros(cos.size, dtype=int)])
    direction = np.column_stack(
        [np.ones(cos.size, dtype=int), np.zeros(cos.size, dtype=int)]
    )
    value, _ = matrix_element(mll, cos, quark, direction, (MZ, SIN2THETA), settings)
    np.testing.assert_allclose(value, (2 / 3) ** 2 * (1 + cos**2), rtol=1e-9)


def test_weight_at_reference_and_slope() -> None:
    rng = np.random.default_rng(3)
    n = 200
    quark, direction = quark_lines(
        np.column_stack(
            [rng.choice([2, -2, 1, 21], n), rng.choice([-2, 2, -1, 21], n)]
        ),
        np.column_stack([rng.uniform(1, 100, n), -rng.uniform(1, 100, n)]),
        rng.choice([0, 1, -2], n),
    )
    frame = pd.DataFrame(
        {
            "weight": rng.uniform(0.5, 2.0, n),
            "true_mll": rng.uniform(60, 120, n),
            "true_cos_theta": rng.uniform(-1, 1, n),
            "true_quark1": quark[:, 0],
            "true_direction1": direction[:, 0],
            "true_quark2": quark[:, 1],
            "true_direction2": direction[:, 1],
        }
    )

    settings = LineshapeSettings.from_reference(MZ, SIN2THETA, WIDTH).to_mapping()
    theta0 = MODEL.theta0(settings)
    np.testing.assert_allclose(
        MODEL.weight_at(frame, theta0, settings), frame["weight"]
    )

    dweight = weight_derivatives(
        frame["weight"],
        frame["true_mll"],
        frame["true_cos_theta"],
        quark,
        direction,
        LineshapeSettings.from_mapping(settings),
    )
    for index, step in enumerate([1e-4, 1e-6]):
        shift = np.zeros(2)
        shift[index] = step
        up = MODEL.weight_at(frame, theta0 + shift, settings)
        down = MODEL.weight_at(frame, theta0 - shift, settings)
        np.testing.assert_allclose(
            dweight[:, index], (up - down) / (2 * step), rtol=1e-6
        )

    assert MODEL.parameter_names(settings) == ("mz", "sin2theta")
    assert weight_model("zlineshape") is MODEL
    assert set(TRUTH_COLUMNS) <= set(frame.columns)


def test_weight_at_needs_truth_columns() -> None:
    settings = LineshapeSettings.from_reference(MZ, SIN2THETA, WIDTH).to_mapping()
    frame = pd.DataFrame({"weight": [1.0], "true_mll": [91.0]})
    with pytest.raises(FipfitError, match="true_cos_theta"):
        MODEL.weight_at(frame, (MZ, SIN2THETA), settings)


@pytest.mark.parametrize(
    ("ids", "pz", "outgoing", "quark", "direction"),
    [
        ((2, -2), (10, -20), 0, (2, 0), (1, 0)),  # u ubar, quark along +z
        ((-1, 1), (10, -20), 0, (1, 0), (-1, 0)),  # dbar d, quark along -z
        ((21, 3), (10, -20), 3, (3, 0), (-1, 0)),  # g s: the quark's line
        ((-4, 21), (10, -20), -4, (4, 0), (-1, 0)),  # cbar g: quark from the gluon
        ((2, 1), (10, -20), 2, (2, 1), (1, -1)),  # u d: both lines
        ((2, -1), (10, -20), 2, (2, 1), (1, 1)),  # u dbar: both lines
        ((21, 21), (10, -20), -1, (1, 0), (0, 0)),  # g g: outgoing pair, no direction
        ((21, 21), (10, -20), 0, (2, 1), (0, 0)),  # no quark at all: u and d
    ],
)
def test_quark_lines_cases(
    ids: tuple[int, int],
    pz: tuple[float, float],
    outgoing: int,
    quark: tuple[int, int],
    direction: tuple[int, int],
) -> None:
    found_quark, found_direction = quark_lines([ids], [pz], [outgoing])
    assert tuple(found_quark[0]) == quark
    assert tuple(found_direction[0]) == direction


def test_settings_from_card_and_overrides() -> None:
    card = ParameterCard(
        blocks={
            "mass": {(23,): 91.188},
            "sminputs": {(1,): 132.507, (2,): 1.16639e-05},
        },
        decays={23: 2.441404},
    )
    settings, sources = settings_from_card(card)
    # m_W = 80.419002 is the value MadGraph printed for these inputs.
    assert settings.sin2theta == pytest.approx(1 - (80.419002 / 91.188) ** 2, rel=1e-6)
    assert settings.kappa == pytest.approx(
        1 / (4 * settings.sin2theta * (1 - settings.sin2theta))
    )
    assert sources["mz"] == "parameter card MASS 23"
    replaced, sources = settings_from_card(card, width=2.4952)
    assert replaced.width == 2.4952
    assert sources["width"] == "given"
    with pytest.raises(FipfitError, match="--mz, --width, --sin2theta"):
        settings_from_card(None)


def test_true_mass_keeps_mz_information(shared_data: Path, tmp_path: Path) -> None:
    # With every generated event in the partition, 200 equal-weight bins of the
    # true pair mass resolve the Breit-Wigner: the information on m_Z lost is
    # the angular and flavour dependence of the interference term, under 1 %.
    output = tmp_path / "mlm.parquet"
    convert_files(
        [shared_data / "pylhe-testfile-madgraph-2.2.1-Z-mlm.lhe.gz"],
        output,
        ConvertOptions(reweight="zlineshape"),
    )
    events = read_events(output, EventColumns(selected=None))
    true_mll = events.column("true_mll")
    edges = quantile_edges(true_mll, events.weight, 200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = partition_information(events, labels_from_edges(true_mll, edges))
    assert events.parameters == ("mz", "sin2theta")
    assert edges.size == 201
    assert result.fip[0] > 0.99
    assert result.information[0, 0] / result.ideal_information[0, 0] > 0.99
