"""Summary of a general ``fipfit run``: the content of ``summary.json``."""

from __future__ import annotations

import datetime
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fipfit import __version__
from fipfit.report.checks import effective_events, partition_warnings
from fipfit.report.config import RunConfig
from fipfit.report.json_values import finite
from fipfit.report.partitions import PartitionResult
from fipfit.report.provenance import library_versions, platform_description
from fipfit.report.samples import Samples
from fipfit.report.training import Models

FloatArray = NDArray[np.float64]

__all__ = ["build_summary"]


def _expected_error(
    information: FloatArray, luminosity: float, index: int
) -> float | None:
    """Return sqrt([(I L)^-1]_ii), the large-sample error of a binned fit."""
    try:
        covariance = np.linalg.inv(information * luminosity)
    except np.linalg.LinAlgError:
        return None
    variance = float(covariance[index, index])
    return math.sqrt(variance) if variance > 0 else None


def _partition_summary(
    result: PartitionResult,
    config: RunConfig,
    scale: float,
    index: int,
    n_effective: float,
    limit: float | None,
) -> dict[str, Any]:
    test = result.test
    free = config.fit.normalisation == "free"
    information = test.shape_information if free else test.information
    fit = result.fit or {}
    n_bins = int(result.edges.size - 1)
    fip = finite(test.fip[index])
    fip_error = finite(result.fip_error)
    return {
        "name": result.config.name,
        "kind": result.config.kind,
        "column": result.config.column,
        "binning": result.config.binning,
        "n_bins": n_bins,
        "requested_bins": result.config.bins,
        "edges": [float(e) for e in result.edges],
        "information": finite(scale * test.information[index, index]),
        "information_error": finite(scale * result.information_error),
        "shape_information": finite(scale * test.shape_information[index, index]),
        "fip": fip,
        "fip_error": fip_error,
        "train_fip": finite(result.train_fip),
        "shape_fip": finite(test.shape_fip[index]),
        "efficiency": finite(test.efficiency[index]),
        "sharpness": finite(test.sharpness[index]),
        "purity_factor": finite(test.purity_factor[index]),
        "nonpositive_bins": [int(k) for k in test.nonpositive_bins],
        "expected_error": _expected_error(
            scale * information, config.fit.luminosity, index
        ),
        "measured_error": finite(fit.get("measured_error")),
        "measured_error_uncertainty": finite(fit.get("measured_error_uncertainty")),
        "fit": result.fit,
        "scan": result.scan,
        "warnings": partition_warnings(
            n_bins, n_effective, fip, fip_error, limit, result.fit
        ),
    }


def _limit_of(result: PartitionResult, limits: dict[str, float]) -> float | None:
    """Return the model's limit that bounds a partition's FIP, if known.

    A partition of one column is bounded by the limit of that column when the
    model gives one; any partition is bounded by the largest limit.
    """
    if not limits:
        return None
    column = result.config.column
    if result.config.kind == "column" and column in limits:
        return limits[str(column)]
    return max(limits.values())


def build_summary(
    config: RunConfig,
    samples: Samples,
    record: dict[str, Any],
    parameter: str,
    index: int,
    ideal: float,
    expected_ideal: float | None,
    limits: dict[str, float],
    models: Models,
    partitions: list[PartitionResult],
) -> dict[str, Any]:
    scale = samples.scale(samples.test)
    n_effective = effective_events(samples.test)
    entries = [
        _partition_summary(p, config, scale, index, n_effective, _limit_of(p, limits))
        for p in partitions
    ]
    best = max(entries, key=lambda e: e["fip"] if e["fip"] is not None else -1.0)
    return {
        "fipfit_version": __version__,
        "title": config.title,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "parameter": parameter,
        "parameters": list(samples.all.parameters),
        "features": list(config.features),
        "events": {
            "total": len(samples.all),
            "selected": int(samples.all.selected.sum()),
            "train": len(samples.train),
            "test": len(samples.test),
            "pseudo_data": len(samples.pseudo_data),
        },
        "luminosity": config.fit.luminosity,
        "normalisation": config.fit.normalisation,
        "ideal_information": finite(ideal),
        "expected_ideal_information": finite(expected_ideal),
        "reference_limits": limits,
        "best_partition": best["name"],
        "partitions": entries,
        "regressor": models.regressor_info or None,
        "classifier": models.classifier_info or None,
        "metrics_study": None,
        "config": config.to_dict(),
        "provenance": {
            "versions": library_versions(),
            "platform": platform_description(),
            "root_seed": config.seed,
            "seeds": config.seeds,
            "inputs": [record],
        },
    }
