"""The ``zmumu`` example of ``fipfit run``: the Z mass in MadGraph and CMS events.

1. Convert the CMS ROOT file (or read a converted table) and keep one pair
   per collision. Convert the MadGraph LHE files with the Z line-shape
   reweighting (`fipfit.reweighting.zlineshape`), which gives the weight
   derivatives in m_Z and sin^2 theta_eff, and with the detector model, which
   measures each generated event `smearings` times.
2. Split the generated events (not the rows: the measurements of one event
   share its truth) into train and test events.
3. Train the gamma regressor of both parameters on the measured lepton
   kinematics of the train events.
4. Partition the test events in the measured pair mass, in the true pair mass
   (with and without the selection: the ideal-detector check) and in each
   output of the regressor; bin edges come from the train events. Report I(P)
   as a 2x2 matrix, FIP of each parameter with the other free, and errors from
   a bootstrap over generated events.
5. Fit m_Z to the CMS dimuon pairs in a mass window, once binned in the
   measured pair mass and once in the regressor output, with exact templates
   of the test events and a free normalisation (`fipfit.datafit`).

`run_zmumu` returns the report's content as a `RunOutcome`, which
`fipfit.report.output.write_report` writes like any other run.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import math
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from fipfit import __version__
from fipfit.binning import labels_within_edges, quantile_edges
from fipfit.errors import FipfitError, NonPositiveBinWarning
from fipfit.events import Events
from fipfit.information import PartitionInformation, partition_information
from fipfit.report import figures as fig
from fipfit.report.html import FigureRecord
from fipfit.report.json_values import finite
from fipfit.report.pipeline import RunOutcome, thread_limit
from fipfit.report.progress import ProgressReporter, SilentProgress, progress_step
from fipfit.report.provenance import (
    file_sha256,
    library_versions,
    platform_description,
)
from fipfit.report.zmumu_config import ZmumuConfig

__all__ = [
    "ZmumuConfig",
    "run_zmumu",
    "select_data_events",
    "split_by_event",
]

FloatArray = NDArray[np.float64]

PARAMETERS = ("mz", "sin2theta")
MUON = 13
ELECTRON = 11

#: Axis label of the data-fit figures, which show counts per unit of the
#: binned variable.
DENSITY_LABELS = {"mll": "events per GeV", "regressor": "events per GeV$^{-1}$"}

#: Bootstrap replicas per point of the FIP scan.
SCAN_RESAMPLES = 50
#: Groups of generated events resampled by the bootstrap.
BOOTSTRAP_GROUPS = 1000


# --- inputs -----------------------------------------------------------------------


def _read_simulation(config: ZmumuConfig, folder: Path) -> Events:
    from fipfit.formats.convert import ConvertOptions, convert_files
    from fipfit.formats.lhe import read_lhe_info
    from fipfit.formats.table import read_events

    for path in config.lhe:
        if not path.is_file():
            raise FipfitError(
                f"LHE file '{path}' not found: give the MadGraph files with --lhe "
                "or the configuration's 'lhe'"
            )
        if read_lhe_info(path).card is None:
            raise FipfitError(
                f"'{path}' has no parameter card, which the zmumu example reads "
                "m_Z, Gamma_Z and sin^2 theta_eff from: give MadGraph LHE files, "
                "or convert this one with 'fipfit convert --mz --width --sin2theta'"
            )
    target = folder / "simulation.parquet"
    options = ConvertOptions(
        reweight="zlineshape",
        n_smearings=config.smearings,
        random_state=config.seeds["smearing"],
    )
    convert_files(config.lhe, target, options)
    return read_events(target)


def _read_data(path: Path, folder: Path) -> pd.DataFrame:
    """Read the data table, converting a ROOT file first."""
    from fipfit.formats.convert import convert_files
    from fipfit.formats.root import is_root_file
    from fipfit.formats.table import read_table

    if not path.is_file():
        raise FipfitError(
            f"data file '{path}' not found: give the CMS file with --data or the "
            "configuration's 'data'"
        )
    if is_root_file(path):
        target = folder / "data.parquet"
        convert_files([path], target)
        path = target
    table, _ = read_table(path)
    return table.to_pandas()


def _check_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise FipfitError(
            f"the {what} lack the columns {missing}: convert the file with "
            "'fipfit convert' from a ROOT tree with both muons' E, px, py, pz and "
            "charge (or a table with the measured columns)"
        )


def select_data_events(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Keep one selected dimuon pair per recorded collision.

    Parameters
    ----------
    frame : pandas.DataFrame
        Converted data: the measured columns, ``selected``, and optionally
        ``Run``, ``Event`` and ``Type`` from the ROOT file.

    Returns
    -------
    events : pandas.DataFrame
        One row per collision that has a selected pair.
    record : dict
        Rows, collisions and kept rows, and the rule used.

    Notes
    -----
    The CMS file lists each collision once per pairing of its muon
    reconstructions: rows with equal ``Run`` and ``Event`` are one
    collision. Among a collision's selected pairs (opposite charges,
    acceptance, mass window) the rule keeps one of two global muons
    (``Type == "GG"``) when there is one, then the pair with the largest
    pt1 + pt2, which does not look at the pair mass. A table without ``Run``
    and ``Event`` counts every row as a collision.
    """
    _check_columns(frame, ["selected", "pt1", "pt2", "mll"], "data")
    selected = frame.loc[frame["selected"].to_numpy(dtype=bool)].copy()
    if not {"Run", "Event"} <= set(frame.columns):
        record = {
            "rows": len(frame),
            "collisions": len(frame),
            "kept": len(selected),
            "rule": "no Run and Event columns: every selected row is one collision",
        }
        return selected.reset_index(drop=True), record

    collisions = int(frame.groupby(["Run", "Event"]).ngroups)
    global_pair = (
        (selected["Type"] == "GG").to_numpy()
        if "Type" in selected.columns
        else np.zeros(len(selected), dtype=bool)
    )
    selected["_global_pair"] = global_pair
    selected["_pt_sum"] = selected["pt1"] + selected["pt2"]
    ordered = selected.sort_values(
        ["_global_pair", "_pt_sum"], ascending=False, kind="stable"
    )
    kept = ordered.groupby(["Run", "Event"], sort=False).head(1)
    kept = kept.drop(columns=["_global_pair", "_pt_sum"]).sort_index()
    record = {
        "rows": len(frame),
        "collisions": collisions,
        "kept": len(kept),
        "rule": (
            "one row per (Run, Event): a selected pair of two global muons (Type "
            "GG) where there is one, then the largest pt1 + pt2"
        ),
    }
    return kept.reset_index(drop=True), record


