"""Fit validation of a partition: does the fit reach the Fisher prediction?

`validate_partition` bins one variable of two independent MC samples, builds
templates from the first, computes the expected counts of pseudo-data from the
second, and compares the Asimov fit and the pseudo-experiments with the error
1 / sqrt(I(P) L) that `fipfit.information` predicts for the same partition.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fipfit import binning as binning_module
from fipfit.errors import FipfitError
from fipfit.events import Events, as_float_array
from fipfit.fitting.likelihood import (
    FitResult,
    TemplateFit,
    asimov_fit,
    check_luminosity,
)
from fipfit.fitting.pseudoexperiments import (
    PseudoExperiments,
    expected_counts,
    run_pseudoexperiments,
)
from fipfit.fitting.templates import Method, Templates, parameter_indices
from fipfit.information import PartitionInformation, partition_information

__all__ = ["FitValidation", "TruthOutsideRangeError", "validate_partition"]

FloatArray = NDArray[np.float64]
Binning = Literal["quantile", "optimal"]


class TruthOutsideRangeError(FipfitError):
    """theta_true lies outside the range in which the templates are valid.

    Attributes
    ----------
    truth : ndarray of shape (p,)
    limits : ndarray of shape (p, 2)
        Lower and upper end of each parameter's valid range.
    parameters : list of str
        The fitted parameters.
    """

    def __init__(
        self, truth: FloatArray, limits: FloatArray, parameters: Sequence[str]
    ) -> None:
        self.truth = truth
        self.limits = limits
        self.parameters = list(parameters)
        outside = [
            f"{name} = {value:g} is outside [{low:.6g}, {high:.6g}]"
            for name, value, (low, high) in zip(
                self.parameters, truth, limits, strict=True
            )
            if not low <= value <= high
        ]
        super().__init__(
            f"theta_true is outside the templates' valid range: {', '.join(outside)}; "
            "choose a value inside it"
        )


@dataclass(frozen=True)
class FitValidation:
    """Templates, Fisher prediction, Asimov fit and pseudo-experiments of a partition.

    Attributes
    ----------
    edges : ndarray of shape (K + 1,)
    templates : Templates
    information : PartitionInformation
        Of the template sample, with weights unscaled.
    fisher_information : ndarray of shape (p, p)
        I(P) of the fitted parameters per unit luminosity, scaled like the
        templates (shape-only when the normalisation is free).
    fisher_errors : ndarray of shape (p,)
        1 / sqrt(I(P) L) per parameter, the others free.
    luminosity : float
    theta_true : ndarray of shape (p,)
    expected : ndarray of shape (K,)
        Expected counts of the pseudo-data.
    asimov : FitResult
        Fit of the templates' own Asimov data at theta_true.
    expected_fit : FitResult
        Fit of the pseudo-data's expected counts, without fluctuations. Its
        shift from theta_true comes from the finite MC samples alone, and the
        mean of the pseudo-experiments' fits sits near it.
    mc_shift_scale : ndarray of shape (p,)
        The standard deviation that shift would have over repeated MC samples,
        in units of the Fisher error: about sqrt(L / L_templates + L / L_data),
        where L_sample = sum w / sum w^2 is the luminosity a sample stands for.
    toys : PseudoExperiments
    free_norm, barlow_beeston : bool
        The fit options.
    parameter_indices : ndarray of int, shape (p,)
        Columns of the fitted parameters among the events' parameters.
    """

    edges: FloatArray
    templates: Templates
    information: PartitionInformation
    fisher_information: FloatArray
    fisher_errors: FloatArray
    luminosity: float
    theta_true: FloatArray
    expected: FloatArray
    asimov: FitResult
    expected_fit: FitResult
    mc_shift_scale: FloatArray
    toys: PseudoExperiments
    free_norm: bool
    barlow_beeston: bool
    parameter_indices: NDArray[np.intp]

    def summary(self) -> dict[str, Any]:
        """Return a JSON-ready summary; per-parameter values are lists for p > 1.

        Keys: ``parameters``, ``theta_true``, ``theta_hat_mean``,
        ``theta_hat_std``, ``hesse_error_mean``, ``pull_mean``,
        ``pull_mean_error``, ``pull_std``, ``pull_std_error``,
        ``fisher_error``, ``asimov_theta``, ``asimov_hesse_error``,
        ``asimov_minos_error``, ``asimov_valid``, ``spread_over_fisher``,
        ``mc_shift`` and ``mc_shift_scale`` (the shift of the fit of the
        expected counts from theta_true, and its expected spread, both in
        Fisher errors),
        ``n_toys``, ``n_failed``, ``toys_per_second``, ``luminosity``,
        ``information``, ``fip``, ``free_norm``, ``barlow_beeston``,
        ``expected_events`` and ``templates``.
        """
        p = self.templates.n_parameters

        def pack(values: ArrayLike) -> Any:
            array = np.atleast_1d(np.asarray(values, dtype=np.float64))
            numbers = [_number(v) for v in array[:p]]
            return numbers[0] if p == 1 else numbers

        statistics = self.toys.statistics()
        asimov = self.asimov
        minos = None
        if asimov.minos_errors is not None:
            pairs = [[_number(low), _number(high)] for low, high in asimov.minos_errors]
            minos = pairs[0] if p == 1 else pairs[:p]
        spread = statistics["theta_hat_std"] / self.fisher_errors
        shift = (self.expected_fit.values[:p] - self.theta_true) / self.fisher_errors
        fisher = self.fisher_information
        fip = self.information.shape_fip if self.free_norm else self.information.fip
        summary: dict[str, Any] = {
            "parameters": list(self.templates.parameters)
            if p > 1
            else self.templates.parameters[0],
            "theta_true": pack(self.theta_true),
            **{key: pack(value) for key, value in statistics.items()},
            "fisher_error": pack(self.fisher_errors),
            "spread_over_fisher": pack(spread),
            "asimov_theta": pack(asimov.values),
            "asimov_hesse_error": pack(asimov.errors),
            "asimov_minos_error": minos,
            "asimov_valid": asimov.valid,
            "mc_shift": pack(shift),
            "mc_shift_scale": pack(self.mc_shift_scale),
            "n_toys": self.toys.n_toys,
            "n_failed": self.toys.n_failed,
            "toys_per_second": _number(self.toys.toys_per_second),
            "luminosity": self.luminosity,
            "information": _number(fisher[0, 0])
            if p == 1
            else [[_number(v) for v in row] for row in fisher],
            "fip": pack(fip[self.parameter_indices]),
            "free_norm": self.free_norm,
            "barlow_beeston": self.barlow_beeston,
            "expected_events": _number(self.expected.sum()),
            "templates": {
                "method": self.templates.method,
                "n_events": int(self.templates.n_events.sum()),
                "scale": self.templates.scale,
                "interpolation_error": _number(self.templates.interpolation_error),
                "limits": [[_number(v) for v in row] for row in self.templates.limits],
            },
        }
        return summary


def _number(value: float | np.floating[Any]) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def partition_edges(
    events: Events,
    values: FloatArray,
    n_bins: int,
    binning: Binning,
    parameter_index: int,
) -> FloatArray:
    """Return bin edges of `values` over the selected template events."""
    if isinstance(n_bins, bool) or n_bins < 1:
        raise FipfitError(f"number of bins must be at least 1, got {n_bins}")
    chosen = events.selected
    if binning == "quantile":
        return binning_module.quantile_edges(
            values[chosen], events.weight[chosen], n_bins
        )
    if binning == "optimal":
        # The default number of pre-bins, raised to n_bins when that is larger.
        n_prebins = min(max(1000, n_bins), binning_module.MAX_PREBINS)
        return binning_module.optimal_edges(
            values[chosen],
            events.weight[chosen],
            events.dweight[chosen, parameter_index],
            n_bins,
            n_prebins=n_prebins,
        )
    raise FipfitError(f"binning must be 'quantile' or 'optimal', got '{binning}'")


def _fisher_matrix(
    information: PartitionInformation,
    indices: NDArray[np.intp],
    scale: float,
    free_norm: bool,
) -> FloatArray:
    matrix = information.shape_information if free_norm else information.information
    return np.asarray(matrix[np.ix_(indices, indices)] * scale, dtype=np.float64)


def _errors_from_information(matrix: FloatArray, luminosity: float) -> FloatArray:
    try:
        covariance = np.linalg.inv(matrix * luminosity)
    except np.linalg.LinAlgError:
        return np.full(matrix.shape[0], np.inf)
    diagonal = np.diag(covariance)
    with np.errstate(invalid="ignore"):
        # A non-positive variance means I(P) is singular: the error is unbounded.
        return np.where(diagonal > 0, np.sqrt(np.abs(diagonal)), np.inf)


def _inverse_luminosity(events: Events, scale: float) -> float:
    """Return sum w^2 / sum w of the selected, scaled events: 1 / L_sample."""
    weight = scale * events.weight[events.selected]
    total = float(np.abs(weight).sum())
    return float(np.sum(weight**2)) / total if total > 0 else math.inf


def validate_partition(
    template_events: Events,
    template_values: ArrayLike,
    data_events: Events,
    data_values: ArrayLike,
    *,
    luminosity: float,
    n_toys: int,
    n_bins: int = 20,
    binning: Binning = "quantile",
    theta_true: ArrayLike | None = None,
    parameters: Sequence[str] | None = None,
    method: Method = "auto",
    template_scale: float = 1.0,
    data_scale: float = 1.0,
    free_norm: bool = False,
    barlow_beeston: bool = False,
    minos: bool = False,
    random_state: int | None = 0,
    progress: bool = False,
) -> FitValidation:
    """Fit pseudo-data of a partition and compare with the Fisher prediction.

    Parameters
    ----------
    template_events, data_events : Events
        Independent MC samples: the first builds the templates, the second
        gives the expected counts of the pseudo-data.
    template_values, data_values : array-like of shape (n_events,)
        The variable to partition in, for each sample.
    luminosity : float
        L of the pseudo-data, in units of the (scaled) weights.
    n_toys : int
    n_bins : int
        Bins of the partition; the edges come from the selected template
        events, and data values beyond them fall in the first or last bin.
    binning : {"quantile", "optimal"}
        Equal-weight bins, or `fipfit.binning.optimal_edges`.
    theta_true : array-like of shape (p,), optional
        Default theta_0 of the templates.
    parameters : sequence of str, optional
        Parameters to fit; the others stay at theta_0. Default: all.
    method : {"auto", "exact", "linear", "quadratic"}
        Templates and expected counts (see `Templates.from_events`).
    template_scale, data_scale : float
        Factors on each sample's weights, for example 1 / fraction when a
        sample whose weights describe the whole sample's yield was split.
    free_norm, barlow_beeston, minos : bool
        Fit options (see `TemplateFit`); MINOS runs on the Asimov fit only.
    random_state : int or None
        Seed of the pseudo-experiments.
    progress : bool
        Show a progress bar on stderr.

    Notes
    -----
    The Fisher prediction uses I(P) of the template sample at theta_0, full or
    shape-only to match the fit. Both MC samples fluctuate: each shifts the
    mean fitted value by about sigma * sqrt(L / L_MC), where L_MC is the
    luminosity the sample stands for, so the pull mean can only be as close to
    zero as that. `FitValidation.expected_fit` measures the shift of the
    samples at hand.
    """
    lumi = check_luminosity(luminosity)
    t_values = as_float_array(template_values, "template values")
    d_values = as_float_array(data_values, "data values")
    indices = parameter_indices(template_events, parameters)
    edges = partition_edges(template_events, t_values, n_bins, binning, int(indices[0]))
    k = edges.size - 1
    t_labels = binning_module.labels_within_edges(t_values, edges)
    d_labels = binning_module.labels_within_edges(d_values, edges)
    chosen = [template_events.parameters[i] for i in indices]

    templates = Templates.from_events(
        template_events,
        t_labels,
        k,
        parameters=chosen,
        method=method,
        scale=template_scale,
    )
    information = partition_information(template_events, t_labels, k)
    fisher = _fisher_matrix(information, indices, template_scale, free_norm)
    fisher_errors = _errors_from_information(fisher, lumi)

    truth = (
        templates.theta0
        if theta_true is None
        else np.atleast_1d(as_float_array(theta_true, "theta_true"))
    )
    if truth.shape != (indices.size,):
        raise FipfitError(
            f"theta_true has {truth.size} values but {indices.size} parameters "
            f"{chosen} are fitted: give one value per fitted parameter"
        )
    low, high = templates.limits[:, 0], templates.limits[:, 1]
    if np.any(truth < low) or np.any(truth > high):
        raise TruthOutsideRangeError(truth, templates.limits, chosen)
    expected = expected_counts(
        data_events,
        d_labels,
        truth,
        lumi,
        k,
        parameters=chosen,
        method=method,
        scale=data_scale,
    )
    asimov = asimov_fit(
        templates,
        lumi,
        theta=truth,
        free_norm=free_norm,
        barlow_beeston=barlow_beeston,
        minos=minos,
    )
    expected_fit = TemplateFit(
        templates, lumi, free_norm=free_norm, barlow_beeston=barlow_beeston
    ).fit(expected, start=truth)
    mc_shift_scale = np.full(
        indices.size,
        math.sqrt(
            lumi * templates.sum_weight2.sum() / templates.weight.sum()
            + lumi * _inverse_luminosity(data_events, data_scale)
        ),
    )
    toys = run_pseudoexperiments(
        templates,
        expected,
        truth,
        lumi,
        n_toys,
        random_state=random_state,
        free_norm=free_norm,
        barlow_beeston=barlow_beeston,
        progress=progress,
    )
    return FitValidation(
        edges=edges,
        templates=templates,
        information=information,
        fisher_information=fisher,
        fisher_errors=fisher_errors,
        luminosity=lumi,
        theta_true=truth,
        expected=expected,
        asimov=asimov,
        expected_fit=expected_fit,
        mc_shift_scale=mc_shift_scale,
        toys=toys,
        free_norm=free_norm,
        barlow_beeston=barlow_beeston,
        parameter_indices=indices,
    )
