"""Configuration of the ``zmumu`` example of ``fipfit run``.

A TOML file with ``pipeline = "zmumu"`` (or ``fipfit run --example zmumu``)
names the MadGraph LHE files and the CMS data file, the detector smearings,
the regressor's features and settings, the bins, and the data fit's window.
Every key is checked by `fipfit.report.config_reader.TableReader`; relative
paths start at the configuration file's folder, and for the built-in example
at the repository root.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fipfit.report.config_reader import TableReader

__all__ = ["DataFitConfig", "ZmumuConfig", "parse_zmumu_config"]

#: Steps that draw random numbers, each seeded from the root seed.
SEED_STEPS = ("smearing", "split", "regressor", "bootstrap")

#: Folder that relative paths of the built-in example start from: the
#: repository root in a source checkout (the folder that holds ``src``).
REPOSITORY = Path(__file__).resolve().parents[3]

#: Features the regressor reads by default: the pair mass and the lepton
#: directions, which set the momentum resolution of each event.
DEFAULT_FEATURES = ("mll", "eta1", "eta2")

#: Default regressor: a small network. Trees trained on a few thousand
#: events learn the mass dependence of gamma in steps and lose more
#: information than they gain from the resolution. Early stopping is off
#: because its validation split is by row, and the measurements of one
#: generated event would sit on both sides of it.
DEFAULT_REGRESSOR: dict[str, Any] = {
    "model": "mlp",
    "hidden_layer_sizes": [32, 32],
    "max_iter": 100,
    "early_stopping": False,
}


@dataclass(frozen=True)
class DataFitConfig:
    """Settings of the fit of m_Z to recorded data.

    Attributes
    ----------
    window : tuple of float
        Measured pair-mass window (GeV), applied to simulation and data.
    bins : int
        Equal-weight bins of each fitted partition.
    electrons : bool
        Use simulated e+ e- events as extra muon templates.
    mz_range : float
        Half-width (GeV) of the m_Z grid of the exact templates around the
        generator's m_Z; the fit stays inside it.
    """

    window: tuple[float, float] = (70.0, 110.0)
    bins: int = 20
    electrons: bool = True
    mz_range: float = 2.0


@dataclass(frozen=True)
class ZmumuConfig:
    """A validated configuration of the zmumu example.

    Attributes
    ----------
    title : str
    lhe : tuple of Path
        MadGraph LHE files of pp -> Z/gamma* -> l+ l-; each is normalised to
        its own cross section.
    data : Path or None
        CMS dimuon ROOT file, or a Parquet or CSV table converted from one;
        None skips the data fit.
    seed : int
        Root seed of every random step.
    threads : int
        OpenMP and BLAS threads of the run, as in the general run.
    smearings : int
        Measurements of each generated event by the detector model.
    features : tuple of str
        Measured columns the regressor reads.
    bins : int
        Equal-weight bins of each information partition.
    train_fraction : float
        Fraction of the generated events that train the regressor and place
        the bin edges.
    scan_bins : tuple of int
        Bin counts of the FIP scan.
    regressor : dict
        ``model`` and hyper-parameters of `fipfit.regression.GammaRegressor`.
    bootstrap : int
        Bootstrap replicas of the FIP errors.
    data_fit : DataFitConfig
    source : str
        Where the configuration came from.
    """

    title: str
    lhe: tuple[Path, ...]
    data: Path | None
    seed: int = 0
    threads: int = 1
    smearings: int = 4
    features: tuple[str, ...] = DEFAULT_FEATURES
    bins: int = 20
    train_fraction: float = 0.5
    scan_bins: tuple[int, ...] = (2, 5, 10, 20, 40)
    regressor: dict[str, Any] = field(
        default_factory=lambda: copy.deepcopy(DEFAULT_REGRESSOR)
    )
    bootstrap: int = 100
    data_fit: DataFitConfig = DataFitConfig()
    source: str = "built-in"

    @property
    def seeds(self) -> dict[str, int]:
        """Seed of each random step, derived from the root `seed`."""
        return {
            step: int(np.random.SeedSequence([self.seed, index]).generate_state(1)[0])
            for index, step in enumerate(SEED_STEPS)
        }

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as TOML-like plain values."""
        return {
            "pipeline": "zmumu",
            "title": self.title,
            "seed": self.seed,
            "threads": self.threads,
            "lhe": [str(path) for path in self.lhe],
            "data": None if self.data is None else str(self.data),
            "smearings": self.smearings,
            "features": list(self.features),
            "bins": self.bins,
            "train_fraction": self.train_fraction,
            "scan": {"bins": list(self.scan_bins)},
            "regressor": copy.deepcopy(self.regressor),
            "bootstrap": {"resamples": self.bootstrap},
            "data_fit": {
                "window": list(self.data_fit.window),
                "bins": self.data_fit.bins,
                "electrons": self.data_fit.electrons,
                "mz_range": self.data_fit.mz_range,
            },
            "source": self.source,
        }


