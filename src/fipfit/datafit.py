"""Fit a parameter to recorded data with templates from simulation.

A partition turns the data into counts n_k and the simulated events into
templates W_k(theta), the expected yield per unit luminosity
(`fipfit.fitting.Templates`). `fit_counts` fits the counts with the binned
Poisson likelihood of `fipfit.fitting.TemplateFit` and sets the HESSE error
beside the Fisher prediction of the same error; `fit_partition` first bins
simulation and data with the same edges.

Normalisation. The weights of simulated events are yields per unit
luminosity in their own units (pb for converted LHE files). The luminosity of
recorded data, times the efficiencies that the simulation lacks, is often
unknown. With ``free_norm=True`` (the default) the expected count of bin k is
L_eff * W_k(theta) with L_eff free: the fitted L_eff maps the weight units to
data counts, only the shape of the distribution measures theta, and the Fisher
prediction of the error is the shape-only one,

    sqrt([(I_shape(theta_hat) L_eff)^-1]_ii),
    I_shape = sum_k D_k D_k^T / W_k - (sum_k D_k)(sum_k D_k)^T / sum_k W_k,

with W_k and D_k the templates and their derivatives at the fitted theta.
With a fixed normalisation the luminosity is given and the prediction is
sqrt([(I L)^-1]_ii).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fipfit.binning import check_edges, labels_within_edges
from fipfit.errors import FipfitError
from fipfit.events import Events, as_float_array
from fipfit.fitting import FitResult, TemplateFit, Templates, expected_errors
from fipfit.fitting.templates import Method

__all__ = ["DataFit", "fit_counts", "fit_partition"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class DataFit:
    """Result of a fit of templates to recorded data.

    Attributes
    ----------
    partition : str
        Name of the partition, for tables and figures.
    parameter : str
        The reported parameter.
    value : float
        Fitted value of `parameter`.
    hesse_error : float
        HESSE error of `value` (NaN if HESSE failed).
    fisher_error : float
        Error that the Fisher information of the templates predicts at the
        fitted point and the fitted (or given) luminosity; shape-only when the
        normalisation is free.
    n_data : int
        Number of data events in the bins.
    converged : bool
        MIGRAD reports a valid minimum.
    valid : bool
        Converged, with an accurate covariance and no parameter at a limit.
    free_norm : bool
        Whether the normalisation was free.
    luminosity : float
        L_eff, the factor from template weights to data counts: fitted when
        the normalisation is free, given otherwise.
    luminosity_error : float or None
        HESSE error of L_eff when it is fitted.
    observed : ndarray of shape (K,)
        Data counts per bin.
    expected : ndarray of shape (K,)
        Fitted expectation per bin.
    edges : ndarray of shape (K + 1,) or None
        Bin edges of the partition, when known.
    result : FitResult
        The full fit result (every parameter, covariance, fval).
    """

    partition: str
    parameter: str
    value: float
    hesse_error: float
    fisher_error: float
    n_data: int
    converged: bool
    valid: bool
    free_norm: bool
    luminosity: float
    luminosity_error: float | None
    observed: FloatArray
    expected: FloatArray
    edges: FloatArray | None
    result: FitResult

    @property
    def error_ratio(self) -> float:
        """HESSE error over the Fisher prediction."""
        return self.hesse_error / self.fisher_error

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready plain values (NaN becomes None)."""
        return {
            "partition": self.partition,
            "parameter": self.parameter,
            "value": _finite(self.value),
            "hesse_error": _finite(self.hesse_error),
            "fisher_error": _finite(self.fisher_error),
            "n_data": self.n_data,
            "converged": self.converged,
            "valid": self.valid,
            "normalisation": "free" if self.free_norm else "fixed",
            "effective_luminosity": _finite(self.luminosity),
            "effective_luminosity_error": _finite(self.luminosity_error),
            "fval": _finite(self.result.fval),
            "edges": None if self.edges is None else [float(e) for e in self.edges],
            "observed": [float(n) for n in self.observed],
            "expected": [float(n) for n in self.expected],
        }


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def fit_counts(
    templates: Templates,
    counts: ArrayLike,
    *,
    parameter: str | None = None,
    free_norm: bool = True,
    luminosity: float | None = None,
    partition: str = "",
    edges: ArrayLike | None = None,
    start: ArrayLike | None = None,
) -> DataFit:
    """Fit data counts with templates and predict the error from their information.

    Parameters
    ----------
    templates : Templates
        W_k(theta) per unit luminosity; every parameter of the templates is
        fitted, and the others stay at theta_0.
    counts : array-like of shape (K,)
        Data counts per bin.
    parameter : str, optional
        The parameter to report; default the templates' first.
    free_norm : bool, default True
        Fit L_eff (shape-only fit). Otherwise `luminosity` is fixed.
    luminosity : float, optional
        Required when the normalisation is fixed. With a free normalisation
        it is the starting value of L_eff; default sum(counts) / sum W_k at
        theta_0, so that the fit starts at the observed total.
    partition : str
        Name of the partition, copied to the result.
    edges : array-like of shape (K + 1,), optional
        Bin edges, copied to the result.
    start : array-like of shape (n_parameters,), optional
        Starting theta; default theta_0 of the templates.

    Returns
    -------
    DataFit

    Raises
    ------
    FipfitError
        If the counts do not match the templates or are all zero, the
        parameter is not fitted, or a fixed normalisation lacks its luminosity.

    Notes
    -----
    The Fisher prediction is a large-sample statement: with few counts per
    bin, or data whose shape differs from the templates', the curvature of
    the likelihood at its minimum (HESSE) moves away from it. The templates'
    own statistical error is in neither number.
    """
    observed = as_float_array(counts, "data counts")
    if observed.shape != (templates.n_bins,):
        raise FipfitError(
            f"the data have {observed.size} counts but the templates have "
            f"{templates.n_bins} bins: bin the data with the templates' edges"
        )
    total = float(np.sum(observed))
    if not total > 0:
        raise FipfitError(
            "the data have no events in the partition's bins: check the data "
            "selection and the bin edges"
        )
    name = templates.parameters[0] if parameter is None else parameter
    if name not in templates.parameters:
        raise FipfitError(
            f"parameter '{name}' is not in the templates: choose one of "
            f"{list(templates.parameters)}"
        )
    index = templates.parameters.index(name)
    if luminosity is None:
        if not free_norm:
            raise FipfitError(
                "a fit with a fixed normalisation needs the data's luminosity: "
                "give luminosity or set free_norm=True"
            )
        luminosity = total / float(templates.expected(templates.theta0).sum())

    fit = TemplateFit(templates, luminosity, free_norm=free_norm)
    result = fit.fit(observed, start=start)
    p = templates.n_parameters
    theta = result.values[:p]
    norm = float(result.values[p]) if free_norm else 1.0
    effective = fit.luminosity * norm
    fisher = float("nan")
    if effective > 0:
        fisher = float(
            expected_errors(templates, effective, theta=theta, free_norm=free_norm)[
                index
            ]
        )
    return DataFit(
        partition=partition,
        parameter=name,
        value=float(theta[index]),
        hesse_error=float(result.errors[index]),
        fisher_error=fisher,
        n_data=round(total),
        converged=result.converged,
        valid=result.valid,
        free_norm=free_norm,
        luminosity=effective,
        luminosity_error=fit.luminosity * float(result.errors[p])
        if free_norm
        else None,
        observed=observed,
        expected=fit.predict(result.values),
        edges=None if edges is None else check_edges(edges),
        result=result,
    )


