"""Export templates as a HistFactory workspace (pyhf JSON).

The workspace has one channel and one sample whose nominal yields are
L * W_k(theta0). Each parameter theta_i enters through a ``histosys`` modifier
``alpha_<name>`` built from the templates at theta0_i + delta_i (``hi_data``)
and theta0_i - delta_i (``lo_data``), so that alpha_i = (theta_i - theta0_i) /
delta_i. pyhf interpolates linearly between the three templates on either side
of alpha = 0 (its default interpolation code 0).

pyhf constrains every histosys alpha with a unit Gaussian (auxiliary
measurement 0). In theta that constraint adds 1 / delta_i^2 to the information,
so the error pyhf reports on alpha, times delta, is about
1 / sqrt(I L + 1 / delta^2) rather than 1 / sqrt(I L). `pyhf_expected_errors`
includes that term. Choose delta several times the expected error so that the
constraint stays a small correction (at delta = 5 sigma it shrinks the error by
2 %), yet small compared with the scale over which the templates bend, so that
the linear interpolation stays close to them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import FipfitError
from fipfit.fitting.likelihood import NORM, check_luminosity, fisher_information
from fipfit.fitting.templates import Templates

__all__ = ["export_pyhf", "pyhf_expected_errors"]

FloatArray = NDArray[np.float64]

#: Version of the HistFactory JSON schema the workspace follows.
SCHEMA_VERSION = "1.0.0"


def _per_parameter(values: ArrayLike, templates: Templates, what: str) -> FloatArray:
    array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if array.size == 1 and templates.n_parameters > 1:
        array = np.full(templates.n_parameters, float(array[0]))
    if array.shape != (templates.n_parameters,) or not np.all(np.isfinite(array)):
        raise FipfitError(
            f"{what} needs {templates.n_parameters} finite values, one per parameter "
            f"{list(templates.parameters)}; got {array.tolist()}"
        )
    return array


def _as_list(values: FloatArray) -> list[float]:
    return [float(v) for v in values]


def export_pyhf(
    templates: Templates,
    theta0: ArrayLike,
    delta: ArrayLike,
    luminosity: float,
    *,
    counts: ArrayLike | None = None,
    free_norm: bool = False,
    mc_stat: bool = False,
    channel: str = "fit",
    validate: bool = True,
) -> dict[str, Any]:
    """Build a HistFactory JSON workspace from the templates.

    Parameters
    ----------
    templates : Templates
    theta0 : array-like of shape (n_parameters,)
        Point of the nominal templates (alpha = 0).
    delta : float or array-like of shape (n_parameters,)
        Shift of theta that alpha = +-1 stands for; positive.
    luminosity : float
    counts : array-like of shape (K,), optional
        Observed counts; default the Asimov data L * W_k(theta0).
    free_norm : bool
        Add a free normalisation factor ``norm`` (start 1, range [0, 10]).
    mc_stat : bool
        Add a ``staterror`` modifier for the templates' finite MC sample, with
        absolute uncertainties L * sqrt(sum w^2) per bin at theta_0.
    channel : str
        Name of the channel and of its observation.
    validate : bool
        Check the workspace against pyhf's schema (`pyhf.Workspace`).

    Returns
    -------
    dict
        The workspace. The parameter of interest is alpha of the first
        parameter; theta_i = theta0_i + delta_i * alpha_i.

    Raises
    ------
    FipfitError
        If theta0 +- delta leaves the templates' valid range, or a template
        at theta0 +- delta has a bin with W_k <= 0.
    """
    lumi = check_luminosity(luminosity)
    center = _per_parameter(theta0, templates, "theta0")
    shift = _per_parameter(delta, templates, "delta")
    if np.any(shift <= 0):
        raise FipfitError(f"delta must be positive, got {shift.tolist()}")
    low, high = templates.limits[:, 0], templates.limits[:, 1]
    if np.any(center - shift < low) or np.any(center + shift > high):
        raise FipfitError(
            f"theta0 +- delta = {(center - shift).tolist()} .. "
            f"{(center + shift).tolist()} leaves the templates' valid range "
            f"{templates.limits.tolist()}: choose a smaller delta"
        )

    nominal = lumi * templates.expected(center)
    modifiers: list[dict[str, Any]] = []
    for index, name in enumerate(templates.parameters):
        step = np.zeros_like(center)
        step[index] = shift[index]
        hi = lumi * templates.expected(center + step)
        lo = lumi * templates.expected(center - step)
        if np.any(hi <= 0) or np.any(lo <= 0):
            raise FipfitError(
                f"the templates at {name} = theta0 +- delta have bins with W_k <= 0: "
                "choose a smaller delta"
            )
        modifiers.append(
            {
                "name": f"alpha_{name}",
                "type": "histosys",
                "data": {"hi_data": _as_list(hi), "lo_data": _as_list(lo)},
            }
        )
    if free_norm:
        modifiers.append({"name": NORM, "type": "normfactor", "data": None})
    if mc_stat:
        uncertainty = lumi * np.sqrt(templates.sum_weight2)
        modifiers.append(
            {"name": "mc_stat", "type": "staterror", "data": _as_list(uncertainty)}
        )

    observed = nominal if counts is None else np.asarray(counts, dtype=np.float64)
    if observed.shape != nominal.shape:
        raise FipfitError(
            f"counts have shape {observed.shape}, expected ({templates.n_bins},)"
        )
    parameters: list[dict[str, Any]] = []
    if free_norm:
        parameters.append({"name": NORM, "inits": [1.0], "bounds": [[0.0, 10.0]]})
    spec: dict[str, Any] = {
        "channels": [
            {
                "name": channel,
                "samples": [
                    {
                        "name": "templates",
                        "data": _as_list(nominal),
                        "modifiers": modifiers,
                    }
                ],
            }
        ],
        "observations": [{"name": channel, "data": _as_list(observed)}],
        "measurements": [
            {
                "name": "fipfit",
                "config": {
                    "poi": f"alpha_{templates.parameters[0]}",
                    "parameters": parameters,
                },
            }
        ],
        "version": SCHEMA_VERSION,
    }
    if validate:
        import pyhf

        pyhf.Workspace(spec)
    return spec


def pyhf_expected_errors(
    templates: Templates,
    luminosity: float,
    delta: ArrayLike,
    *,
    theta0: ArrayLike | None = None,
    free_norm: bool = False,
) -> FloatArray:
    """Return the errors on theta that a pyhf fit of the Asimov workspace gives.

    They are sqrt(diag((I L + diag(1 / delta^2))^-1)): the Fisher information of
    the templates at `theta0` plus that of pyhf's unit Gaussian constraint on
    each alpha, converted to theta. Shape (n_parameters,).
    """
    lumi = check_luminosity(luminosity)
    shift = _per_parameter(delta, templates, "delta")
    information = fisher_information(templates, theta=theta0, free_norm=free_norm)
    total = information * lumi + np.diag(1.0 / shift**2)
    return np.asarray(np.sqrt(np.diag(np.linalg.inv(total))), dtype=np.float64)
