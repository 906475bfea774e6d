"""JSON-ready summaries of information results (plain floats, lists and dicts)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fipfit.information import PartitionInformation
from fipfit.uncertainty import BootstrapResult

__all__ = ["information_summary", "negative_weight_summary"]


def _number(value: float | np.floating[Any]) -> float | None:
    """Return a JSON number, or None for NaN and infinity (JSON has neither)."""
    number = float(value)
    return number if math.isfinite(number) else None


def _matrix_or_scalar(matrix: NDArray[np.float64], index: int | None) -> Any:
    if index is not None:
        return _number(matrix[index, index])
    return [[_number(v) for v in row] for row in matrix]


def _vector_or_scalar(vector: NDArray[np.float64], index: int | None) -> Any:
    if index is not None:
        return _number(vector[index])
    return [_number(v) for v in vector]


def information_summary(
    result: PartitionInformation,
    bootstrap: BootstrapResult | None = None,
    *,
    parameter: str | None = None,
) -> dict[str, Any]:
    """Summarise a partition's information as a JSON-ready dictionary.

    With one parameter, or with `parameter` naming one, matrices become the
    parameter's diagonal element and per-parameter values become numbers. With
    several parameters and no choice, matrices stay nested lists and
    per-parameter values lists.

    The two kinds of number differ when there are several parameters. The
    information keys (``ideal_information``, ``information`` and the like) are
    diagonal elements [I]_ii, the information on parameter i with the others
    fixed. ``fip``, ``shape_fip``, ``fip_error``, ``efficiency``, ``sharpness``
    and ``purity_factor`` are ratios of profiled variances,
    FIP_i = [I_ideal^-1]_ii / [I(P)^-1]_ii, so the other parameters are free.
    FIP_i is therefore not [I(P)]_ii / [I_ideal]_ii in general.

    Keys: ``parameters``, ``n_parameters`` (how many parameters the events
    have, selected or not), ``ideal_information``, ``ideal_information_selected``,
    ``information``, ``fip``, ``fip_error``, ``information_error``,
    ``efficiency``, ``sharpness``, ``purity_factor``, ``shape_information``,
    ``shape_ideal_information``, ``shape_fip``, ``n_events``, ``n_bins``,
    ``nonpositive_bins`` and ``bins`` (one object per bin with ``weight``,
    ``dweight``, ``gamma_mean``, ``n_events``, ``n_effective``, ``share`` and,
    where labels exist, ``purity``).
    """
    if parameter is not None:
        index: int | None = result.parameters.index(parameter)
    elif len(result.parameters) == 1:
        index = 0
    else:
        index = None

    table = result.bins
    bins = []
    for k in range(len(table)):
        entry: dict[str, Any] = {
            "weight": _number(table.weight[k]),
            "dweight": _vector_or_scalar(table.dweight[k], index),
            "gamma_mean": _vector_or_scalar(table.gamma_mean[k], index),
            "n_events": int(table.n_events[k]),
            "n_effective": _number(table.n_effective[k]),
            "share": _vector_or_scalar(table.share[k], index),
        }
        if table.purity is not None:
            entry["purity"] = _number(table.purity[k])
        bins.append(entry)

    summary: dict[str, Any] = {
        "parameters": list(result.parameters)
        if index is None
        else result.parameters[index],
        "n_parameters": len(result.parameters),
        "ideal_information": _matrix_or_scalar(result.ideal_information, index),
        "ideal_information_selected": _matrix_or_scalar(
            result.ideal_information_selected, index
        ),
        "information": _matrix_or_scalar(result.information, index),
        "fip": _vector_or_scalar(result.fip, index),
        "fip_error": None,
        "information_error": None,
        "efficiency": _vector_or_scalar(result.efficiency, index),
        "sharpness": _vector_or_scalar(result.sharpness, index),
        "purity_factor": _vector_or_scalar(result.purity_factor, index),
        "shape_information": _matrix_or_scalar(result.shape_information, index),
        "shape_ideal_information": _matrix_or_scalar(
            result.shape_ideal_information, index
        ),
        "shape_fip": _vector_or_scalar(result.shape_fip, index),
        "n_events": result.n_events,
        "n_bins": len(table),
        "nonpositive_bins": [int(k) for k in result.nonpositive_bins],
        "bins": bins,
    }
    if bootstrap is not None:
        summary["fip_error"] = _vector_or_scalar(bootstrap.fip_error, index)
        summary["information_error"] = _matrix_or_scalar(
            bootstrap.information_error, index
        )
    return summary


def negative_weight_summary(
    n_negative: int, negative_weight: float, total_abs_weight: float
) -> dict[str, Any]:
    """Summarise negative weights: their count and share of the sum of |w|.

    Negative weights are allowed, but FIP can then exceed 1, so every
    information report states how many there are.
    """
    share = negative_weight / total_abs_weight if total_abs_weight > 0 else 0.0
    return {"n_events": int(n_negative), "fraction_of_abs_weight": _number(share)}