def fit_partition(
    events: Events,
    values: ArrayLike,
    data_values: ArrayLike,
    edges: ArrayLike,
    *,
    parameters: Sequence[str] | None = None,
    parameter: str | None = None,
    free_norm: bool = True,
    luminosity: float | None = None,
    scale: float = 1.0,
    method: Method = "auto",
    theta_range: ArrayLike | None = None,
    partition: str = "",
) -> DataFit:
    """Bin simulation and data with the same edges and fit the data.

    Parameters
    ----------
    events : Events
        The template events; unselected events are left out.
    values : array-like of shape (n_events,)
        The binned variable of each template event.
    data_values : array-like of shape (n_data,)
        The same variable for each data event.
    edges : array-like of shape (K + 1,)
        Bin edges. Values beyond the outer edges join the first or last bin,
        for simulation and data alike (`fipfit.binning.labels_within_edges`).
    parameters : sequence of str, optional
        Parameters to fit; the others stay at theta_0. Default: all.
    parameter : str, optional
        The parameter to report; default the first fitted one.
    free_norm, luminosity
        As in `fit_counts`.
    scale : float, default 1
        Factor on the template weights, for example to make a subsample
        describe a full sample's yield; it changes L_eff only.
    method, theta_range
        As in `Templates.from_events` ("auto" reweights exactly when the
        events carry a weight model).
    partition : str
        Name of the partition, copied to the result.

    Returns
    -------
    DataFit

    Raises
    ------
    FipfitError
        On values that do not match the events, non-finite values, a
        template bin without events or of weight <= 0, and the cases of
        `fit_counts`.
    """
    boundaries = check_edges(edges)
    n_bins = boundaries.size - 1
    simulated = as_float_array(values, "template values")
    if simulated.shape != (len(events),):
        raise FipfitError(
            f"{simulated.size} template values for {len(events)} events: give "
            "one value per template event"
        )
    labels = labels_within_edges(simulated, boundaries)
    templates = Templates.from_events(
        events,
        labels,
        n_bins,
        parameters=parameters,
        method=method,
        theta_range=theta_range,
        scale=scale,
    )
    data_labels = labels_within_edges(
        as_float_array(data_values, "data values"), boundaries
    )
    counts = np.bincount(data_labels, minlength=n_bins).astype(np.float64)
    return fit_counts(
        templates,
        counts,
        parameter=parameter,
        free_norm=free_norm,
        luminosity=luminosity,
        partition=partition,
        edges=boundaries,
    )
