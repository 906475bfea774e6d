"""Configuration of a general ``fipfit run``: its defaults and its validation.

A configuration names the input (an event file, or a toy model with its size and
settings), the parameter and the observables, the partitions to compare, the
luminosity and number of pseudo-experiments of the fits, and the root seed. Every
key is checked: an unknown key or a value of the wrong type raises `FipfitError`
naming the key, the value and the fix.

`fipfit.report.config_loader` reads the TOML files and defines the built-in
examples.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fipfit.errors import FipfitError
from fipfit.report.config_reader import TableReader

__all__ = [
    "DataConfig",
    "FitConfig",
    "InputConfig",
    "PartitionConfig",
    "RunConfig",
    "SplitConfig",
    "parse_config",
]

PARTITION_KINDS = ("column", "regressor", "classifier")
BINNINGS = ("quantile", "optimal")
NORMALISATIONS = ("fixed", "free")

#: Steps that draw random numbers; each gets its own seed derived from the root.
SEED_STEPS = (
    "generate",
    "split",
    "regressor",
    "classifier",
    "bootstrap",
    "toys",
    "study",
)


@dataclass(frozen=True)
class InputConfig:
    """Source of the events: a file, or a toy model and its settings.

    Attributes
    ----------
    file : Path or None
        Event file (Parquet or CSV); relative paths are taken from the config
        file's folder.
    model : str or None
        Toy model of `fipfit.toymodels`, used when `file` is None.
    events : int
        Number of events to generate (toy models only).
    settings : dict
        Generator settings passed to the toy model.
    weight, dweight, label, selected : str, tuple of str or None
        Column names, as in `fipfit.events.EventColumns`.
    """

    file: Path | None = None
    model: str | None = None
    events: int = 200_000
    settings: dict[str, Any] = field(default_factory=dict)
    weight: str = "weight"
    dweight: tuple[str, ...] | None = None
    label: str | None = "label"
    selected: str | None = "selected"


@dataclass(frozen=True)
class SplitConfig:
    """Fractions of the events used to train, to evaluate, and as pseudo-data."""

    train: float = 0.5
    test: float = 0.3
    pseudo_data: float = 0.2


@dataclass(frozen=True)
class PartitionConfig:
    """One partition to compare.

    Attributes
    ----------
    name : str
        Label in the tables and figures.
    kind : {"column", "regressor", "classifier"}
        Bin an observable, the regressed gamma, or the classifier's output.
    column : str or None
        The observable binned by a ``column`` partition.
    bins : int
        Number of bins.
    binning : {"quantile", "optimal"}
        Equal-weight bins, or edges chosen to maximise the information.
    """

    name: str
    kind: str
    column: str | None = None
    bins: int = 20
    binning: str = "quantile"


@dataclass(frozen=True)
class FitConfig:
    """Binned fits of pseudo-experiments.

    Attributes
    ----------
    luminosity : float
        Integrated luminosity, in the inverse units of the event weights: the
        expected data yield of a bin is the luminosity times the bin's sum of
        weights over the whole input. Default 1, the yield the weights describe.
    toys : int
        Pseudo-experiments fitted per partition.
    normalisation : {"fixed", "free"}
        Whether the fit lets the overall normalisation float.
    """

    luminosity: float = 1.0
    toys: int = 200
    normalisation: str = "fixed"


@dataclass(frozen=True)
class DataConfig:
    """Real data to fit with the templates of the partitions.

    Attributes
    ----------
    file : Path
        Table (Parquet or CSV) with one row per data event and the observables
        as columns; relative paths are taken from the config file's folder.
    luminosity : float
        Integrated luminosity of the data, in the inverse units of the weights.
    partitions : tuple of str
        Names of the partitions to fit; empty means every partition.
    label : str
        Axis label, with its unit, of the binned observable in the figures of
        column partitions (the regressor and classifier outputs have their own).
    """

    file: Path
    luminosity: float
    partitions: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class RunConfig:
    """A validated configuration of ``fipfit run``."""

    title: str
    input: InputConfig
    parameter: str | None
    features: tuple[str, ...]
    partitions: tuple[PartitionConfig, ...]
    split: SplitConfig = SplitConfig()
    fit: FitConfig = FitConfig()
    scan_bins: tuple[int, ...] = (1, 2, 3, 5, 8, 12, 20, 30, 50)
    regressor: dict[str, Any] = field(default_factory=dict)
    classifier: dict[str, Any] = field(default_factory=dict)
    bootstrap: int = 100
    seed: int = 0
    threads: int = 1
    study: bool = True
    study_bins: int = 20
    study_toys: int = 100
    study_events: int = 60_000
    data: DataConfig | None = None
    source: str = "built-in"

    @property
    def seeds(self) -> dict[str, int]:
        """Seed of each random step, derived from the root `seed`."""
        return derive_seeds(self.seed)

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as TOML-like plain values (for the report)."""
        inputs: dict[str, Any] = {
            "weight": self.input.weight,
            "dweight": None if self.input.dweight is None else list(self.input.dweight),
            "label": self.input.label,
            "selected": self.input.selected,
        }
        if self.input.file is not None:
            inputs["file"] = str(self.input.file)
        else:
            inputs["model"] = self.input.model
            inputs["events"] = self.input.events
            inputs["settings"] = copy.deepcopy(self.input.settings)
        return {
            "title": self.title,
            "seed": self.seed,
            "threads": self.threads,
            "parameter": self.parameter,
            "features": list(self.features),
            "input": inputs,
            "split": {
                "train": self.split.train,
                "test": self.split.test,
                "pseudo_data": self.split.pseudo_data,
            },
            "partitions": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "column": p.column,
                    "bins": p.bins,
                    "binning": p.binning,
                }
                for p in self.partitions
            ],
            "fit": {
                "luminosity": self.fit.luminosity,
                "toys": self.fit.toys,
                "normalisation": self.fit.normalisation,
            },
            "scan": {"bins": list(self.scan_bins)},
            "regressor": copy.deepcopy(self.regressor),
            "classifier": copy.deepcopy(self.classifier),
            "bootstrap": {"resamples": self.bootstrap},
            "study": {
                "run": self.study,
                "bins": self.study_bins,
                "toys": self.study_toys,
                "events": self.study_events,
            },
            "data": None
            if self.data is None
            else {
                "file": str(self.data.file),
                "luminosity": self.data.luminosity,
                "partitions": list(self.data.partitions),
                "label": self.data.label,
            },
            "source": self.source,
        }


