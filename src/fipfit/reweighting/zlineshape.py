"""Drell-Yan line-shape reweighting: q qbar -> gamma*/Z -> l+ l- at leading order.

Each event's weight is multiplied by |M(theta)|^2 / |M(theta_0)|^2, the ratio
of leading-order matrix elements squared at the event's true pair mass and
decay angle, for theta = (m_Z, sin^2 theta_eff). Summed over spins and colours,
with s the pair mass squared and c the cosine of the angle between the
incoming quark and the negative lepton in the pair's rest frame,

    |M|^2 ~ (1 + c^2) A0(s) + c A1(s)
    A0 = Q_q^2 Q_l^2 + 2 Q_q Q_l v_q v_l Re(chi) + (v_q^2 + a_q^2)(v_l^2 + a_l^2)|chi|^2
    A1 = 4 Q_q Q_l a_q a_l Re(chi) + 8 v_q a_q v_l a_l |chi|^2

with v_f = T3_f - 2 Q_f sin^2 theta_eff, a_f = T3_f, and the Z propagator
relative to the photon's

    chi(s) = kappa s / (s - m_Z^2 + i m_Z Gamma_Z)        (fixed width)
    chi(s) = kappa s / (s - m_Z^2 + i s Gamma_Z / m_Z)    (s-dependent width)

This is the sum over the four helicity amplitudes Q_q Q_l + 4 g_q g_l chi, with
g_L = (v + a)/2 and g_R = (v - a)/2, whose angular factors are (1 + c)^2 for
equal and (1 - c)^2 for opposite quark and lepton helicities. Choices:

- The fixed-width Breit-Wigner is the default, because it is the propagator
  MadGraph5 uses, so the reweighting starts from the generator's own line
  shape. ``width_scheme = "running"`` selects the s-dependent width.
- Gamma_Z is held at the parameter card's value (``DECAY 23``) and kappa at
  its reference value 1 / (4 sin^2 theta_0 cos^2 theta_0). Only the pole
  position and the vector couplings move. This neglects that in the G_F
  scheme kappa grows like m_Z^2 and Gamma_Z like m_Z^3, changes of the Z rate
  of order 2 and 3 times delta m_Z / m_Z that a shape fit absorbs in the
  normalisation.
- One effective angle serves quarks and leptons alike.

Initial states that are not a q qbar pair of one flavour are mapped onto one
or two quark lines (`quark_lines`). For q g the boson couples to the line of
the incoming quark. For two quarks of different flavours or charges it couples
to either incoming line, and the two are averaged. For g g it couples to the
outgoing quark pair, with no preferred direction. This neglects how the extra
partons change the angular distribution and which line the boson attaches to
in each diagram.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import FipfitError
from fipfit.events import missing_column_error

if TYPE_CHECKING:
    from fipfit.formats.lhe import ParameterCard

__all__ = [
    "MODEL",
    "TRUTH_COLUMNS",
    "LineshapeSettings",
    "ZLineshapeModel",
    "matrix_element",
    "quark_lines",
    "settings_from_card",
    "sin2theta_from_inputs",
    "weight_derivatives",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Electric charge and weak isospin T3 of the down-type (d, s, b) and
#: up-type (u, c) quarks, by PDG code 1 to 5, and of the charged leptons.
_QUARK_CHARGE = np.array([0.0, -1 / 3, 2 / 3, -1 / 3, 2 / 3, -1 / 3])
_QUARK_ISOSPIN = np.array([0.0, -0.5, 0.5, -0.5, 0.5, -0.5])
_LEPTON_CHARGE = -1.0
_LEPTON_ISOSPIN = -0.5

#: Generator-level columns that `ZLineshapeModel.weight_at` reads.
TRUTH_COLUMNS = (
    "true_mll",
    "true_cos_theta",
    "true_quark1",
    "true_direction1",
    "true_quark2",
    "true_direction2",
)

_WIDTH_SCHEMES = ("fixed", "running")


@dataclass(frozen=True)
class LineshapeSettings:
    """Reference point and fixed inputs of the line-shape model.

    Attributes
    ----------
    mz : float
        Z mass m_Z at the reference point, in GeV.
    sin2theta : float
        Effective weak mixing angle sin^2 theta_eff at the reference point.
    width : float
        Z width Gamma_Z in GeV, held fixed.
    kappa : float
        Strength of Z exchange relative to photon exchange, held fixed; by
        default 1 / (4 sin^2 theta cos^2 theta) at the reference point.
    width_scheme : {"fixed", "running"}
        Breit-Wigner with a fixed width or one growing like s / m_Z^2.
    """

    mz: float
    sin2theta: float
    width: float
    kappa: float
    width_scheme: str = "fixed"

    def __post_init__(self) -> None:
        for name in ("mz", "width", "kappa"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise FipfitError(
                    f"line-shape setting '{name}' must be a positive number, "
                    f"got {value}"
                )
        if not 0 < self.sin2theta < 1:
            raise FipfitError(
                f"sin2theta must lie between 0 and 1, got {self.sin2theta}"
            )
        if self.width_scheme not in _WIDTH_SCHEMES:
            raise FipfitError(
                f"width_scheme must be one of {list(_WIDTH_SCHEMES)}, "
                f"got '{self.width_scheme}'"
            )

    @classmethod
    def from_reference(
        cls,
        mz: float,
        sin2theta: float,
        width: float,
        *,
        width_scheme: str = "fixed",
    ) -> LineshapeSettings:
        """Build settings with kappa = 1 / (4 sin^2 theta cos^2 theta)."""
        if not 0 < sin2theta < 1:
            raise FipfitError(f"sin2theta must lie between 0 and 1, got {sin2theta}")
        kappa = 1.0 / (4.0 * sin2theta * (1.0 - sin2theta))
        return cls(mz, sin2theta, width, kappa, width_scheme)

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> LineshapeSettings:
        """Read the settings stored in an event file's metadata."""
        missing = [
            key for key in ("mz", "sin2theta", "width", "kappa") if key not in settings
        ]
        if missing:
            raise FipfitError(
                f"line-shape settings lack {missing}: convert the file again "
                "with 'fipfit convert --reweight zlineshape'"
            )
        try:
            return cls(
                mz=float(settings["mz"]),
                sin2theta=float(settings["sin2theta"]),
                width=float(settings["width"]),
                kappa=float(settings["kappa"]),
                width_scheme=str(settings.get("width_scheme", "fixed")),
            )
        except (TypeError, ValueError) as error:
            raise FipfitError(f"invalid line-shape settings: {error}") from None

    def to_mapping(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready dictionary."""
        return asdict(self)


def sin2theta_from_inputs(
    alpha_inverse: float, fermi_constant: float, mz: float
) -> float:
    """Derive sin^2 theta from alpha, G_F and m_Z at tree level.

    This is the electroweak scheme of MadGraph5's ``sm`` model, whose inputs
    are aEWM1 = 1/alpha, Gf and MZ: m_W^2 = m_Z^2/2 + sqrt(m_Z^4/4 - pi alpha
    m_Z^2 / (sqrt(2) G_F)) and sin^2 theta = 1 - m_W^2 / m_Z^2.

    Raises
    ------
    FipfitError
        If the inputs admit no real m_W.
    """
    alpha = 1.0 / alpha_inverse
    discriminant = mz**4 / 4.0 - math.pi * alpha * mz**2 / (
        math.sqrt(2.0) * fermi_constant
    )
    if discriminant < 0:
        raise FipfitError(
            f"aEWM1 = {alpha_inverse}, Gf = {fermi_constant} and MZ = {mz} give no "
            "real W mass: check the parameter card"
        )
    mw2 = mz**2 / 2.0 + math.sqrt(discriminant)
    return 1.0 - mw2 / mz**2


def quark_lines(
    incoming_id: ArrayLike,
    incoming_pz: ArrayLike,
    outgoing_quark: ArrayLike,
) -> tuple[IntArray, IntArray]:
    """Assign each event one or two quark lines that couple to the boson.

    Parameters
    ----------
    incoming_id : array-like of int, shape (n_events, 2)
        PDG ids of the two incoming partons (21 for a gluon).
    incoming_pz : array-like, shape (n_events, 2)
        Their longitudinal momenta, in GeV.
    outgoing_quark : array-like of int, shape (n_events,)
        PDG id of an outgoing quark or antiquark, 0 if there is none. Only
        g g initial states use it.

    Returns
    -------
    quark : ndarray of int64, shape (n_events, 2)
        Quark flavour (PDG code 1 to 5) of each line; 0 in the second column
        marks an event with one line.
    direction : ndarray of int64, shape (n_events, 2)
        +1 or -1 if the line's quark (not antiquark) moves along +z or -z, 0
        if the direction is unknown and the angular distribution is averaged
        over it.

    Notes
    -----
    A q qbar pair of one flavour, and q g, give one line with the quark's
    direction (for qbar g the quark comes from the gluon, opposite to the
    antiquark). Two incoming quarks of any other combination give both lines,
    averaged. g g gives the outgoing quark's flavour without direction, and
    an event with no quark at all an up-type and a down-type line, averaged.
    """
    ids = np.asarray(incoming_id, dtype=np.int64)
    pz = np.asarray(incoming_pz, dtype=np.float64)
    outgoing = np.abs(np.asarray(outgoing_quark, dtype=np.int64))
    is_quark = (np.abs(ids) >= 1) & (np.abs(ids) <= 5)
    flavour = np.where(is_quark, np.abs(ids), 0)
    direction = np.where(is_quark, np.sign(ids) * np.sign(pz), 0).astype(np.int64)

    n_quarks = is_quark.sum(axis=1)
    annihilation = (n_quarks == 2) & (ids[:, 0] == -ids[:, 1])
    quark = np.zeros_like(ids)
    line_direction = np.zeros_like(ids)

    # Two quarks: both lines, except for a q qbar pair of one flavour.
    two_quarks = n_quarks == 2
    quark[two_quarks] = flavour[two_quarks]
    line_direction[two_quarks] = direction[two_quarks]
    quark[annihilation, 1] = 0
    line_direction[annihilation, 1] = 0

    # One quark and a gluon: the quark's line.
    column = np.argmax(is_quark, axis=1)
    rows = np.flatnonzero(n_quarks == 1)
    quark[rows, 0] = flavour[rows, column[rows]]
    line_direction[rows, 0] = direction[rows, column[rows]]

    # No incoming quark: the outgoing pair's flavour, or u and d.
    no_quark = n_quarks == 0
    known = no_quark & (outgoing >= 1) & (outgoing <= 5)
    quark[known, 0] = outgoing[known]
    unknown = no_quark & ~known
    quark[unknown, 0] = 2
    quark[unknown, 1] = 1
    return quark, line_direction


def _propagator(
    s: FloatArray, settings: LineshapeSettings, mz: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Return Re(chi), |chi|^2 and their derivatives with respect to m_Z."""
    kappa, width = settings.kappa, settings.width
    offset = s - mz**2
    if settings.width_scheme == "fixed":
        denominator = offset**2 + (mz * width) ** 2
        d_denominator = -4.0 * mz * offset + 2.0 * mz * width**2
    else:
        denominator = offset**2 + (s * width / mz) ** 2
        d_denominator = -4.0 * mz * offset - 2.0 * s**2 * width**2 / mz**3
    real = kappa * s * offset / denominator
    square = (kappa * s) ** 2 / denominator
    d_real = kappa * s * (-2.0 * mz * denominator - offset * d_denominator)
    d_real /= denominator**2
    d_square = -((kappa * s) ** 2) * d_denominator / denominator**2
    return real, square, d_real, d_square


def _line(
    s: FloatArray,
    cos_theta: FloatArray,
    quark: IntArray,
    direction: IntArray,
    mz: float,
    sin2theta: float,
    settings: LineshapeSettings,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return |M|^2 of one quark line and its derivatives in m_Z and sin^2."""
    charge_q = _QUARK_CHARGE[quark]
    isospin_q = _QUARK_ISOSPIN[quark]
    charge_l, isospin_l = _LEPTON_CHARGE, _LEPTON_ISOSPIN
    vector_q = isospin_q - 2.0 * charge_q * sin2theta
    vector_l = isospin_l - 2.0 * charge_l * sin2theta
    axial_q, axial_l = isospin_q, isospin_l
    # Derivatives of the vector couplings with respect to sin^2 theta.
    d_vector_q = -2.0 * charge_q
    d_vector_l = -2.0 * charge_l

    real, square, d_real, d_square = _propagator(s, settings, mz)
    charges = charge_q * charge_l
    vv = vector_q * vector_l
    d_vv = d_vector_q * vector_l + vector_q * d_vector_l
    norm_q = vector_q**2 + axial_q**2
    norm_l = vector_l**2 + axial_l**2
    d_norms = (
        2.0 * vector_q * d_vector_q * norm_l + norm_q * 2.0 * vector_l * d_vector_l
    )
    axials = axial_q * axial_l

    even = charges**2 + 2.0 * charges * vv * real + norm_q * norm_l * square
    odd = 4.0 * charges * axials * real + 8.0 * axials * vv * square
    even_mz = 2.0 * charges * vv * d_real + norm_q * norm_l * d_square
    odd_mz = 4.0 * charges * axials * d_real + 8.0 * axials * vv * d_square
    even_s2 = 2.0 * charges * d_vv * real + d_norms * square
    odd_s2 = 8.0 * axials * d_vv * square

    oriented = direction * cos_theta
    angular = 1.0 + cos_theta**2
    value = angular * even + oriented * odd
    d_mz = angular * even_mz + oriented * odd_mz
    d_s2 = angular * even_s2 + oriented * odd_s2
    return value, d_mz, d_s2


def matrix_element(
    mll: ArrayLike,
    cos_theta: ArrayLike,
    quark: ArrayLike,
    direction: ArrayLike,
    theta: ArrayLike,
    settings: LineshapeSettings,
) -> tuple[FloatArray, FloatArray]:
    """Compute |M|^2 and its gradient in theta = (m_Z, sin^2 theta_eff).

    Parameters
    ----------
    mll : array-like of shape (n_events,)
        True pair mass, in GeV.
    cos_theta : array-like of shape (n_events,)
        Collins-Soper cos(theta) of the negative lepton with the z axis along
        the first beam (+z).
    quark, direction : array-like of int, shape (n_events, 2)
        Quark lines from `quark_lines`.
    theta : array-like of shape (2,)
        (m_Z in GeV, sin^2 theta_eff).
    settings : LineshapeSettings

    Returns
    -------
    value : ndarray of shape (n_events,)
        |M|^2 in units of the photon term of a unit-charge quark at c = 0,
        averaged over the event's quark lines. Positive for |c| <= 1.
    gradient : ndarray of shape (n_events, 2)
        Derivatives of `value` with respect to m_Z and sin^2 theta_eff.
    """
    s = np.asarray(mll, dtype=np.float64) ** 2
    cos = np.asarray(cos_theta, dtype=np.float64)
    quarks = np.asarray(quark, dtype=np.int64)
    directions = np.asarray(direction, dtype=np.int64)
    mz, sin2theta = (float(v) for v in np.asarray(theta, dtype=np.float64))
    value, d_mz, d_s2 = _line(
        s, cos, quarks[:, 0], directions[:, 0], mz, sin2theta, settings
    )
    second = quarks[:, 1] > 0
    if second.any():
        value2, d_mz2, d_s22 = _line(
            s[second],
            cos[second],
            quarks[second, 1],
            directions[second, 1],
            mz,
            sin2theta,
            settings,
        )
        value[second] = 0.5 * (value[second] + value2)
        d_mz[second] = 0.5 * (d_mz[second] + d_mz2)
        d_s2[second] = 0.5 * (d_s2[second] + d_s22)
    return value, np.column_stack([d_mz, d_s2])


def weight_derivatives(
    weight: ArrayLike,
    mll: ArrayLike,
    cos_theta: ArrayLike,
    quark: ArrayLike,
    direction: ArrayLike,
    settings: LineshapeSettings,
) -> FloatArray:
    """Return dw/dtheta = w d log|M|^2 / dtheta at theta_0, shape (n_events, 2)."""
    theta0 = np.array([settings.mz, settings.sin2theta])
    value, gradient = matrix_element(mll, cos_theta, quark, direction, theta0, settings)
    w = np.asarray(weight, dtype=np.float64)
    return np.asarray(w[:, np.newaxis] * gradient / value[:, np.newaxis])


class ZLineshapeModel:
    """The line-shape reweighting as a `fipfit.weightmodels.WeightModel`."""

    name = "zlineshape"

    def parameter_names(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """Return ("mz", "sin2theta"), in GeV and dimensionless."""
        return ("mz", "sin2theta")

    def theta0(self, settings: Mapping[str, Any]) -> FloatArray:
        """Return the generator's (m_Z, sin^2 theta_eff) stored in `settings`."""
        resolved = LineshapeSettings.from_mapping(settings)
        return np.array([resolved.mz, resolved.sin2theta])

    def weight_at(
        self, frame: pd.DataFrame, theta: ArrayLike, settings: Mapping[str, Any]
    ) -> FloatArray:
        """Return weight * |M(theta)|^2 / |M(theta_0)|^2, shape (n_events,)."""
        resolved = LineshapeSettings.from_mapping(settings)
        point = np.asarray(theta, dtype=np.float64)
        if point.shape != (2,) or not np.all(np.isfinite(point)):
            raise FipfitError(
                f"theta for 'zlineshape' must be two finite numbers (mz, "
                f"sin2theta), got {point.tolist()}"
            )
        for column in ("weight", *TRUTH_COLUMNS):
            if column not in frame.columns:
                raise missing_column_error(column, frame.columns)
        arguments = _truth_arrays(frame)
        value, _ = matrix_element(*arguments, point, resolved)
        reference, _ = matrix_element(
            *arguments, np.array([resolved.mz, resolved.sin2theta]), resolved
        )
        weight = frame["weight"].to_numpy(dtype=np.float64)
        return np.asarray(weight * value / reference)


def _truth_arrays(
    frame: pd.DataFrame,
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    quark = np.column_stack(
        [frame["true_quark1"].to_numpy(), frame["true_quark2"].to_numpy()]
    ).astype(np.int64)
    direction = np.column_stack(
        [frame["true_direction1"].to_numpy(), frame["true_direction2"].to_numpy()]
    ).astype(np.int64)
    return (
        frame["true_mll"].to_numpy(dtype=np.float64),
        frame["true_cos_theta"].to_numpy(dtype=np.float64),
        quark,
        direction,
    )


#: The instance that the weight-model registry names "zlineshape".
MODEL = ZLineshapeModel()


def settings_from_card(
    card: ParameterCard | None,
    *,
    mz: float | None = None,
    width: float | None = None,
    sin2theta: float | None = None,
    width_scheme: str = "fixed",
) -> tuple[LineshapeSettings, dict[str, str]]:
    """Build the reference settings from a parameter card and explicit values.

    Each explicit value replaces the card's. Otherwise m_Z is ``MASS 23``,
    Gamma_Z is ``DECAY 23``, and sin^2 theta_eff is derived from aEWM1, Gf and
    MZ (`sin2theta_from_inputs`, the scheme of MadGraph5's ``sm`` model), or
    from 1 - MW^2/MZ^2 where the card gives MW but not Gf.

    Returns
    -------
    settings : LineshapeSettings
    sources : dict of str to str
        Where each of ``mz``, ``width`` and ``sin2theta`` came from.

    Raises
    ------
    FipfitError
        If a value is neither given nor in the card.
    """
    values = {"mz": mz, "width": width, "sin2theta": sin2theta}
    sources = {key: "given" for key, value in values.items() if value is not None}
    if card is not None:
        if mz is None and card.value("mass", 23) is not None:
            values["mz"] = card.value("mass", 23)
            sources["mz"] = "parameter card MASS 23"
        if width is None and 23 in card.decays:
            values["width"] = card.decays[23]
            sources["width"] = "parameter card DECAY 23"
        if sin2theta is None:
            values["sin2theta"], sources["sin2theta"] = _card_sin2theta(card)
    found = {key: value for key, value in values.items() if value is not None}
    missing = [key for key in values if key not in found]
    if missing:
        options = ", ".join(f"--{key}" for key in missing)
        raise FipfitError(
            f"the line-shape reference point lacks {missing}: the input has no "
            f"parameter card that gives them, so pass {options}"
        )
    settings = LineshapeSettings.from_reference(
        found["mz"], found["sin2theta"], found["width"], width_scheme=width_scheme
    )
    return settings, sources


def _card_sin2theta(card: ParameterCard) -> tuple[float | None, str]:
    mz = card.value("mass", 23)
    alpha_inverse = card.value("sminputs", 1)
    fermi_constant = card.value("sminputs", 2)
    if mz is not None and alpha_inverse is not None and fermi_constant is not None:
        value = sin2theta_from_inputs(alpha_inverse, fermi_constant, mz)
        return value, "1 - MW^2/MZ^2 with MW from aEWM1, Gf and MZ at tree level"
    mw = card.value("mass", 24)
    if mz is not None and mw is not None:
        return 1.0 - (mw / mz) ** 2, "1 - MW^2/MZ^2 from MASS 24 and MASS 23"
    return None, "missing"