_TOP_KEYS = (
    "pipeline",
    "title",
    "seed",
    "threads",
    "lhe",
    "data",
    "smearings",
    "features",
    "bins",
    "train_fraction",
    "scan",
    "regressor",
    "bootstrap",
    "data_fit",
)
_DATA_FIT_KEYS = ("window", "bins", "electrons", "mz_range")


def _path(value: str, base: Path) -> Path:
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = base / path
    return Path(os.path.normpath(path))


def parse_zmumu_config(
    raw: Mapping[str, Any], *, origin: str = "config", base: Path | None = None
) -> ZmumuConfig:
    """Validate a zmumu configuration given as parsed TOML.

    Parameters
    ----------
    raw : mapping
        The document, with ``pipeline = "zmumu"``.
    origin : str
        Name of the source, used in error messages.
    base : Path, optional
        Folder that relative paths start from: the configuration file's
        folder. Default: the repository root, for the built-in example.

    Raises
    ------
    FipfitError
        On an unknown key or a value of the wrong type or out of range.
    """
    top = TableReader(raw, "", origin)
    top.check_keys(_TOP_KEYS)
    folder = REPOSITORY if base is None else base
    lhe = top.strings("lhe", ())
    if not lhe:
        raise top.fail("lhe", "is missing or empty: list the MadGraph LHE files")
    data = top.string("data", None)
    features = top.strings("features", DEFAULT_FEATURES)
    if not features:
        raise top.fail("features", "is empty: list the measured columns to regress on")
    train_fraction = top.number("train_fraction", 0.5, positive=True)
    if not train_fraction < 1:
        raise top.fail("train_fraction", f"must be below 1, got {train_fraction}")

    scan = top.sub("scan")
    scan.check_keys(("bins",))
    scan_bins = scan.table.get("bins", list(ZmumuConfig.scan_bins))
    if (
        not isinstance(scan_bins, list)
        or not scan_bins
        or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in scan_bins
        )
    ):
        raise scan.fail(
            "bins", f"must be a list of positive integers, got {scan_bins!r}"
        )
    bootstrap = top.sub("bootstrap")
    bootstrap.check_keys(("resamples",))
    regressor = copy.deepcopy(DEFAULT_REGRESSOR)
    regressor.update(copy.deepcopy(top.table_of("regressor")))
    return ZmumuConfig(
        title=top.string("title", "Z mass: MadGraph simulation and CMS data")
        or "Z mass",
        lhe=tuple(_path(path, folder) for path in lhe),
        data=None if data is None else _path(data, folder),
        seed=top.integer("seed", 0, minimum=0),
        threads=top.integer("threads", ZmumuConfig.threads, minimum=1),
        smearings=top.integer("smearings", ZmumuConfig.smearings, minimum=1),
        features=features,
        bins=top.integer("bins", ZmumuConfig.bins, minimum=1),
        train_fraction=train_fraction,
        scan_bins=tuple(sorted(set(scan_bins))),
        regressor=regressor,
        bootstrap=bootstrap.integer("resamples", ZmumuConfig.bootstrap, minimum=2),
        data_fit=_parse_data_fit(top.sub("data_fit")),
        source=origin,
    )


def _parse_data_fit(reader: TableReader) -> DataFitConfig:
    reader.check_keys(_DATA_FIT_KEYS)
    default = DataFitConfig()
    window = reader.table.get("window", list(default.window))
    if (
        not isinstance(window, list)
        or len(window) != 2
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in window
        )
        or not window[0] < window[1]
    ):
        raise reader.fail(
            "window",
            f"must be [low, high] in GeV with low < high, got {window!r}: "
            "write window = [70.0, 110.0]",
        )
    return DataFitConfig(
        window=(float(window[0]), float(window[1])),
        bins=reader.integer("bins", default.bins, minimum=1),
        electrons=reader.boolean("electrons", default.electrons),
        mz_range=reader.number("mz_range", default.mz_range, positive=True),
    )