def _event_ids(events: Events) -> NDArray[np.int64]:
    """Return one integer per generated event, shared by its measurements."""
    event = events.data["event_index"].to_numpy(dtype=np.int64)
    file = events.data["file_index"].to_numpy(dtype=np.int64)
    return np.asarray(file * (int(event.max()) + 1) + event, dtype=np.int64)


def split_by_event(
    events: Events, train_fraction: float, *, random_state: int | None = 0
) -> tuple[Events, Events]:
    """Split at random into train and test events, keeping each generated event whole.

    The rows of one generated event (its measurements by the detector model)
    go to the same side, so that no test row shares its truth with a train
    row. The weights are not rescaled.
    """
    if not 0 < train_fraction < 1:
        raise FipfitError(
            f"train_fraction must be between 0 and 1, got {train_fraction}"
        )
    ids = _event_ids(events)
    unique = np.unique(ids)
    order = np.random.default_rng(random_state).permutation(unique.size)
    chosen = unique[order[: round(train_fraction * unique.size)]]
    in_train = np.isin(ids, chosen)
    return events.take(in_train), events.take(~in_train)


# --- information ------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """A partition: a column or a regressor output, of selected or all events."""

    name: str
    column: str | None
    component: int = 0
    all_events: bool = False

    @property
    def kind(self) -> str:
        return "column" if self.column is not None else "regressor"


@dataclass
class _Measured:
    spec: _Spec
    edges: FloatArray
    test: PartitionInformation
    train_fip: FloatArray
    fip_error: FloatArray
    information_error: FloatArray
    scan: dict[str, list[float]] = field(default_factory=dict)


