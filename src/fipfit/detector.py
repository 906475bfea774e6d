"""A simple dilepton detector: acceptance, momentum resolution and selection.

Each lepton is accepted if pT > `pt_min` and |eta| < `eta_max`. Its curvature
1/pT is measured with a Gaussian relative error sigma(eta) that grows from
`resolution_central` at eta = 0 to `resolution_forward` at |eta| = eta_max,

    sigma(eta) = central + (forward - central) * min(|eta| / eta_max, 1)^2,

while its direction (eta, phi) is measured exactly, as in a tracker whose
angular resolution is far finer than its curvature resolution. The defaults,
1 % at eta = 0 rising to 3 % at |eta| = 2.4, are round illustrative values,
not a tuned model of any experiment. An event is selected when both leptons
are accepted, they have opposite charges and the measured pair mass lies in
[`mll_min`, `mll_max`].

The measured columns are the same for simulated and recorded events, so that
the features a regressor learns on simulation exist in data: lepton 1 is the
negative lepton and lepton 2 the positive one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import FipfitError
from fipfit.reweighting.kinematics import (
    FourMomentum,
    azimuth,
    collins_soper_cos_theta,
    invariant_mass,
    pseudorapidity,
    rapidity,
    transverse_momentum,
)

__all__ = ["DetectorModel", "dilepton_columns", "smear_pair"]

FloatArray = NDArray[np.float64]

#: Smallest factor 1 + sigma z applied to the curvature: a draw below it (more
#: than 30 standard deviations at 3 % resolution) is clipped, so that pT stays
#: finite and positive.
_MIN_CURVATURE_FACTOR = 0.05


@dataclass(frozen=True)
class DetectorModel:
    """Acceptance, resolution and selection of a dilepton measurement.

    Attributes
    ----------
    pt_min : float
        Minimum lepton pT, in GeV.
    eta_max : float
        Maximum lepton |eta|.
    resolution_central, resolution_forward : float
        Relative curvature (1/pT) resolution at eta = 0 and at |eta| = eta_max.
    mll_min, mll_max : float
        Window of the measured pair mass, in GeV.
    """

    pt_min: float = 20.0
    eta_max: float = 2.4
    resolution_central: float = 0.01
    resolution_forward: float = 0.03
    mll_min: float = 60.0
    mll_max: float = 120.0

    def __post_init__(self) -> None:
        for name in ("eta_max", "resolution_central", "resolution_forward"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise FipfitError(
                    f"detector setting '{name}' must be positive, got {value}"
                )
        if not self.mll_min < self.mll_max:
            raise FipfitError(
                f"the pair-mass window [{self.mll_min}, {self.mll_max}] is empty: "
                "give the lower edge first"
            )

    def resolution(self, eta: ArrayLike) -> FloatArray:
        """Return the relative curvature resolution sigma(eta), shape of `eta`."""
        reach = np.minimum(np.abs(np.asarray(eta, dtype=np.float64)) / self.eta_max, 1)
        spread = self.resolution_forward - self.resolution_central
        return np.asarray(self.resolution_central + spread * reach**2)

    def accepted(self, pt: ArrayLike, eta: ArrayLike) -> NDArray[np.bool_]:
        """Return whether each lepton is inside the acceptance."""
        return np.asarray(
            (np.asarray(pt) > self.pt_min) & (np.abs(np.asarray(eta)) < self.eta_max)
        )

    def select(
        self, columns: dict[str, FloatArray], opposite_charge: ArrayLike = True
    ) -> NDArray[np.bool_]:
        """Return the selection of events with measured `dilepton_columns`."""
        mll = columns["mll"]
        return np.asarray(
            self.accepted(columns["pt1"], columns["eta1"])
            & self.accepted(columns["pt2"], columns["eta2"])
            & (mll >= self.mll_min)
            & (mll <= self.mll_max)
            & np.asarray(opposite_charge, dtype=bool)
        )

    def smear(self, lepton: FourMomentum, normal: FloatArray) -> FourMomentum:
        """Return the measured four-momenta for standard normal draws `normal`.

        The curvature 1/pT is scaled by 1 + sigma(eta) * normal, the direction
        is kept, and the energy follows from the lepton's mass.
        """
        eta = pseudorapidity(lepton)
        factor = 1.0 + self.resolution(eta) * normal
        scale = 1.0 / np.maximum(factor, _MIN_CURVATURE_FACTOR)
        mass2 = np.maximum(
            lepton.e**2 - lepton.px**2 - lepton.py**2 - lepton.pz**2, 0.0
        )
        px, py, pz = lepton.px * scale, lepton.py * scale, lepton.pz * scale
        energy = np.sqrt(px**2 + py**2 + pz**2 + mass2)
        return FourMomentum(energy, px, py, pz)

    def to_mapping(self) -> dict[str, Any]:
        """Return the settings, with the resolution formula, for file metadata."""
        settings: dict[str, Any] = asdict(self)
        settings["resolution"] = (
            "sigma(1/pT)/(1/pT) = central + (forward - central) * "
            "min(|eta|/eta_max, 1)^2"
        )
        return settings


def dilepton_columns(
    negative: FourMomentum, positive: FourMomentum
) -> dict[str, FloatArray]:
    """Compute the pair observables, each of shape (n_events,).

    Returns
    -------
    dict
        ``mll`` (pair mass, GeV), ``ptll`` (pair pT, GeV), ``yll`` (pair
        rapidity), ``cos_theta_cs`` (Collins-Soper angle of the negative lepton,
        z axis along the pair's longitudinal momentum), and ``pt1``, ``eta1``,
        ``phi1`` of the negative and ``pt2``, ``eta2``, ``phi2`` of the positive
        lepton.
    """
    pair = negative.plus(positive)
    return {
        "mll": invariant_mass(pair),
        "ptll": transverse_momentum(pair),
        "yll": rapidity(pair),
        "cos_theta_cs": collins_soper_cos_theta(negative, positive, axis="pair"),
        "pt1": transverse_momentum(negative),
        "eta1": pseudorapidity(negative),
        "phi1": azimuth(negative),
        "pt2": transverse_momentum(positive),
        "eta2": pseudorapidity(positive),
        "phi2": azimuth(positive),
    }


def smear_pair(
    negative: FourMomentum,
    positive: FourMomentum,
    model: DetectorModel,
    n_smearings: int,
    rng: np.random.Generator,
) -> tuple[FourMomentum, FourMomentum]:
    """Measure each lepton pair `n_smearings` times.

    Returns four-momenta of shape (n_events * n_smearings,), event-major: the
    K measurements of event 0 come first. The draws are taken event by event,
    so that splitting the events into chunks does not change them.
    """
    if n_smearings < 1:
        raise FipfitError(f"number of smearings must be at least 1, got {n_smearings}")
    n = negative.e.shape[0]
    normal = rng.standard_normal((n, n_smearings, 2))
    repeated_negative = _repeat(negative, n_smearings)
    repeated_positive = _repeat(positive, n_smearings)
    return (
        model.smear(repeated_negative, normal[:, :, 0].ravel()),
        model.smear(repeated_positive, normal[:, :, 1].ravel()),
    )


def _repeat(p: FourMomentum, times: int) -> FourMomentum:
    return FourMomentum(*(np.repeat(component, times) for component in p))
