"""Toy model ``peak``: a resonance mass measured with an eta-dependent resolution.

Signal: the generator-level mass ``true_x`` ~ Normal(theta_0, width); the
pseudorapidity ``eta`` ~ Uniform(-eta_max, eta_max) is measured exactly; the
measured mass is x = true_x + Normal(0, res0 + res1 |eta|). Every signal event
has weight 1 at theta_0, and its weight at theta is the density ratio
Normal(true_x; theta, width) / Normal(true_x; theta_0, width), so that
dweight = (true_x - theta_0) / width^2.

Background: round(bkg_fraction * n) events, x from exp(-(x - lo) / bkg_slope)
truncated to [lo, hi], eta uniform, weight 1, dweight 0. The background count
is relative to the n generated signal events, not to the selected ones.

The selection is lo < x < hi. Signal events outside the window are kept with
``selected`` false, so that the ideal information counts them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import integrate

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

__all__ = ["MODEL", "PeakModel"]

FloatArray = NDArray[np.float64]

#: Gauss-Legendre nodes over eta in [0, eta_max] for the one-dimensional
#: reference. The integrand is a smooth function of eta (Gaussian widths between
#: about 2.5 and 6 at the defaults), so 96 nodes reach double precision.
_ETA_NODES = 96


class PeakModel(ToyModel):
    """A peak whose position theta is measured; see the module docstring."""

    name = "peak"
    summary = "resonance mass with eta-dependent resolution and falling background"
    defaults: Mapping[str, float] = {
        "theta0": 91.19,
        "width": 2.5,
        "eta_max": 2.5,
        "res0": 0.5,
        "res1": 2.0,
        "lo": 70.0,
        "hi": 110.0,
        "bkg_fraction": 0.5,
        "bkg_slope": 25.0,
    }
    units: Mapping[str, str] = {
        "theta0": "GeV",
        "width": "GeV",
        "eta_max": "pseudorapidity",
        "res0": "GeV",
        "res1": "GeV per unit |eta|",
        "lo": "GeV",
        "hi": "GeV",
        "bkg_fraction": "background events per signal event",
        "bkg_slope": "GeV",
    }

    def check_settings(self, settings: Mapping[str, float]) -> None:
        """Raise `FipfitError` for non-positive widths or an empty window."""
        check_positive(settings, "width", "eta_max", "bkg_slope")
        check_non_negative(settings, "res0", "res1", "bkg_fraction")
        check_increasing(settings, "lo", "hi")

    def parameter_names(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """Return ("theta",): the peak position, in GeV."""
        return ("theta",)

    def theta0(self, settings: Mapping[str, Any]) -> FloatArray:
        """Return [theta0], the peak position at which the weights are 1."""
        return np.array([self.resolve_settings(settings)["theta0"]])

    def weight_at(
        self, frame: pd.DataFrame, theta: ArrayLike, settings: Mapping[str, Any]
    ) -> FloatArray:
        """Return each event's weight at peak position `theta`, shape (n_events,).

        Signal weights are the stored ``weight`` times the Normal density ratio
        of ``true_x`` at theta and at theta_0; background weights do not change.
        """
        resolved = self.resolve_settings(settings)
        (position,) = as_theta(theta, 1, self.name)
        for column in ("weight", "label", "true_x"):
            if column not in frame.columns:
                raise missing_column_error(column, frame.columns)
        weight = frame["weight"].to_numpy(dtype=np.float64)
        true_x = frame["true_x"].to_numpy(dtype=np.float64)
        signal = frame["label"].to_numpy() == 1
        theta0, width = resolved["theta0"], resolved["width"]
        log_ratio = ((true_x - theta0) ** 2 - (true_x - position) ** 2) / (
            2.0 * width**2
        )
        return np.where(signal, weight * np.exp(log_ratio), weight)

    def _generate(
        self, n: int, rng: np.random.Generator, settings: Mapping[str, float]
    ) -> pd.DataFrame:
        theta0, width = settings["theta0"], settings["width"]
        eta_max, lo, hi = settings["eta_max"], settings["lo"], settings["hi"]

        true_x = rng.normal(theta0, width, n)
        signal_eta = rng.uniform(-eta_max, eta_max, n)
        resolution = settings["res0"] + settings["res1"] * np.abs(signal_eta)
        signal_x = true_x + resolution * rng.standard_normal(n)

        # The background is generated at its measured value: true_x = x.
        n_background = background_count(n, settings["bkg_fraction"])
        background_x = truncated_exponential(
            rng, n_background, lo, hi, settings["bkg_slope"]
        )
        background_eta = rng.uniform(-eta_max, eta_max, n_background)

        x = np.concatenate([signal_x, background_x])
        dweight = np.concatenate([(true_x - theta0) / width**2, np.zeros(n_background)])
        return pd.DataFrame(
            {
                "weight": np.ones(n + n_background),
                "dweight": dweight,
                "label": np.repeat(np.array([1, 0], dtype=np.int8), [n, n_background]),
                "selected": (x > lo) & (x < hi),
                "true_x": np.concatenate([true_x, background_x]),
                "x": x,
                "eta": np.concatenate([signal_eta, background_eta]),
            },
            copy=False,
        )

    def reference_information(self, n: float, **settings: Any) -> dict[str, FloatArray]:
        """Compute the informations of n signal events, each as a (1, 1) matrix.

        Keys
        ----
        ideal
            n / width^2: every signal event resolved, no background.
        x
            The limit of fine partitions of the measured x over the window:
            the integral over lo < x < hi of (ds/dtheta)^2 / (s + b), where s(x)
            is the signal density in x (Normal(theta_0, sqrt(width^2 +
            res(eta)^2)) averaged over eta) times n and b(x) the background
            density times bkg_fraction * n. The eta average uses Gauss-Legendre
            nodes and the x integral `scipy.integrate.quad`.
        x_eta
            The limit of fine partitions of (x, eta) over the window: the same
            integrand with the densities in (x, eta), integrated by
            `scipy.integrate.dblquad`.
        """
        resolved = self.resolve_settings(settings)
        ideal = n / resolved["width"] ** 2
        return {
            "ideal": np.array([[ideal]]),
            "x": np.array([[n * _information_in_x(resolved)]]),
            "x_eta": np.array([[n * _information_in_x_eta(resolved)]]),
        }


def _normal_pdf(x: FloatArray | float, mean: float, sigma: FloatArray | float) -> Any:
    z = (x - mean) / sigma
    return np.exp(-0.5 * z * z) / (math.sqrt(2.0 * math.pi) * sigma)


def _smeared_sigma(eta: FloatArray | float, settings: Mapping[str, float]) -> Any:
    resolution = settings["res0"] + settings["res1"] * np.abs(eta)
    return np.sqrt(settings["width"] ** 2 + resolution**2)


def _information_in_x(settings: Mapping[str, float]) -> float:
    """Return the information per signal event of a fit in x alone."""
    theta0, eta_max = settings["theta0"], settings["eta_max"]
    lo, hi, slope = settings["lo"], settings["hi"], settings["bkg_slope"]
    nodes, weights = np.polynomial.legendre.leggauss(_ETA_NODES)
    # Map [-1, 1] onto [0, eta_max]; |eta| makes the density symmetric in eta,
    # and the mean over eta then carries the factor 1 / eta_max.
    eta = 0.5 * eta_max * (nodes + 1.0)
    eta_weights = 0.5 * weights
    sigma = _smeared_sigma(eta, settings)

    def integrand(x: float) -> float:
        density = _normal_pdf(x, theta0, sigma)
        signal = float(np.dot(eta_weights, density))
        derivative = float(np.dot(eta_weights, density * (x - theta0) / sigma**2))
        background = settings["bkg_fraction"] * float(
            truncated_exponential_pdf(x, lo, hi, slope)
        )
        total = signal + background
        # Far in the tails, without background, both densities underflow to 0.
        return derivative**2 / total if total > 0.0 else 0.0

    value, _ = integrate.quad(integrand, lo, hi, points=[theta0], limit=400)
    return float(value)


def _information_in_x_eta(settings: Mapping[str, float]) -> float:
    """Return the information per signal event of a fit in (x, eta)."""
    theta0, eta_max = settings["theta0"], settings["eta_max"]
    lo, hi, slope = settings["lo"], settings["hi"], settings["bkg_slope"]
    fraction = settings["bkg_fraction"]

    def integrand(x: float, eta: float) -> float:
        # Densities per unit x and per unit eta on [0, eta_max], where the
        # model is symmetric: each carries the factor 1 / eta_max.
        sigma = float(_smeared_sigma(eta, settings))
        signal = float(_normal_pdf(x, theta0, sigma)) / eta_max
        background = (
            fraction * float(truncated_exponential_pdf(x, lo, hi, slope)) / eta_max
        )
        total = signal + background
        if total == 0.0:
            return 0.0
        # (ds/dtheta)^2 / (s + b) = s * score^2 * purity, which stays accurate
        # where s alone is tiny.
        score = (x - theta0) / sigma**2
        return signal * score**2 * (signal / total)

    value, _ = integrate.dblquad(
        integrand, 0.0, eta_max, lo, hi, epsabs=1e-12, epsrel=1e-10
    )
    return float(value)


#: The model instance that `fipfit.weightmodels.REGISTRY` names.
MODEL = PeakModel()