class _Analysis:
    """Train and test events, the regressor, and the grouped bootstrap."""

    def __init__(self, config: ZmumuConfig, train: Events, test: Events) -> None:
        self.config = config
        self.train = train
        self.test = test
        self.regressor: Any = None
        ids = _event_ids(test)
        unique, inverse = np.unique(ids, return_inverse=True)
        rng = np.random.default_rng(config.seeds["bootstrap"])
        self.n_groups = min(BOOTSTRAP_GROUPS, unique.size)
        self.groups = (rng.permutation(unique.size) % self.n_groups)[inverse]
        self.groups = self.groups.astype(np.intp)

    def values(self, spec: _Spec, events: Events) -> FloatArray:
        if spec.column is not None:
            return events.column(spec.column)
        from fipfit.regression import model_output

        features = events.features(list(self.config.features))
        return model_output(self.regressor, features, component=spec.component)

    def frame_values(self, spec: _Spec, frame: pd.DataFrame) -> FloatArray:
        """Return the partition's variable for a table of recorded events."""
        if spec.column is not None:
            return np.asarray(frame[spec.column].to_numpy(dtype=np.float64))
        from fipfit.regression import model_output

        features = frame[list(self.config.features)].to_numpy(dtype=np.float64)
        return model_output(self.regressor, features, component=spec.component)

    def chosen(self, spec: _Spec, events: Events) -> Events:
        if not spec.all_events:
            return events
        return dataclasses.replace(events, selected=np.ones(len(events), dtype=bool))

    def measure(self, spec: _Spec, n_bins: int, resamples: int) -> _Measured:
        train = self.chosen(spec, self.train)
        test = self.chosen(spec, self.test)
        train_values = self.values(spec, train)
        inside = train.selected
        edges = quantile_edges(train_values[inside], train.weight[inside], n_bins)
        k = edges.size - 1
        test_labels = np.where(
            test.selected, labels_within_edges(self.values(spec, test), edges), -1
        )
        with warnings.catch_warnings():
            # Bins with W_k <= 0 are reported in the summary instead.
            warnings.simplefilter("ignore", NonPositiveBinWarning)
            information = partition_information(test, test_labels, k)
            train_information = partition_information(
                train, labels_within_edges(train_values, edges), k
            )
        error, information_error = self._bootstrap(test, test_labels, k, resamples)
        return _Measured(
            spec=spec,
            edges=edges,
            test=information,
            train_fip=train_information.fip,
            fip_error=error,
            information_error=information_error,
        )

    def _bootstrap(
        self, test: Events, labels: NDArray[np.intp], k: int, resamples: int
    ) -> tuple[FloatArray, FloatArray]:
        """Resample groups of generated events, each with all its measurements."""
        from fipfit.uncertainty import bootstrap_from_group_sums, group_sums

        sums = group_sums(test, labels, k, self.groups, self.n_groups)
        rng = np.random.default_rng(self.config.seeds["bootstrap"])
        result = bootstrap_from_group_sums(*sums, n_resamples=resamples, rng=rng)
        return result.fip_error, result.information_error

    def scan(self, measured: _Measured) -> None:
        rows = [
            self.measure(measured.spec, n_bins, SCAN_RESAMPLES)
            for n_bins in self.config.scan_bins
        ]
        measured.scan = {
            "n_bins": [int(row.edges.size - 1) for row in rows],
            "fip": [float(row.test.fip[0]) for row in rows],
            "fip_error": [float(row.fip_error[0]) for row in rows],
            "train_fip": [float(row.train_fip[0]) for row in rows],
        }


def _train_regressor(config: ZmumuConfig, train: Events) -> Any:
    from sklearn.exceptions import ConvergenceWarning

    from fipfit.regression import fit_gamma_regressor

    settings = dict(config.regressor)
    backend = str(settings.pop("model", "hgb"))
    if "hidden_layer_sizes" in settings:
        settings["hidden_layer_sizes"] = tuple(settings["hidden_layer_sizes"])
    with warnings.catch_warnings():
        # A fixed number of epochs is the network's regularisation, so the
        # optimiser stopping before convergence is intended.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit_gamma_regressor(
            train,
            list(config.features),
            model=backend,
            random_state=config.seeds["regressor"],
            **settings,
        )


# --- data fit ---------------------------------------------------------------------


def _in_window(
    events: Events, window: tuple[float, float], flavours: Sequence[int]
) -> NDArray[np.bool_]:
    mll = events.column("mll")
    flavour = events.data["lepton_flavour"].to_numpy()
    return np.asarray(
        events.selected
        & (mll > window[0])
        & (mll < window[1])
        & np.isin(flavour, flavours)
    )


def _template_scale(
    everything: Events, test: Events, flavours: Sequence[int], n_files: int
) -> float:
    """Return the factor that makes the test events' templates one flavour's yield.

    Each input file's weights add up to its cross section of e+ e- and
    mu+ mu- together. Scaled by this factor, the templates describe the cross
    section of one lepton flavour, so the fitted L_eff is a luminosity in
    pb^-1.
    """
    flavour = everything.data["lepton_flavour"].to_numpy()
    present = [f for f in flavours if np.any(flavour == f)]
    chosen = np.isin(flavour, flavours)
    per_flavour = everything.weight[chosen].sum() / (n_files * max(len(present), 1))
    test_flavour = test.data["lepton_flavour"].to_numpy()
    total = test.weight[np.isin(test_flavour, flavours)].sum()
    return float(per_flavour / total)


