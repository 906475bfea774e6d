"""Summary of the ``zmumu`` example: the content of ``summary.json``.

The summary has the keys of a general run, for m_Z with sin^2 theta_eff free,
and a ``zmumu`` block with the 2x2 information matrices of every partition.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fipfit import __version__
from fipfit.events import Events
from fipfit.information import partition_information
from fipfit.report.checks import effective_events, partition_warnings
from fipfit.report.json_values import finite
from fipfit.report.provenance import file_sha256, library_versions, platform_description
from fipfit.report.zmumu_analysis import MeasuredPartition, ZmumuAnalysis
from fipfit.report.zmumu_config import ZmumuConfig
from fipfit.report.zmumu_inputs import ELECTRON, MUON, event_ids

FloatArray = NDArray[np.float64]

__all__ = ["PARAMETERS", "build_summary"]


PARAMETERS = ("mz", "sin2theta")


def _matrix(values: FloatArray) -> list[list[float | None]]:
    return [[finite(v) for v in row] for row in np.asarray(values)]


def _expected_error(information: FloatArray, index: int) -> float | None:
    """Return sqrt([I^-1]_ii), the error at a luminosity of one weight unit."""
    try:
        covariance = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        return None
    variance = float(covariance[index, index])
    return math.sqrt(variance) if variance > 0 else None


def _partition_entry(
    item: MeasuredPartition, config: ZmumuConfig, scale: float, n_effective: float
) -> dict[str, Any]:
    """Build the summary row of a partition for m_Z, with sin^2 theta free.

    The FIP is not checked against the true-mass FIP: the regressor also
    sees the lepton angles, so that reference does not bound it.
    """
    test = item.test
    n_bins = int(item.edges.size - 1)
    return {
        "name": item.spec.name,
        "kind": item.spec.kind,
        "column": item.spec.column,
        "binning": "quantile",
        "n_bins": n_bins,
        "requested_bins": config.bins,
        "edges": [float(e) for e in item.edges],
        "information": finite(scale * test.information[0, 0]),
        "information_error": finite(scale * item.information_error[0, 0]),
        "shape_information": finite(scale * test.shape_information[0, 0]),
        "fip": finite(test.fip[0]),
        "fip_error": finite(item.fip_error[0]),
        "train_fip": finite(item.train_fip[0]),
        "shape_fip": finite(test.shape_fip[0]),
        "efficiency": finite(test.efficiency[0]),
        "sharpness": finite(test.sharpness[0]),
        "purity_factor": finite(test.purity_factor[0]),
        "nonpositive_bins": [int(k) for k in test.nonpositive_bins],
        "expected_error": _expected_error(scale * test.shape_information, 0),
        "measured_error": None,
        "measured_error_uncertainty": None,
        "fit": None,
        "scan": item.scan,
        "warnings": partition_warnings(
            n_bins, n_effective, finite(test.fip[0]), None, None, None
        ),
    }


def _matrix_entry(item: MeasuredPartition, scale: float) -> dict[str, Any]:
    test = item.test
    return {
        "name": item.spec.name,
        "variable": item.spec.column or f"regressor output {item.spec.component}",
        "events": "all" if item.spec.all_events else "selected",
        "n_bins": int(item.edges.size - 1),
        "information": _matrix(scale * test.information),
        "shape_information": _matrix(scale * test.shape_information),
        "fip": dict(zip(PARAMETERS, map(finite, test.fip), strict=True)),
        "fip_error": dict(zip(PARAMETERS, map(finite, item.fip_error), strict=True)),
        "shape_fip": dict(zip(PARAMETERS, map(finite, test.shape_fip), strict=True)),
        "train_fip": dict(zip(PARAMETERS, map(finite, item.train_fip), strict=True)),
        "nonpositive_bins": [int(k) for k in test.nonpositive_bins],
    }


def _data_fit_entry(result: Any, label: str, parameter: str) -> dict[str, Any]:
    values = result.to_dict()
    return {
        "name": f"{result.partition} fitted to data",
        "partition": result.partition,
        "parameter": parameter,
        "value": values["value"],
        "error": values["hesse_error"],
        "expected_error": values["fisher_error"],
        "valid": result.valid,
        "n_data": result.n_data,
        "edges": values["edges"],
        "observed": values["observed"],
        "expected": values["expected"],
        "xlabel": label,
        "m_z": values["value"],
        "hesse_error": values["hesse_error"],
        "fisher_error": values["fisher_error"],
        "converged": result.converged,
        "normalisation": values["normalisation"],
        "effective_luminosity": values["effective_luminosity"],
        "effective_luminosity_error": values["effective_luminosity_error"],
        "fval": values["fval"],
    }


def _generated(events: Events) -> int:
    return int(np.unique(event_ids(events)).size)


def build_summary(
    config: ZmumuConfig,
    everything: Events,
    analysis: ZmumuAnalysis,
    measured: list[MeasuredPartition],
    fits: list[tuple[Any, str]],
    data_record: dict[str, Any],
) -> dict[str, Any]:
    n_all, n_test = _generated(everything), _generated(analysis.test)
    scale = n_all / n_test
    ideal = partition_information(
        everything, np.zeros(len(everything), dtype=np.intp), 1
    )
    n_effective = effective_events(analysis.test)
    entries = [
        _partition_entry(item, config, scale, n_effective) for item in measured[:2]
    ]
    best = max(entries, key=lambda e: e["fip"] if e["fip"] is not None else -1.0)
    inputs = [
        {
            "role": "simulation",
            "kind": "file",
            "path": str(path),
            "rows": int(np.sum(everything.data["file_index"].to_numpy() == index)),
            "sha256": file_sha256(path),
        }
        for index, path in enumerate(config.lhe)
    ]
    if config.data is not None:
        inputs.append(
            {
                "role": "data",
                "kind": "file",
                "path": str(config.data),
                "rows": int(data_record["rows"]),
                "sha256": file_sha256(config.data),
            }
        )
    flavours = everything.data["lepton_flavour"].to_numpy()
    summary: dict[str, Any] = {
        "fipfit_version": __version__,
        "title": config.title,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "parameter": "mz",
        "parameters": list(everything.parameters),
        "features": list(config.features),
        "events": {
            "total": len(everything),
            "selected": int(everything.selected.sum()),
            "train": len(analysis.train),
            "test": len(analysis.test),
            "pseudo_data": 0,
        },
        "luminosity": 1.0,
        "normalisation": "free",
        "ideal_information": finite(ideal.ideal_information[0, 0]),
        "expected_ideal_information": None,
        "reference_limits": {
            "true mll, selected events": float(measured[3].test.fip[0]),
        },
        "best_partition": best["name"],
        "partitions": entries,
        "regressor": {
            "model": config.regressor.get("model", "hgb"),
            "settings": {k: v for k, v in config.regressor.items() if k != "model"},
        },
        "classifier": None,
        "metrics_study": None,
        "zmumu": {
            "generated_events": {
                "total": n_all,
                "train": _generated(analysis.train),
                "test": n_test,
            },
            "smearings": config.smearings,
            "electron_rows": int(np.sum(flavours == ELECTRON)),
            "muon_rows": int(np.sum(flavours == MUON)),
            "negative_weight_rows": int(np.sum(everything.weight < 0)),
            "parameters": list(PARAMETERS),
            "ideal_information": _matrix(ideal.ideal_information),
            "shape_ideal_information": _matrix(ideal.shape_ideal_information),
            "partitions": [_matrix_entry(item, scale) for item in measured],
            "data_selection": data_record or None,
            "data_window": list(config.data_fit.window),
            "template_flavours": [MUON, ELECTRON]
            if config.data_fit.electrons
            else [MUON],
        },
        "config": config.to_dict(),
        "provenance": {
            "versions": library_versions(),
            "platform": platform_description(),
            "root_seed": config.seed,
            "seeds": config.seeds,
            "inputs": inputs,
        },
    }
    if fits:
        summary["data_fit"] = [
            _data_fit_entry(result, label, "mz") for result, label in fits
        ]
    return summary
