"""Kinematics of lepton pairs: transverse momentum, rapidity, mass, Collins-Soper angle.

Four-momenta are `FourMomentum` tuples of arrays of shape (n_events,), in GeV,
with the z axis along the first beam. All functions are vectorised numpy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FourMomentum",
    "azimuth",
    "collins_soper_cos_theta",
    "invariant_mass",
    "pseudorapidity",
    "rapidity",
    "transverse_momentum",
]

FloatArray = NDArray[np.float64]


class FourMomentum(NamedTuple):
    """Energy and momentum components, each an array of shape (n_events,)."""

    e: FloatArray
    px: FloatArray
    py: FloatArray
    pz: FloatArray

    def plus(self, other: FourMomentum) -> FourMomentum:
        """Return the sum of two four-momenta, event by event."""
        return FourMomentum(
            self.e + other.e,
            self.px + other.px,
            self.py + other.py,
            self.pz + other.pz,
        )

    def take(self, index: NDArray[np.intp] | NDArray[np.bool_]) -> FourMomentum:
        """Return the four-momenta of the events selected by `index`."""
        return FourMomentum(
            self.e[index], self.px[index], self.py[index], self.pz[index]
        )


def transverse_momentum(p: FourMomentum) -> FloatArray:
    """Return pT = sqrt(px^2 + py^2)."""
    return np.asarray(np.hypot(p.px, p.py), dtype=np.float64)


def azimuth(p: FourMomentum) -> FloatArray:
    """Return the azimuthal angle phi in (-pi, pi]."""
    return np.asarray(np.arctan2(p.py, p.px), dtype=np.float64)


def pseudorapidity(p: FourMomentum) -> FloatArray:
    """Return eta = asinh(pz / pT); infinite for a momentum along the beam."""
    pt = transverse_momentum(p)
    with np.errstate(divide="ignore"):
        # pT = 0 gives +-inf, the limit of asinh(pz / pT).
        return np.asarray(np.arcsinh(p.pz / pt), dtype=np.float64)


def rapidity(p: FourMomentum) -> FloatArray:
    """Return y = log((E + pz) / (E - pz)) / 2."""
    return np.asarray(0.5 * np.log((p.e + p.pz) / (p.e - p.pz)), dtype=np.float64)


def invariant_mass(p: FourMomentum) -> FloatArray:
    """Return m = sqrt(E^2 - |p|^2), with negative rounding errors set to zero."""
    m2 = p.e**2 - p.px**2 - p.py**2 - p.pz**2
    return np.asarray(np.sqrt(np.maximum(m2, 0.0)), dtype=np.float64)


def collins_soper_cos_theta(
    negative: FourMomentum, positive: FourMomentum, *, axis: str = "pair"
) -> FloatArray:
    """Return cos(theta) of the negative lepton in the Collins-Soper frame.

    Parameters
    ----------
    negative, positive : FourMomentum
        The negatively and positively charged leptons.
    axis : {"pair", "beam"}
        ``"pair"`` points the z axis along the pair's longitudinal momentum,
        the usual choice at a pp collider where the quark direction is unknown
        (pairs with pz = 0 keep the first beam's direction). ``"beam"`` keeps it
        along the first beam (+z), so that multiplying by the quark's direction
        (+1 or -1) gives the angle to the incoming quark.

    Notes
    -----
    cos(theta_CS) = 2 (p1+ p2- - p1- p2+) / (m sqrt(m^2 + pT^2)), with
    p+- = (E +- pz) / sqrt(2), lepton 1 the negative one, and m, pT the pair's
    mass and transverse momentum (Collins and Soper, Phys. Rev. D 16 (1977)
    2219). For a pair without transverse momentum it is the cosine of the
    angle between the negative lepton and the z axis in the pair's rest frame.
    """
    if axis not in ("pair", "beam"):
        raise ValueError(f"axis must be 'pair' or 'beam', got {axis!r}")
    pair = negative.plus(positive)
    mass = invariant_mass(pair)
    pt = transverse_momentum(pair)
    plus1 = negative.e + negative.pz
    minus1 = negative.e - negative.pz
    plus2 = positive.e + positive.pz
    minus2 = positive.e - positive.pz
    # The factors 1/sqrt(2) of p+- cancel against the 2 of the numerator.
    cos_theta = (plus1 * minus2 - minus1 * plus2) / (mass * np.sqrt(mass**2 + pt**2))
    if axis == "pair":
        cos_theta = np.where(pair.pz < 0, -cos_theta, cos_theta)
    return np.asarray(np.clip(cos_theta, -1.0, 1.0), dtype=np.float64)