def _fit_data(
    config: ZmumuConfig,
    analysis: _Analysis,
    everything: Events,
    data: pd.DataFrame,
) -> list[tuple[Any, str]]:
    """Fit m_Z to the data in the measured pair mass and the regressor output."""
    from fipfit.datafit import fit_partition

    settings = config.data_fit
    flavours = (MUON, ELECTRON) if settings.electrons else (MUON,)
    low, high = settings.window
    mll = data["mll"].to_numpy(dtype=np.float64)
    data_window = data.loc[(mll > low) & (mll < high)].reset_index(drop=True)
    if data_window.empty:
        raise FipfitError(
            f"no data event has {low} < mll < {high} GeV: check the data file "
            "and data_fit.window"
        )
    train = analysis.train.take(_in_window(analysis.train, settings.window, flavours))
    test = analysis.test.take(_in_window(analysis.test, settings.window, flavours))
    if len(train) == 0 or len(test) == 0:
        names = "muon or electron" if settings.electrons else "muon"
        raise FipfitError(
            f"no simulated {names} event lies in the window {low} to {high} GeV: "
            "give a Z -> mu mu sample or set data_fit.electrons = true"
        )
    scale = _template_scale(everything, analysis.test, flavours, len(config.lhe))
    mz0 = float(test.metadata["settings"]["mz"])
    fits = []
    for spec, label in (
        (_Spec("mll", "mll"), "measured pair mass m(μμ) [GeV]"),
        (_Spec("regressor", None), "regressor output r(x) for m_Z [1/GeV]"),
    ):
        train_values = analysis.values(spec, train)
        edges = quantile_edges(train_values, train.weight, settings.bins)
        try:
            result = fit_partition(
                test,
                analysis.values(spec, test),
                analysis.frame_values(spec, data_window),
                edges,
                parameters=["mz"],
                scale=scale,
                theta_range=(mz0 - settings.mz_range, mz0 + settings.mz_range),
                partition=spec.name,
            )
        except FipfitError as error:
            raise type(error)(f"data fit binned in '{spec.name}': {error}") from None
        fits.append((result, label))
    return fits


# --- summary ----------------------------------------------------------------------


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
    item: _Measured, config: ZmumuConfig, scale: float
) -> dict[str, Any]:
    """Build the summary row of a partition for m_Z, with sin^2 theta free."""
    test = item.test
    return {
        "name": item.spec.name,
        "kind": item.spec.kind,
        "column": item.spec.column,
        "binning": "quantile",
        "n_bins": int(item.edges.size - 1),
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
    }


def _matrix_entry(item: _Measured, scale: float) -> dict[str, Any]:
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


# --- running ----------------------------------------------------------------------


def run_zmumu(
    config: ZmumuConfig, progress: ProgressReporter | None = None
) -> RunOutcome:
    """Run the zmumu example and return the report's content.

    Notes
    -----
    OpenMP and BLAS use ``config.threads`` threads during the run (default
    1), as in `fipfit.report.pipeline.run_pipeline`.

    Raises
    ------
    FipfitError
        On missing or invalid inputs: LHE files without a lepton pair, a
        data table without the measured columns, no event in the window.
    """
    with thread_limit(config.threads):
        return _run_steps(config, progress or SilentProgress())


def _run_steps(config: ZmumuConfig, progress: ProgressReporter) -> RunOutcome:
    with tempfile.TemporaryDirectory(prefix="fipfit-zmumu-") as temporary:
        folder = Path(temporary)
        data = None
        data_record: dict[str, Any] = {}
        if config.data is not None:
            with progress_step(progress, "reading the data"):
                frame = _read_data(config.data, folder)
                _check_columns(frame, [*config.features, "mll", "selected"], "data")
                data, data_record = select_data_events(frame)
        with progress_step(progress, "converting the LHE files"):
            everything = _read_simulation(config, folder)
    _check_columns(everything.data, list(config.features), "simulated events")
    train, test = split_by_event(
        everything, config.train_fraction, random_state=config.seeds["split"]
    )
    analysis = _Analysis(config, train, test)
    with progress_step(
        progress, f"training the gamma regressor ({config.regressor['model']})"
    ):
        analysis.regressor = _train_regressor(config, train)

    specs = [
        _Spec("mll", "mll"),
        _Spec("regressor", None, component=0),
        _Spec("regressor (sin2theta output)", None, component=1),
        _Spec("true mll", "true_mll"),
        _Spec("true mll, no selection", "true_mll", all_events=True),
    ]
    with progress_step(progress, "measuring the information of the partitions"):
        measured = [analysis.measure(s, config.bins, config.bootstrap) for s in specs]
        for item in measured[:2]:
            analysis.scan(item)

    fits: list[tuple[Any, str]] = []
    if data is not None:
        with progress_step(progress, "fitting m_Z to the data"):
            fits = _fit_data(config, analysis, everything, data)

    summary = _summary(config, everything, analysis, measured, fits, data_record)
    with progress_step(progress, "drawing the figures"):
        records = _figures(summary, analysis, measured)
    summary["figures"] = [
        {"file": r.file, "title": r.title, "caption": r.caption} for r in records
    ]
    return RunOutcome(summary=summary, figures=records)


