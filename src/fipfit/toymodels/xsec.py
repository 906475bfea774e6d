"""Toy model ``xsec``: a signal strength mu measured with three observables.

Signal and background events have three correlated observables ``x1``,
``x2``, ``x3`` drawn from multivariate normal distributions with different means
and one common covariance matrix. Every event has weight 1 at mu_0. The signal
yield is proportional to mu: a signal event's weight at mu is its weight at
mu_0 times mu / mu_0, so dweight = weight / mu_0 for signal and 0 for
background. There are round(bkg_fraction * n) background events for n signal
events. The selection is x1 > x1_min.

Because both classes share the covariance C, the likelihood ratio of signal to
background is a function of one linear discriminant t = a . x with
a = C^-1 (m_s - m_b) (Fisher's linear discriminant). t is normal for each class,
with means a . m_s and a . m_b and the common variance a . C a, and the
selection probability given t is the same for both classes. The information
integral over the three observables therefore reduces to a one-dimensional
integral over t, which `scipy.integrate.quad` computes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, special, stats

from fipfit.errors import FipfitError
from fipfit.events import missing_column_error
from fipfit.toymodels._common import (
    ToyModel,
    as_theta,
    background_count,
    check_non_negative,
    check_positive,
)

__all__ = ["MODEL", "XsecModel"]

FloatArray = NDArray[np.float64]

#: Names of the observables, in the order of the means and the covariance.
OBSERVABLES = ("x1", "x2", "x3")


class XsecModel(ToyModel):
    """A cross-section measurement; see the module docstring."""

    name = "xsec"
    summary = "signal strength with three correlated Gaussian observables"
    defaults: Mapping[str, float] = {
        "mu0": 1.0,
        "bkg_fraction": 2.0,
        "signal_mean1": 1.0,
        "signal_mean2": 0.8,
        "signal_mean3": 0.4,
        "bkg_mean1": 0.0,
        "bkg_mean2": 0.0,
        "bkg_mean3": 0.0,
        "sigma1": 1.0,
        "sigma2": 1.5,
        "sigma3": 1.0,
        "rho12": 0.4,
        "rho13": -0.2,
        "rho23": 0.3,
        "x1_min": -1.5,
    }
    units: Mapping[str, str] = {
        "mu0": "signal strength",
        "bkg_fraction": "background events per signal event",
        **{f"signal_mean{i}": "dimensionless" for i in (1, 2, 3)},
        **{f"bkg_mean{i}": "dimensionless" for i in (1, 2, 3)},
        **{f"sigma{i}": "dimensionless" for i in (1, 2, 3)},
        "rho12": "correlation",
        "rho13": "correlation",
        "rho23": "correlation",
        "x1_min": "dimensionless, like x1",
    }

    def check_settings(self, settings: Mapping[str, float]) -> None:
        """Raise `FipfitError` unless the covariance is positive definite."""
        check_positive(settings, "mu0", "sigma1", "sigma2", "sigma3")
        check_non_negative(settings, "bkg_fraction")
        eigenvalues = np.linalg.eigvalsh(covariance(settings))
        if eigenvalues.min() <= 0:
            raise FipfitError(
                "the correlations rho12, rho13, rho23 = "
                f"{settings['rho12']}, {settings['rho13']}, {settings['rho23']} "
                "do not form a positive-definite covariance: reduce them"
            )
        if np.allclose(signal_mean(settings), background_mean(settings)):
            raise FipfitError(
                "signal and background means are equal: the observables cannot "
                "tell them apart; change signal_mean1..3 or bkg_mean1..3"
            )

    def parameter_names(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """Return ("theta",): the signal strength mu."""
        return ("theta",)

    def theta0(self, settings: Mapping[str, Any]) -> FloatArray:
        """Return [mu0], the signal strength at which the weights are 1."""
        return np.array([self.resolve_settings(settings)["mu0"]])

    def weight_at(
        self, frame: pd.DataFrame, theta: ArrayLike, settings: Mapping[str, Any]
    ) -> FloatArray:
        """Return each event's weight at signal strength `theta`, shape (n_events,).

        Signal weights are the stored ``weight`` times mu / mu_0; background
        weights do not change.
        """
        resolved = self.resolve_settings(settings)
        (mu,) = as_theta(theta, 1, self.name)
        for column in ("weight", "label"):
            if column not in frame.columns:
                raise missing_column_error(column, frame.columns)
        weight = frame["weight"].to_numpy(dtype=np.float64)
        signal = frame["label"].to_numpy() == 1
        return np.where(signal, weight * (mu / resolved["mu0"]), weight)

    def discriminant(self, frame: pd.DataFrame, **settings: Any) -> FloatArray:
        """Return Fisher's linear discriminant t = a . x of each event.

        The likelihood ratio of signal to background, and so the signal purity
        at given observables, is a function of t alone: fine bins in t reach
        the ``observables`` reference.
        """
        resolved = self.resolve_settings(settings)
        for column in OBSERVABLES:
            if column not in frame.columns:
                raise missing_column_error(column, frame.columns)
        values = frame[list(OBSERVABLES)].to_numpy(dtype=np.float64)
        return np.asarray(values @ discriminant_direction(resolved), dtype=np.float64)

    def _generate(
        self, n: int, rng: np.random.Generator, settings: Mapping[str, float]
    ) -> pd.DataFrame:
        n_background = background_count(n, settings["bkg_fraction"])
        total = n + n_background
        cholesky = np.linalg.cholesky(covariance(settings))
        means = {
            "signal": signal_mean(settings),
            "background": background_mean(settings),
        }
        # x = mean + L z, one contiguous column at a time: numpy's matrix
        # product of an (N, 3) array is several times slower at N ~ 10^7.
        normals = [rng.standard_normal(total) for _ in OBSERVABLES]
        x = []
        for row in range(len(OBSERVABLES)):
            column = cholesky[row, 0] * normals[0]
            for index in range(1, row + 1):
                column += cholesky[row, index] * normals[index]
            column[:n] += means["signal"][row]
            column[n:] += means["background"][row]
            x.append(column)

        label = np.repeat(np.array([1, 0], dtype=np.int8), [n, n_background])
        dweight = np.zeros(total)
        dweight[:n] = 1.0 / settings["mu0"]
        return pd.DataFrame(
            {
                "weight": np.ones(total),
                "dweight": dweight,
                "label": label,
                "selected": x[0] > settings["x1_min"],
                **dict(zip(OBSERVABLES, x, strict=True)),
            },
            copy=False,
        )

    def reference_information(self, n: float, **settings: Any) -> dict[str, FloatArray]:
        """Compute the informations of n signal events, each as a (1, 1) matrix.

        Keys
        ----
        ideal
            n / mu_0^2: every signal event identified.
        observables
            The limit of fine partitions of the selected (x1, x2, x3):
            n / mu_0^2 times the integral over the selected region of
            s^2 / (s + b), with s the signal density and b bkg_fraction times
            the background density. It reduces to an integral over the linear
            discriminant (module docstring), computed by `scipy.integrate.quad`.
        counting
            One bin of all selected events: n / mu_0^2 times
            eff_s^2 / (eff_s + bkg_fraction * eff_b), with the selection
            efficiencies eff of signal and background.
        """
        resolved = self.resolve_settings(settings)
        scale = n / resolved["mu0"] ** 2
        return {
            "ideal": np.array([[scale]]),
            "observables": np.array([[scale * _observables_fraction(resolved)]]),
            "counting": np.array([[scale * _counting_fraction(resolved)]]),
        }


def signal_mean(settings: Mapping[str, float]) -> FloatArray:
    """Return the signal mean vector, shape (3,)."""
    return np.array([settings[f"signal_mean{i}"] for i in (1, 2, 3)])


def background_mean(settings: Mapping[str, float]) -> FloatArray:
    """Return the background mean vector, shape (3,)."""
    return np.array([settings[f"bkg_mean{i}"] for i in (1, 2, 3)])


def covariance(settings: Mapping[str, float]) -> FloatArray:
    """Return the common covariance matrix of the observables, shape (3, 3)."""
    sigma = np.array([settings[f"sigma{i}"] for i in (1, 2, 3)])
    correlation = np.array(
        [
            [1.0, settings["rho12"], settings["rho13"]],
            [settings["rho12"], 1.0, settings["rho23"]],
            [settings["rho13"], settings["rho23"], 1.0],
        ]
    )
    return np.asarray(correlation * np.outer(sigma, sigma), dtype=np.float64)


def discriminant_direction(settings: Mapping[str, float]) -> FloatArray:
    """Return a = C^-1 (m_s - m_b), the direction of the linear discriminant."""
    difference = signal_mean(settings) - background_mean(settings)
    return np.asarray(
        np.linalg.solve(covariance(settings), difference), dtype=np.float64
    )


def _observables_fraction(settings: Mapping[str, float]) -> float:
    """Return the integral of s^2 / (s + b) over the selection, per signal event."""
    cov = covariance(settings)
    direction = discriminant_direction(settings)
    difference = signal_mean(settings) - background_mean(settings)
    # t = a . x has variance a . C a = a . (m_s - m_b) in both classes, and
    # cov(x1, t) = (C a)_1 = (m_s - m_b)_1.
    variance = float(direction @ difference)
    spread = np.sqrt(variance)
    signal_centre = float(direction @ signal_mean(settings))
    background_centre = float(direction @ background_mean(settings))
    slope = difference[0] / variance
    residual = cov[0, 0] - difference[0] ** 2 / variance
    residual_sd = float(np.sqrt(max(residual, 0.0)))
    x1_min, fraction = settings["x1_min"], settings["bkg_fraction"]

    def selected_probability(t: float) -> float:
        # x1 given t is normal with a mean linear in t and the same parameters
        # for signal and background.
        centre = background_mean(settings)[0] + slope * (t - background_centre)
        if residual_sd == 0.0:
            return 1.0 if centre > x1_min else 0.0
        return float(special.ndtr((centre - x1_min) / residual_sd))

    def integrand(t: float) -> float:
        signal = float(stats.norm.pdf(t, signal_centre, spread))
        background = fraction * float(stats.norm.pdf(t, background_centre, spread))
        total = signal + background
        if total == 0.0:
            return 0.0
        return selected_probability(t) * signal**2 / total

    low = min(signal_centre, background_centre) - 12.0 * spread
    high = max(signal_centre, background_centre) + 12.0 * spread
    points = [signal_centre, background_centre]
    if slope != 0.0:
        # The selection probability steps up around this t, sharply when x1 is
        # nearly a function of t: a break point keeps quad from stepping over it.
        threshold = background_centre + (x1_min - background_mean(settings)[0]) / slope
        if low < threshold < high:
            points.append(threshold)
    value, _ = integrate.quad(
        integrand,
        low,
        high,
        points=sorted(points),
        limit=400,
        epsabs=1e-13,
        epsrel=1e-11,
    )
    return float(value)


def _counting_fraction(settings: Mapping[str, float]) -> float:
    """Return eff_s^2 / (eff_s + bkg_fraction * eff_b) for the selection."""
    sigma1 = settings["sigma1"]
    efficiency_signal = float(
        special.ndtr((settings["signal_mean1"] - settings["x1_min"]) / sigma1)
    )
    efficiency_background = float(
        special.ndtr((settings["bkg_mean1"] - settings["x1_min"]) / sigma1)
    )
    total = efficiency_signal + settings["bkg_fraction"] * efficiency_background
    return efficiency_signal**2 / total if total > 0 else 0.0


#: The model instance that `fipfit.weightmodels.REGISTRY` names.
MODEL = XsecModel()