def derive_seeds(root: int) -> dict[str, int]:
    """Derive one independent 32-bit seed per random step from `root`.

    Each seed is the first word of numpy's SeedSequence entropy([root, index]),
    so changing the root changes every step, and steps never share a stream.
    """
    return {
        step: int(np.random.SeedSequence([root, index]).generate_state(1)[0])
        for index, step in enumerate(SEED_STEPS)
    }


# --- validation ---------------------------------------------------------------

_TOP_KEYS = (
    "title",
    "seed",
    "threads",
    "parameter",
    "features",
    "input",
    "split",
    "partitions",
    "fit",
    "scan",
    "regressor",
    "classifier",
    "bootstrap",
    "study",
    "data",
)
_INPUT_KEYS = (
    "file",
    "model",
    "events",
    "settings",
    "weight",
    "dweight",
    "label",
    "selected",
)
_SPLIT_KEYS = ("train", "test", "pseudo_data")
_PARTITION_KEYS = ("name", "kind", "column", "bins", "binning")
_FIT_KEYS = ("luminosity", "toys", "normalisation")
_SCAN_KEYS = ("bins",)
_BOOTSTRAP_KEYS = ("resamples",)
_DATA_KEYS = ("file", "luminosity", "partitions", "label")
_STUDY_KEYS = ("run", "bins", "toys", "events")