def _generated(events: Events) -> int:
    return int(np.unique(_event_ids(events)).size)


def _summary(
    config: ZmumuConfig,
    everything: Events,
    analysis: _Analysis,
    measured: list[_Measured],
    fits: list[tuple[Any, str]],
    data_record: dict[str, Any],
) -> dict[str, Any]:
    n_all, n_test = _generated(everything), _generated(analysis.test)
    scale = n_all / n_test
    ideal = partition_information(
        everything, np.zeros(len(everything), dtype=np.intp), 1
    )
    entries = [_partition_entry(item, config, scale) for item in measured[:2]]
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


# --- figures ----------------------------------------------------------------------


def _render(
    name: str, title: str, caption: str, figure: Any, out: list[FigureRecord]
) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=fig.DPI)
    out.append(FigureRecord(name, title, caption, buffer.getvalue()))


def _figures(
    summary: dict[str, Any], analysis: _Analysis, measured: list[_Measured]
) -> list[FigureRecord]:
    from fipfit.regression import model_output

    out: list[FigureRecord] = []
    test = analysis.test
    chosen = test.selected
    with fig.style():
        scans = {
            item.spec.name: (
                item.scan["n_bins"],
                item.scan["fip"],
                item.scan["fip_error"],
            )
            for item in measured[:2]
        }
        _render(
            "fip_vs_bins",
            "FIP for m_Z against the number of bins",
            "FIP of the measured pair mass and of the regressor output on the test "
            "events, with sin^2 theta_eff free. The grey line is the true pair mass "
            "of the selected events: a detector with perfect resolution.",
            fig.fip_scan_figure(scans, summary["reference_limits"]),
            out,
        )
        predicted = model_output(
            analysis.regressor,
            test.features(list(analysis.config.features))[chosen],
            component=0,
        )
        true_gamma = test.gamma[chosen, 0]
        weight = test.weight[chosen]
        _render(
            "regression",
            "Regressed against true gamma for m_Z",
            "Weighted 2D histogram of the regressor output against each test "
            "event's true sensitivity gamma = (dw/dm_Z)/w.",
            fig.regression_figure(true_gamma, predicted, weight, "mz"),
            out,
        )
        _render(
            "calibration",
            "Calibration of the regressor for m_Z",
            "Weighted mean true gamma in equal-weight bins of the regressor output "
            "(test events); points on the diagonal mean a calibrated output.",
            fig.calibration_figure(predicted, true_gamma, weight, "mz"),
            out,
        )
        for number, item in enumerate(summary.get("data_fit") or []):
            _render(
                f"data_fit_{number}",
                f"Fit of m_Z to CMS data: {item['partition']}",
                f"CMS dimuon pairs (points) against the fitted templates (line), "
                f"binned in {item['partition']}; m_Z = {item['m_z']:.3f} ± "
                f"{item['hesse_error']:.3f} GeV (HESSE), Fisher prediction "
                f"{item['fisher_error']:.3f} GeV, {item['n_data']} events, free "
                "normalisation. Counts are divided by the width of their "
                "equal-weight bin; the lower panel shows data over fit.",
                fig.data_fit_figure(
                    np.asarray(item["edges"]),
                    np.asarray(item["observed"]),
                    np.asarray(item["expected"]),
                    item["xlabel"],
                    f"CMS dimuon pairs binned in {item['partition']}: m_Z = "
                    f"{item['m_z']:.2f} ± {item['hesse_error']:.2f} GeV",
                    density_label=DENSITY_LABELS[item["partition"]],
                ),
                out,
            )
        entries = summary["partitions"]
        _render(
            "factorisation",
            "FIP factorisation for m_Z",
            "FIP = efficiency × sharpness × purity factor per partition. The "
            "efficiency is the share of the ideal information that the selection "
            "keeps; without background the purity factor is 1.",
            fig.factorisation_figure(
                [e["name"] for e in entries],
                [e["efficiency"] or 0.0 for e in entries],
                [e["sharpness"] or 0.0 for e in entries],
                [e["purity_factor"] or 0.0 for e in entries],
                [e["fip"] or 0.0 for e in entries],
            ),
            out,
        )
    return out
