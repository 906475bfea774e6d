"""Configurations of ``fipfit run`` from a TOML file or a built-in example.

`load_config` reads a TOML file; `example_config` returns one of the built-in
examples stored in `EXAMPLES` (``fipfit run --example NAME`` runs one). Add an
example by adding an entry to `EXAMPLES`. A configuration with the key
``pipeline = "zmumu"`` is the Z line-shape example, any other one a general run.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fipfit.errors import FipfitError
from fipfit.report.config import RunConfig, parse_config
from fipfit.report.zmumu_config import ZmumuConfig, parse_zmumu_config

__all__ = ["EXAMPLES", "example_config", "load_config"]


def load_config(path: str | Path) -> RunConfig | ZmumuConfig:
    """Read and validate a TOML configuration file.

    A file with ``pipeline = "zmumu"`` configures the Z line-shape example
    (`fipfit.report.zmumu`) instead of the general run.
    """
    source = Path(path)
    if not source.is_file():
        raise FipfitError(f"configuration file '{source}' not found: check the path")
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise FipfitError(
            f"{source}: invalid TOML: {error}; fix the syntax at that line"
        ) from None
    except UnicodeDecodeError:
        raise FipfitError(f"{source}: not a UTF-8 text file") from None
    if "pipeline" in raw:
        return _parse_pipeline(raw, origin=str(source), base=source.parent)
    return parse_config(raw, origin=str(source), base=source.parent)


def _parse_pipeline(
    raw: Mapping[str, Any], *, origin: str, base: Path | None
) -> ZmumuConfig:
    """Validate a configuration of a dedicated pipeline (key ``pipeline``)."""
    if raw["pipeline"] != "zmumu":
        raise FipfitError(
            f"{origin}: key 'pipeline' must be \"zmumu\", got {raw['pipeline']!r}: "
            "remove the key for a general run"
        )
    return parse_zmumu_config(raw, origin=origin, base=base)


# --- built-in examples --------------------------------------------------------

_COMMON_PARTITIONS: list[dict[str, Any]] = [
    {"name": "regressor (quantile)", "kind": "regressor", "binning": "quantile"},
    {"name": "regressor (optimal)", "kind": "regressor", "binning": "optimal"},
    {"name": "classifier", "kind": "classifier", "binning": "quantile"},
]

#: Built-in configurations, by name; ``examples/<name>.toml`` contains the same.
EXAMPLES: dict[str, dict[str, Any]] = {
    "peak": {
        "title": "Mass of a peak over a falling background",
        "seed": 1,
        "input": {"model": "peak", "events": 200_000},
        "features": ["x", "eta"],
        "partitions": [
            {"name": "x", "kind": "column", "column": "x", "binning": "quantile"},
            *_COMMON_PARTITIONS,
        ],
        "fit": {"luminosity": 0.02, "toys": 500},
    },
    "xsec": {
        "title": "Signal cross section with a classifier",
        "seed": 2,
        "input": {"model": "xsec", "events": 200_000},
        "features": ["x1", "x2", "x3"],
        "partitions": [
            {"name": "x1", "kind": "column", "column": "x1", "binning": "quantile"},
            *_COMMON_PARTITIONS,
        ],
        "fit": {"luminosity": 0.01, "toys": 500},
    },
    "eft": {
        "title": "Effective-field-theory coupling",
        "seed": 3,
        "input": {"model": "eft", "events": 200_000},
        "parameter": "c2",
        "features": ["e1", "e2", "phi"],
        "partitions": [
            {"name": "e1", "kind": "column", "column": "e1", "binning": "quantile"},
            *_COMMON_PARTITIONS,
        ],
        "fit": {"luminosity": 0.02, "toys": 500},
    },
    # The Z line-shape example (fipfit.report.zmumu). Its relative paths start
    # at the repository root, where ../shared/data contains the event files.
    "zmumu": {
        "pipeline": "zmumu",
        "title": "Z mass: MadGraph simulation and CMS dimuon data",
        "seed": 4,
        "lhe": ["../shared/data/pylhe-testfile-madgraph-2.2.1-Z-mlm.lhe.gz"],
        "data": "../shared/data/uproot-Zmumu.root",
        "smearings": 4,
        "features": ["mll", "eta1", "eta2"],
        "bins": 20,
        "data_fit": {"window": [70.0, 110.0], "bins": 20, "electrons": True},
    },
}


def example_config(name: str) -> RunConfig | ZmumuConfig:
    """Return the built-in example configuration `name`."""
    if name not in EXAMPLES:
        raise FipfitError(
            f"unknown example '{name}': choose one of {', '.join(sorted(EXAMPLES))}"
        )
    origin = f"built-in example '{name}'"
    if "pipeline" in EXAMPLES[name]:
        return _parse_pipeline(copy.deepcopy(EXAMPLES[name]), origin=origin, base=None)
    return parse_config(copy.deepcopy(EXAMPLES[name]), origin=origin)