def _parse_input(reader: TableReader, base: Path | None) -> InputConfig:
    reader.check_keys(_INPUT_KEYS)
    file = reader.string("file", None)
    model = reader.string("model", None)
    if (file is None) == (model is None):
        raise FipfitError(
            f"{reader.origin}: table [input] needs exactly one of 'file' (an event "
            "file) or 'model' (a toy model to generate from)"
        )
    path = None
    if file is not None:
        path = Path(file).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        for name in ("events", "settings"):
            if name in reader.table:
                raise reader.fail(
                    name, "applies to generated inputs only: remove it or use 'model'"
                )
    dweight = reader.table.get("dweight")
    return InputConfig(
        file=path,
        model=model,
        events=reader.integer("events", InputConfig.events, minimum=100),
        settings=copy.deepcopy(reader.table_of("settings")),
        weight=reader.string("weight", "weight") or "weight",
        dweight=None if dweight is None else reader.strings("dweight", None),
        label=reader.string("label", "label"),
        selected=reader.string("selected", "selected"),
    )


def _parse_data(
    reader: TableReader, base: Path | None, partitions: Sequence[PartitionConfig]
) -> DataConfig | None:
    if "data" not in reader.table:
        return None
    data = reader.sub("data")
    data.check_keys(_DATA_KEYS)
    file = data.string("file", None)
    if file is None:
        raise data.fail("file", "is missing: name the table of data events")
    path = Path(file).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    if "luminosity" not in data.table:
        raise data.fail(
            "luminosity",
            "is missing: give the data's integrated luminosity in the inverse "
            "units of the event weights",
        )
    names = data.strings("partitions", ())
    known = [p.name for p in partitions]
    for name in names:
        if name not in known:
            raise data.fail(
                "partitions",
                f"names an unknown partition '{name}': choose among {known}",
            )
    return DataConfig(
        file=path,
        luminosity=data.number("luminosity", 1.0, positive=True),
        partitions=names,
        label=data.string("label", "") or "",
    )


def _parse_model_settings(reader: TableReader, name: str) -> dict[str, Any]:
    """Check the keys of the [regressor] or [classifier] table.

    The keys are the hyper-parameters of `fipfit.regression.GammaRegressor`
    (or `SignalClassifier`), ``model`` included; ``random_state`` is set by
    the run's seed. Values are checked by the estimator when it trains.
    """
    from fipfit.regression import MODELS, GammaRegressor, SignalClassifier

    table = reader.sub(name)
    estimator = GammaRegressor() if name == "regressor" else SignalClassifier()
    allowed = tuple(sorted(set(estimator.get_params()) - {"random_state"}))
    if "random_state" in table.table:
        raise table.fail(
            "random_state", "is set by the run's seed: remove it and set 'seed'"
        )
    table.check_keys(allowed)
    table.choice("model", "hgb", MODELS)
    return copy.deepcopy(dict(table.table))


def _parse_split(reader: TableReader) -> SplitConfig:
    reader.check_keys(_SPLIT_KEYS)
    default = SplitConfig()
    split = SplitConfig(
        train=reader.number("train", default.train, positive=True),
        test=reader.number("test", default.test, positive=True),
        pseudo_data=reader.number("pseudo_data", default.pseudo_data, positive=True),
    )
    total = split.train + split.test + split.pseudo_data
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise FipfitError(
            f"{reader.origin}: split fractions train + test + pseudo_data must sum "
            f"to 1, got {split.train} + {split.test} + {split.pseudo_data} = {total:g}"
        )
    return split


