"""Toy model ``eft``: two couplings c1, c2 of an effective field theory.

Generator level: an energy-like variable ``true_z`` with the falling spectrum
exp(-(z - z_min) / z_slope) on [z_min, z_max], and an azimuthal angle
``true_phi`` ~ Uniform(-pi, pi). Every signal event has weight 1 at the
Standard Model point c = (0, 0). Its weight at c is the weight at c = 0 times
|A|^2, with the amplitude ratio

    A(z, phi) = 1 + c1 * c1_slope * z + c2 * (c2_slope * z * cos(phi) + c2_offset)

so w(c) = w_SM * (1 + c1 g1 + c1^2 g2 + c2 h1 + c2^2 h2 + c1 c2 k) with
g1 = 2 c1_slope z and h1 = 2 (c2_slope z cos(phi) + c2_offset). A square cannot
be negative, so the weights stay valid at every c. dweight_c1 = weight * g1 and
dweight_c2 = weight * h1. Both derivatives grow with z, and the constant term
of h1 makes the two-parameter information matrix non-diagonal.

Detector level: two energy measurements e1 = z + Normal(0, sigma_e1) and
e2 = z + Normal(0, sigma_e2), and the angle phi = true_phi + Normal(0,
sigma_phi), wrapped into [-pi, pi). The selection is e1 > e1_min.

Background: round(bkg_fraction * n) events with weight 1 and dweight 0, with
the spectrum exp(-(z - z_min) / bkg_slope) on [z_min, z_max], a uniform angle
and the same detector response.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, special

from fipfit.events import missing_column_error
from fipfit.toymodels._common import (
    ToyModel,
    as_theta,
    background_count,
    check_increasing,
    check_non_negative,
    check_positive,
    truncated_exponential,
    truncated_exponential_pdf,
)

__all__ = ["MODEL", "EftModel"]

FloatArray = NDArray[np.float64]

#: Half-width of the integration range of the combined energy, in units of its
#: resolution, beyond [z_min, z_max]: the densities there are below exp(-72).
_RANGE_IN_SIGMA = 12.0


class EftModel(ToyModel):
    """Two EFT couplings with energy-growing interference; see the module docstring."""

    name = "eft"
    summary = "two EFT couplings, a falling energy spectrum and an angle"
    defaults: Mapping[str, float] = {
        "z_min": 1.0,
        "z_max": 6.0,
        "z_slope": 1.0,
        "c1_slope": 0.3,
        "c2_slope": 0.3,
        "c2_offset": 0.3,
        "sigma_e1": 0.3,
        "sigma_e2": 0.6,
        "sigma_phi": 0.5,
        "e1_min": 1.2,
        "bkg_fraction": 0.3,
        "bkg_slope": 0.5,
    }
    units: Mapping[str, str] = {
        "z_min": "TeV",
        "z_max": "TeV",
        "z_slope": "TeV",
        "c1_slope": "amplitude per unit c1 per TeV",
        "c2_slope": "amplitude per unit c2 per TeV",
        "c2_offset": "amplitude per unit c2",
        "sigma_e1": "TeV",
        "sigma_e2": "TeV",
        "sigma_phi": "rad",
        "e1_min": "TeV",
        "bkg_fraction": "background events per signal event",
        "bkg_slope": "TeV",
    }

    def check_settings(self, settings: Mapping[str, float]) -> None:
        """Raise `FipfitError` for non-positive scales or an empty z range."""
        check_positive(settings, "z_slope", "sigma_e1", "sigma_e2", "bkg_slope")
        check_non_negative(settings, "sigma_phi", "bkg_fraction")
        check_increasing(settings, "z_min", "z_max")

    def parameter_names(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """Return ("c1", "c2"), the order of ``dweight_c1`` and ``dweight_c2``."""
        return ("c1", "c2")

    def theta0(self, settings: Mapping[str, Any]) -> FloatArray:
        """Return the Standard Model point (0, 0)."""
        return np.zeros(2)

    def weight_at(
        self, frame: pd.DataFrame, theta: ArrayLike, settings: Mapping[str, Any]
    ) -> FloatArray:
        """Return each event's weight at couplings `theta` = (c1, c2).

        Signal weights are the stored ``weight`` times |A(true_z, true_phi)|^2;
        background weights do not change.
        """
        resolved = self.resolve_settings(settings)
        c1, c2 = as_theta(theta, 2, self.name)
        for column in ("weight", "label", "true_z", "true_phi"):
            if column not in frame.columns:
                raise missing_column_error(column, frame.columns)
        weight = frame["weight"].to_numpy(dtype=np.float64)
        z = frame["true_z"].to_numpy(dtype=np.float64)
        phi = frame["true_phi"].to_numpy(dtype=np.float64)
        signal = frame["label"].to_numpy() == 1
        amplitude = (
            1.0
            + c1 * resolved["c1_slope"] * z
            + c2 * (resolved["c2_slope"] * z * np.cos(phi) + resolved["c2_offset"])
        )
        return np.where(signal, weight * amplitude**2, weight)

    def _generate(
        self, n: int, rng: np.random.Generator, settings: Mapping[str, float]
    ) -> pd.DataFrame:
        z_min, z_max = settings["z_min"], settings["z_max"]
        n_background = background_count(n, settings["bkg_fraction"])
        total = n + n_background

        z = np.concatenate(
            [
                truncated_exponential(rng, n, z_min, z_max, settings["z_slope"]),
                truncated_exponential(
                    rng, n_background, z_min, z_max, settings["bkg_slope"]
                ),
            ]
        )
        true_phi = rng.uniform(-np.pi, np.pi, total)
        e1 = z + settings["sigma_e1"] * rng.standard_normal(total)
        e2 = z + settings["sigma_e2"] * rng.standard_normal(total)
        smeared = true_phi + settings["sigma_phi"] * rng.standard_normal(total)
        phi = np.mod(smeared + np.pi, 2.0 * np.pi) - np.pi

        label = np.repeat(np.array([1, 0], dtype=np.int8), [n, n_background])
        signal = label == 1
        weight = np.ones(total)
        g1 = 2.0 * settings["c1_slope"] * z
        h1 = 2.0 * (settings["c2_slope"] * z * np.cos(true_phi) + settings["c2_offset"])
        return pd.DataFrame(
            {
                "weight": weight,
                "dweight_c1": np.where(signal, weight * g1, 0.0),
                "dweight_c2": np.where(signal, weight * h1, 0.0),
                "label": label,
                "selected": e1 > settings["e1_min"],
                "true_z": z,
                "true_phi": true_phi,
                "e1": e1,
                "e2": e2,
                "phi": phi,
            },
            copy=False,
        )

    def combined_energy(self, frame: pd.DataFrame, **settings: Any) -> FloatArray:
        """Return the inverse-variance mean of e1 and e2, shape (n_events,).

        With Gaussian resolutions independent of z, this is a sufficient
        statistic of (e1, e2) for z: fine partitions of (combined energy, phi)
        reach the ``detector`` reference.
        """
        resolved = self.resolve_settings(settings)
        for column in ("e1", "e2"):
            if column not in frame.columns:
                raise missing_column_error(column, frame.columns)
        share = _e1_share(resolved)
        e1 = frame["e1"].to_numpy(dtype=np.float64)
        e2 = frame["e2"].to_numpy(dtype=np.float64)
        return np.asarray(share * e1 + (1.0 - share) * e2, dtype=np.float64)

    def reference_information(self, n: float, **settings: Any) -> dict[str, FloatArray]:
        """Compute the 2 x 2 information matrices of n signal events.

        Keys
        ----
        ideal
            n E[g g^T] with g = (g1, h1) over the generated z and phi, whose
            moments E[z] and E[z^2] come from `scipy.integrate.quad`.
        detector
            The limit of fine partitions of the selected (e1, e2, phi): the
            integral of (ds/dc_i)(ds/dc_j) / (s + b) over the detector-level
            densities. See `_detector_information` for its reduction to one
            dimension.
        """
        resolved = self.resolve_settings(settings)
        return {
            "ideal": n * _ideal_information(resolved),
            "detector": n * _detector_information(resolved),
        }


def _e1_share(settings: Mapping[str, float]) -> float:
    """Return the weight of e1 in the inverse-variance mean of e1 and e2."""
    variance1, variance2 = settings["sigma_e1"] ** 2, settings["sigma_e2"] ** 2
    return variance2 / (variance1 + variance2)


def _ideal_information(settings: Mapping[str, float]) -> FloatArray:
    """Return E[g g^T] per signal event, shape (2, 2)."""
    z_min, z_max, slope = settings["z_min"], settings["z_max"], settings["z_slope"]

    def moment(power: int) -> float:
        value, _ = integrate.quad(
            lambda z: (
                z**power * float(truncated_exponential_pdf(z, z_min, z_max, slope))
            ),
            z_min,
            z_max,
            epsabs=1e-13,
            epsrel=1e-12,
        )
        return float(value)

    mean, mean_square = moment(1), moment(2)
    a1, a2, a0 = settings["c1_slope"], settings["c2_slope"], settings["c2_offset"]
    # E[cos(phi)] = 0 and E[cos(phi)^2] = 1/2 for uniform phi.
    return 4.0 * np.array(
        [
            [a1**2 * mean_square, a1 * a0 * mean],
            [a1 * a0 * mean, a2**2 * mean_square / 2.0 + a0**2],
        ]
    )


def _normal_interval(low: FloatArray, high: FloatArray) -> FloatArray:
    """Return Phi(high) - Phi(low) without cancellation in the upper tail."""
    upper_tail = special.ndtr(-low) - special.ndtr(-high)
    return np.where(low > 0, upper_tail, special.ndtr(high) - special.ndtr(low))


def _smeared_moments(
    energy: FloatArray, settings: Mapping[str, float], slope: float, sigma: float
) -> tuple[FloatArray, FloatArray]:
    """Return M_k(e) = integral of p(z) z^k Normal(e; z, sigma) dz for k = 0, 1.

    p is the spectrum exp(-(z - z_min) / slope) on [z_min, z_max], normalised.
    Completing the square turns p(z) Normal(e; z, sigma) into a constant times
    Normal(z; e - sigma^2 / slope, sigma). The truncated moments of that normal
    are closed forms in the normal distribution function.
    """
    z_min, z_max = settings["z_min"], settings["z_max"]
    norm = slope * -math.expm1(-(z_max - z_min) / slope)
    centre = energy - sigma**2 / slope
    factor = np.exp(-(energy - z_min) / slope + sigma**2 / (2.0 * slope**2)) / norm
    low = (z_min - centre) / sigma
    high = (z_max - centre) / sigma
    mass = _normal_interval(low, high)
    density_step = (np.exp(-0.5 * high**2) - np.exp(-0.5 * low**2)) / math.sqrt(
        2.0 * math.pi
    )
    moment0 = factor * mass
    moment1 = factor * (centre * mass - sigma * density_step)
    return moment0, moment1


def _detector_information(settings: Mapping[str, float]) -> FloatArray:
    """Return the detector-level information per signal event, shape (2, 2).

    Notes
    -----
    Change (e1, e2) to the inverse-variance mean e and the difference
    d = e1 - e2 (unit Jacobian). Given z they are independent normals,
    e ~ Normal(z, sigma_c) with sigma_c^-2 = sigma_e1^-2 + sigma_e2^-2, and
    d ~ Normal(0, sqrt(sigma_e1^2 + sigma_e2^2)) whatever z. Smearing the angle
    turns cos(true_phi) into exp(-sigma_phi^2 / 2) cos(phi) and keeps the
    uniform part uniform. So, per unit (e, d, phi), with M_k the spectrum's
    smeared moments (`_smeared_moments`):

        s      = Normal(d) M_0(e) / (2 pi)
        ds/dc1 = Normal(d) 2 c1_slope M_1(e) / (2 pi)
        ds/dc2 = Normal(d) 2 (c2_slope rho cos(phi) M_1(e) + c2_offset M_0(e)) / (2 pi)

    with rho = exp(-sigma_phi^2 / 2), and b has the same form. The selection
    e1 = e + sigma_e1^2 / (sigma_e1^2 + sigma_e2^2) d > e1_min cuts d only,
    with probability Q(e). The phi and d integrals are then closed forms, and
    `scipy.integrate.quad` does the one left over e.
    """
    sigma1, sigma2 = settings["sigma_e1"], settings["sigma_e2"]
    sigma_c = sigma1 * sigma2 / math.hypot(sigma1, sigma2)
    sigma_d = math.hypot(sigma1, sigma2)
    rho = math.exp(-0.5 * settings["sigma_phi"] ** 2)
    a1, a2, a0 = settings["c1_slope"], settings["c2_slope"], settings["c2_offset"]
    fraction = settings["bkg_fraction"]

    def integrands(energy: float) -> FloatArray:
        e = np.array([energy])
        signal0, signal1 = _smeared_moments(e, settings, settings["z_slope"], sigma_c)
        background0, _ = _smeared_moments(e, settings, settings["bkg_slope"], sigma_c)
        total = float(signal0[0] + fraction * background0[0])
        if total <= 0.0:
            return np.zeros(3)
        m0, m1 = float(signal0[0]), float(signal1[0])
        selected = float(
            special.ndtr((energy - settings["e1_min"]) * sigma_d / sigma1**2)
        )
        # Averages over phi of products of the derivatives: cos(phi) averages to
        # 0 and cos(phi)^2 to 1/2.
        products = 4.0 * np.array(
            [
                a1**2 * m1**2,
                a1 * a0 * m1 * m0,
                a2**2 * rho**2 * m1**2 / 2.0 + a0**2 * m0**2,
            ]
        )
        return selected * products / total

    low = settings["z_min"] - _RANGE_IN_SIGMA * sigma_c
    high = settings["z_max"] + _RANGE_IN_SIGMA * sigma_c
    # The ends of the spectrum and the threshold are steps smoothed over a few
    # resolutions. Without break points there, adaptive quadrature can miss a
    # narrow step and return a wrong value with a small error estimate.
    selection_width = sigma1**2 / sigma_d
    features = [
        (settings["z_min"], sigma_c),
        (settings["z_max"], sigma_c),
        (settings["e1_min"], selection_width),
    ]
    points = sorted(
        {
            centre + shift * width
            for centre, width in features
            for shift in (-3.0, -1.0, 0.0, 1.0, 3.0)
            if low < centre + shift * width < high
        }
    )
    values, _ = integrate.quad_vec(
        integrands,
        low,
        high,
        points=points,
        epsabs=1e-13,
        epsrel=1e-11,
        limit=2000,
    )
    i11, i12, i22 = (float(v) for v in values)
    return np.array([[i11, i12], [i12, i22]])


#: The model instance that `fipfit.weightmodels.REGISTRY` names.
MODEL = EftModel()
