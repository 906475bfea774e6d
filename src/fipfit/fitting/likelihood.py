"""Binned extended Poisson likelihood fits of templates with iminuit.

The model of bin k is nu_k = n * L * W_k(theta), where L is the luminosity,
W_k(theta) the templates (`fipfit.fitting.Templates`) and n an optional free
normalisation (fixed to 1 unless requested). The cost is the Poisson deviance
2 sum_k [nu_k - n_k + n_k log(n_k / nu_k)] with its analytic gradient, the
value iminuit's `ExtendedBinnedNLL` returns, but computed bin by bin
so that it keeps its precision at 1e9 expected events. MIGRAD finds the
minimum, HESSE the covariance, and MINOS the asymmetric intervals on request.

With ``barlow_beeston=True`` the finite size of the MC sample that made the
templates enters through one nuisance parameter beta_k per bin, which scales
that bin's prediction to beta_k nu_k. Bin k's template is read as an
effective count m_k = W_k^2 / sum w^2 of MC events, itself Poisson distributed
with mean beta_k m_k. The likelihood then has a closed-form maximum in each
beta_k, beta_k = (n_k + m_k) / (nu_k + m_k), so the beta_k never reach MIGRAD.
This is the "Barlow-Beeston lite" method with the Poisson constraint of
Dembinski and Abdelmotteleb (arXiv:2206.12346), computed by iminuit's
`template_chi2_da`. The m_k are taken at theta_0 for every theta.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from iminuit import Minuit
from iminuit.cost import template_chi2_da
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import FipfitError
from fipfit.fitting.templates import Templates
from fipfit.information import information_from_bins

__all__ = [
    "FitResult",
    "TemplateFit",
    "asimov_fit",
    "check_luminosity",
    "expected_errors",
    "fisher_information",
]

FloatArray = NDArray[np.float64]

#: Name of the free normalisation parameter.
NORM = "norm"


def check_luminosity(luminosity: float) -> float:
    """Return `luminosity` as a float after checking it is positive and finite."""
    value = float(luminosity)
    if not (np.isfinite(value) and value > 0):
        raise FipfitError(
            f"luminosity must be a positive number, got {luminosity}: give the "
            "integrated luminosity in the units of the event weights"
        )
    return value


@dataclass(frozen=True)
class FitResult:
    """Result of one template fit.

    Attributes
    ----------
    parameters : tuple of str
        Fitted parameters: the templates' parameters, then ``norm`` when the
        normalisation is free.
    values : ndarray of shape (n_fitted,)
    errors : ndarray of shape (n_fitted,)
        HESSE errors.
    covariance : ndarray of shape (n_fitted, n_fitted)
        HESSE covariance matrix.
    minos_errors : ndarray of shape (n_fitted, 2) or None
        Lower (negative) and upper MINOS errors, when requested.
    minos_valid : bool or None
        Whether every MINOS interval is valid, when requested.
    converged : bool
        MIGRAD reports a valid minimum.
    accurate_covariance : bool
        HESSE produced an accurate, positive-definite covariance.
    at_limit : bool
        A parameter ended at one of its limits (the templates' valid range).
    fval : float
        Cost at the minimum: twice the negative log-likelihood ratio against
        the saturated model, asymptotically chi-square distributed.
    nfcn : int
        Number of cost evaluations.
    """

    parameters: tuple[str, ...]
    values: FloatArray
    errors: FloatArray
    covariance: FloatArray
    minos_errors: FloatArray | None
    minos_valid: bool | None
    converged: bool
    accurate_covariance: bool
    at_limit: bool
    fval: float
    nfcn: int

    @property
    def valid(self) -> bool:
        """Converged, with an accurate covariance and no parameter at a limit."""
        return self.converged and self.accurate_covariance and not self.at_limit

    def value(self, name: str | None = None) -> float:
        """Return the fitted value of `name` (default: the first parameter)."""
        return float(self.values[self._index(name)])

    def error(self, name: str | None = None) -> float:
        """Return the HESSE error of `name` (default: the first parameter)."""
        return float(self.errors[self._index(name)])

    def _index(self, name: str | None) -> int:
        if name is None:
            return 0
        if name not in self.parameters:
            raise FipfitError(
                f"parameter '{name}' was not fitted: choose one of "
                f"{list(self.parameters)}"
            )
        return self.parameters.index(name)


def fisher_information(
    templates: Templates, *, theta: ArrayLike | None = None, free_norm: bool = False
) -> FloatArray:
    """Compute the Fisher information per unit luminosity of the templates.

    Parameters
    ----------
    templates : Templates
    theta : array-like of shape (n_parameters,), optional
        Point of evaluation; default theta_0, where the information is I(P) of
        `fipfit.information` (sum_k D_k D_k^T / W_k) for the template events.
    free_norm : bool
        Profile a free normalisation: subtract (sum D)(sum D)^T / sum W, which
        gives the shape-only information.

    Returns
    -------
    ndarray of shape (n_parameters, n_parameters)
    """
    if theta is None:
        weight, dweight = templates.weight, templates.dweight
    else:
        weight, dweight = templates.expected(theta), templates.jacobian(theta)
    information, _ = information_from_bins(weight, dweight)
    if free_norm:
        total = dweight.sum(axis=0)
        information = information - np.outer(total, total) / weight.sum()
    return information


def expected_errors(
    templates: Templates,
    luminosity: float,
    *,
    theta: ArrayLike | None = None,
    free_norm: bool = False,
) -> FloatArray:
    """Return the large-sample errors sqrt(diag((I L)^-1)), shape (n_parameters,).

    Notes
    -----
    Valid when every bin expects enough events for the Poisson likelihood to be
    close to its quadratic approximation, and without the finite-MC treatment
    (which widens the errors).
    """
    lumi = check_luminosity(luminosity)
    information = fisher_information(templates, theta=theta, free_norm=free_norm)
    try:
        covariance = np.linalg.inv(information * lumi)
    except np.linalg.LinAlgError:
        return np.full(templates.n_parameters, np.inf)
    diagonal = np.diag(covariance)
    with np.errstate(invalid="ignore"):
        # A non-positive variance means the information is singular.
        return np.where(diagonal > 0, np.sqrt(np.abs(diagonal)), np.inf)


def _check_counts(counts: ArrayLike, n_bins: int) -> FloatArray:
    array = np.asarray(counts, dtype=np.float64)
    if array.shape != (n_bins,):
        raise FipfitError(
            f"counts have shape {array.shape} but the templates have {n_bins} bins: "
            "give one count per bin"
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise FipfitError(
            "counts must be finite and non-negative, got "
            f"{array[~np.isfinite(array) | (array < 0)][:5].tolist()}"
        )
    return array


def _poisson_deviance(counts: FloatArray, expected: FloatArray) -> float:
    """Return 2 sum_k [nu_k - n_k + n_k log(n_k / nu_k)], the Poisson deviance.

    Each term is computed as n (x - log1p(x)) with x = (nu - n) / n, so its
    rounding error is about 1e-16 |nu - n|. iminuit's `ExtendedBinnedNLL`
    (2.33) takes nu_k as differences of a cumulative sum, so it rounds the cost
    to about 1e-16 times the total count. With 1e9 expected events of the peak
    toy model, that cost moved in steps of 0.004, too coarse for HESSE's
    second differences, and the HESSE error came out 1e6 times too small.
    """
    mu = np.maximum(expected, np.finfo(float).tiny)
    filled = counts > 0
    n = counts[filled]
    x = (mu[filled] - n) / n
    return 2.0 * float(np.sum(n * (x - np.log1p(x))) + np.sum(mu[~filled]))


class _PoissonCost:
    """Poisson deviance of the counts against the templates, with its gradient."""

    errordef = Minuit.LEAST_SQUARES

    def __init__(self, fit: TemplateFit) -> None:
        self._fit = fit
        self._parameters = dict.fromkeys(fit.names)
        self.n = np.zeros(fit.templates.n_bins)

    def __call__(self, *args: float) -> float:
        return _poisson_deviance(self.n, self._fit.predict(np.asarray(args)))

    def grad(self, *args: float) -> FloatArray:
        """Return the derivative of the deviance by each fitted parameter."""
        values = np.asarray(args, dtype=np.float64)
        mu = np.maximum(self._fit.predict(values), np.finfo(float).tiny)
        jacobian = self._fit.predict_jacobian(values)
        return np.asarray(2.0 * ((1.0 - self.n / mu) @ jacobian), dtype=np.float64)


class _BarlowBeestonCost:
    """Poisson cost with per-bin MC nuisance parameters profiled in closed form."""

    errordef = Minuit.LEAST_SQUARES

    def __init__(self, fit: TemplateFit) -> None:
        self._fit = fit
        self._parameters = dict.fromkeys(fit.names)
        self.n = np.zeros(fit.templates.n_bins)

    def __call__(self, *args: float) -> float:
        mu = np.maximum(self._fit.predict(np.asarray(args)), np.finfo(float).tiny)
        # template_chi2_da reads mu^2 / mu_var as the effective MC count m_k.
        variance = mu**2 / self._fit.templates.n_effective
        return float(template_chi2_da(self.n, mu, variance))


class TemplateFit:
    """A binned extended Poisson likelihood fit of `Templates` to counts.

    Parameters
    ----------
    templates : Templates
    luminosity : float
        L in nu_k = n * L * W_k(theta), in the units of the template weights.
    free_norm : bool
        Fit a free normalisation n (``norm``, start 1, limits [0, inf)), so that
        only the shape of the distribution measures theta.
    barlow_beeston : bool
        Account for the finite MC sample of the templates (module notes).

    Notes
    -----
    One `TemplateFit` fits many count vectors (pseudo-experiments) with the
    same cost object, replacing its counts each time.
    """

    def __init__(
        self,
        templates: Templates,
        luminosity: float,
        *,
        free_norm: bool = False,
        barlow_beeston: bool = False,
    ) -> None:
        self.templates = templates
        self.luminosity = check_luminosity(luminosity)
        self.free_norm = free_norm
        self.barlow_beeston = barlow_beeston
        if free_norm and NORM in templates.parameters:
            raise FipfitError(
                f"a fitted parameter is named '{NORM}', which is the name of the "
                "free normalisation: rename the parameter or fix the normalisation"
            )
        self.names: tuple[str, ...] = templates.parameters + (
            (NORM,) if free_norm else ()
        )
        self._p = templates.n_parameters
        self._cost: _PoissonCost | _BarlowBeestonCost
        if barlow_beeston:
            self._cost = _BarlowBeestonCost(self)
        else:
            self._cost = _PoissonCost(self)
        steps = expected_errors(templates, self.luminosity, free_norm=free_norm)
        norm_step = 1.0 / np.sqrt(self.luminosity * templates.weight.sum())
        steps = np.where(
            np.isfinite(steps), steps, 0.1 * np.abs(templates.theta0) + 0.1
        )
        #: Initial step size of each fitted parameter: its expected error.
        self.steps = np.concatenate([steps, [norm_step] if free_norm else []])

    def predict(self, values: FloatArray) -> FloatArray:
        """Return nu_k for the fitted values (theta, then norm), shape (K,)."""
        theta = values[: self._p]
        nu = self.luminosity * self.templates.expected(theta)
        return nu * values[self._p] if self.free_norm else nu

    def predict_jacobian(self, values: FloatArray) -> FloatArray:
        """Return d nu_k / d value_j for the fitted values, shape (K, n_fitted)."""
        theta = values[: self._p]
        norm = values[self._p] if self.free_norm else 1.0
        jacobian = self.luminosity * norm * self.templates.jacobian(theta)
        if self.free_norm:
            expected = self.luminosity * self.templates.expected(theta)
            jacobian = np.column_stack([jacobian, expected])
        return np.asarray(jacobian, dtype=np.float64)

    def fit(
        self,
        counts: ArrayLike,
        *,
        start: ArrayLike | None = None,
        minos: bool = False,
    ) -> FitResult:
        """Fit the observed `counts`, shape (K,), and return the result.

        Parameters
        ----------
        counts : array-like of shape (K,)
            Observed counts; non-integer values (Asimov data) are allowed.
        start : array-like of shape (n_parameters,), optional
            Starting theta; default theta_0 of the templates.
        minos : bool
            Run MINOS after HESSE for asymmetric intervals.
        """
        self._cost.n = _check_counts(counts, self.templates.n_bins)
        theta = self.templates.theta0 if start is None else np.atleast_1d(start)
        values = list(np.asarray(theta, dtype=np.float64)) + (
            [1.0] if self.free_norm else []
        )
        grad = self._cost.grad if isinstance(self._cost, _PoissonCost) else None
        minuit = Minuit(self._cost, *values, grad=grad, name=self.names)
        minuit.print_level = 0
        minuit.errors = self.steps
        for index in range(self._p):
            low, high = self.templates.limits[index]
            minuit.limits[index] = (low, high)
        if self.free_norm:
            minuit.limits[NORM] = (0.0, np.inf)

        minuit.migrad()
        minuit.hesse()
        minos_errors = None
        minos_valid = None
        if minos and minuit.valid:
            minuit.minos()
            minos_errors = np.array(
                [[minuit.merrors[n].lower, minuit.merrors[n].upper] for n in self.names]
            )
            minos_valid = all(minuit.merrors[n].is_valid for n in self.names)
        return _result(minuit, self.names, minos_errors, minos_valid)


def _result(
    minuit: Minuit,
    names: Sequence[str],
    minos_errors: FloatArray | None,
    minos_valid: bool | None,
) -> FitResult:
    fmin = minuit.fmin
    covariance = (
        np.asarray(minuit.covariance, dtype=np.float64)
        if minuit.covariance is not None
        else np.full((len(names), len(names)), np.nan)
    )
    return FitResult(
        parameters=tuple(names),
        values=np.asarray(minuit.values, dtype=np.float64),
        errors=np.asarray(minuit.errors, dtype=np.float64),
        covariance=covariance,
        minos_errors=minos_errors,
        minos_valid=minos_valid,
        converged=bool(fmin.is_valid),
        accurate_covariance=bool(fmin.has_accurate_covar)
        and not bool(fmin.has_made_posdef_covar),
        at_limit=bool(fmin.has_parameters_at_limit),
        fval=float(fmin.fval),
        nfcn=int(fmin.nfcn),
    )


def asimov_fit(
    templates: Templates,
    luminosity: float,
    *,
    theta: ArrayLike | None = None,
    free_norm: bool = False,
    barlow_beeston: bool = False,
    minos: bool = False,
) -> FitResult:
    """Fit the Asimov data L * W_k(theta) of the templates themselves.

    The fitted value reproduces `theta` (default theta_0) and, without the
    finite-MC treatment, the HESSE error reproduces `expected_errors`: both
    are the curvature of the same likelihood at its minimum. A difference
    measures the non-quadratic part of the likelihood over one standard
    deviation.
    """
    fit = TemplateFit(
        templates, luminosity, free_norm=free_norm, barlow_beeston=barlow_beeston
    )
    point = templates.theta0 if theta is None else np.atleast_1d(theta)
    counts = fit.luminosity * templates.expected(point)
    # Started at the minimum itself, MIGRAD computes a zero gradient and stops
    # before refining its second derivatives, which can leave HESSE off by
    # 1 %; half an expected error away it converges normally.
    start = point + 0.5 * fit.steps[: templates.n_parameters]
    low, high = templates.limits[:, 0], templates.limits[:, 1]
    start = np.where((start > low) & (start < high), start, point)
    return fit.fit(counts, start=start, minos=minos)