def _parse_partitions(value: Any, origin: str) -> tuple[PartitionConfig, ...]:
    if not isinstance(value, list) or not value:
        raise FipfitError(
            f"{origin}: key 'partitions' must be a non-empty list of tables: write "
            '[[partitions]] with name = "...", kind = "regressor", bins = 20'
        )
    partitions = []
    for index, table in enumerate(value):
        where = f"partitions[{index}]"
        if not isinstance(table, dict):
            raise FipfitError(f"{origin}: key '{where}' must be a table, got {table!r}")
        reader = TableReader(table, where, origin)
        reader.check_keys(_PARTITION_KEYS)
        kind = reader.choice("kind", "regressor", PARTITION_KINDS)
        column = reader.string("column", None)
        if kind == "column" and column is None:
            raise reader.fail(
                "column", 'is missing: a "column" partition names the observable'
            )
        if kind != "column" and column is not None:
            raise reader.fail(
                "column", f'applies to kind = "column" only, not "{kind}": remove it'
            )
        default_name = column if kind == "column" else kind
        name = reader.string("name", default_name) or str(default_name)
        partitions.append(
            PartitionConfig(
                name=name,
                kind=kind,
                column=column,
                bins=reader.integer("bins", PartitionConfig.bins, minimum=1),
                binning=reader.choice("binning", "quantile", BINNINGS),
            )
        )
    names = [p.name for p in partitions]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise FipfitError(
            f"{origin}: partition names {repeated} are used more than once: "
            "give each partition its own name"
        )
    return tuple(partitions)


def parse_config(
    raw: Mapping[str, Any], *, origin: str = "config", base: Path | None = None
) -> RunConfig:
    """Validate a configuration given as nested dictionaries (parsed TOML).

    Parameters
    ----------
    raw : mapping
        The parsed TOML document.
    origin : str
        Name of the source, used in error messages.
    base : Path, optional
        Folder that relative input paths start from.

    Raises
    ------
    FipfitError
        On an unknown key, a value of the wrong type or out of range, or
        inconsistent settings; the message names the key and the fix.
    """
    top = TableReader(raw, "", origin)
    top.check_keys(_TOP_KEYS)
    features = top.strings("features", None) if "features" in raw else ()
    if not features:
        raise FipfitError(
            f"{origin}: key 'features' is missing or empty: list the observables "
            'the regressor and classifier use, such as features = ["x"]'
        )
    fit_reader = top.sub("fit")
    fit_reader.check_keys(_FIT_KEYS)
    scan_reader = top.sub("scan")
    scan_reader.check_keys(_SCAN_KEYS)
    bootstrap_reader = top.sub("bootstrap")
    bootstrap_reader.check_keys(_BOOTSTRAP_KEYS)
    study_reader = top.sub("study")
    study_reader.check_keys(_STUDY_KEYS)

    scan_bins = RunConfig.scan_bins
    if "bins" in scan_reader.table:
        values = scan_reader.table["bins"]
        if (
            not isinstance(values, list)
            or not values
            or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 1
                for v in values
            )
        ):
            raise scan_reader.fail(
                "bins",
                f"must be a list of positive integers, got {values!r}: "
                "write bins = [1, 2, 5, 10, 20]",
            )
        scan_bins = tuple(sorted(set(values)))

    partitions = _parse_partitions(raw.get("partitions"), origin)
    return RunConfig(
        title=top.string("title", "fipfit report") or "fipfit report",
        input=_parse_input(top.sub("input"), base),
        parameter=top.string("parameter", None),
        features=features,
        partitions=partitions,
        split=_parse_split(top.sub("split")),
        fit=FitConfig(
            luminosity=fit_reader.number(
                "luminosity", FitConfig.luminosity, positive=True
            ),
            toys=fit_reader.integer("toys", FitConfig.toys, minimum=2),
            normalisation=fit_reader.choice("normalisation", "fixed", NORMALISATIONS),
        ),
        scan_bins=scan_bins,
        regressor=_parse_model_settings(top, "regressor"),
        classifier=_parse_model_settings(top, "classifier"),
        bootstrap=bootstrap_reader.integer("resamples", RunConfig.bootstrap, minimum=2),
        seed=top.integer("seed", 0, minimum=0),
        threads=top.integer("threads", RunConfig.threads, minimum=1),
        study=study_reader.boolean("run", True),
        study_bins=study_reader.integer("bins", RunConfig.study_bins, minimum=1),
        study_toys=study_reader.integer("toys", RunConfig.study_toys, minimum=2),
        study_events=study_reader.integer(
            "events", RunConfig.study_events, minimum=100
        ),
        data=_parse_data(top, base, partitions),
        source=origin,
    )
