"""Conversion of LHE and ROOT files to the canonical Parquet event format.

LHE input (simulation) gives one row per generated event and smearing. A row
has the weight in pb (`fipfit.formats.lhe.weight_scale`) divided by the number
of smearings, the weight derivatives of the line-shape model when requested,
the generator-level (``true_*``) and measured lepton-pair columns of
`fipfit.detector`, and ``selected``. ROOT input (recorded data) gives the
chosen branches, ``weight`` = 1 and, where the tree has the lepton branches of
`fipfit.formats.root.DIMUON_BRANCHES`, the same measured columns. Where the
tree also has ``Run`` and ``Event`` branches, ``selected`` marks one pair per
collision (`fipfit.formats.dimuon.select_one_pair_per_collision`), and
``duplicate_pairing`` flags the other pairs that pass the selection. Branches
whose names clash with a measured column are kept with the prefix ``raw_``.

Chunks are written one by one with a `pyarrow.parquet.ParquetWriter` under a
temporary name, renamed at the end: memory stays at one chunk, and a failure
leaves no output file. The one-pair-per-collision rule needs all rows of a
collision at once, so ROOT input with ``Run`` and ``Event`` is read twice. The
first pass keeps Run, Event, Type, pt1, pt2 and the per-pair selection of
every row and applies the rule. The second pass writes the chunks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fipfit.atomic import atomic_file
from fipfit.detector import DetectorModel, dilepton_columns, smear_pair
from fipfit.errors import FileFormatError, FipfitError
from fipfit.formats import lhe, root
from fipfit.formats.dimuon import COLLISION_COLUMNS, select_one_pair_per_collision
from fipfit.formats.table import METADATA_KEY
from fipfit.reweighting import zlineshape
from fipfit.reweighting.kinematics import FourMomentum, collins_soper_cos_theta

__all__ = ["ConvertOptions", "convert_files", "input_format"]

logger = logging.getLogger(__name__)

#: Weight models that `convert_files` can apply.
REWEIGHT_MODELS = ("zlineshape",)

#: Measured columns that both simulation and data get.
MEASURED_COLUMNS = (
    "mll",
    "ptll",
    "yll",
    "cos_theta_cs",
    "pt1",
    "eta1",
    "phi1",
    "pt2",
    "eta2",
    "phi2",
)


@dataclass(frozen=True)
class ConvertOptions:
    """Settings of a conversion.

    Attributes
    ----------
    reweight : str or None
        Weight model whose derivatives to compute ("zlineshape"), LHE only.
    n_smearings : int
        Measurements per generated event (K); the weights are divided by K.
        LHE only: ROOT input accepts only 1.
    random_state : int or None
        Seed of the detector smearing.
    tree : str or None
        TTree of ROOT input; by default the file's only one.
    branches : tuple of str or None
        Branches of ROOT input to keep; by default all.
    chunk_size : int
        Events per chunk.
    detector : DetectorModel
    parameters : mapping of str to float
        Values of ``mz``, ``width`` or ``sin2theta`` that replace the
        parameter card's, for the line-shape reference point. Only with
        ``reweight="zlineshape"``.
    width_scheme : {"fixed", "running"} or None
        Breit-Wigner of the line-shape model; None means "fixed". Only with
        ``reweight="zlineshape"``.
    lepton_flavour : {11, 13} or None
        Flavour recorded for ROOT input with lepton branches; None means 13
        (muons). LHE input records each event's own flavour and rejects it.
    one_pair_per_collision : bool
        For ROOT input with lepton, ``Run`` and ``Event`` branches: select one
        pair per collision (True), or every pair that passes the selection.
        False is rejected for other input, where it has no effect.
    """

    reweight: str | None = None
    n_smearings: int = 1
    random_state: int | None = 0
    tree: str | None = None
    branches: tuple[str, ...] | None = None
    chunk_size: int = 50_000
    detector: DetectorModel = field(default_factory=DetectorModel)
    parameters: Mapping[str, float] = field(default_factory=dict)
    width_scheme: str | None = None
    lepton_flavour: int | None = None
    one_pair_per_collision: bool = True

    def check(self) -> None:
        """Raise `FipfitError` for values out of range."""
        if self.reweight is not None and self.reweight not in REWEIGHT_MODELS:
            raise FipfitError(
                f"unknown reweighting '{self.reweight}': choose one of "
                f"{list(REWEIGHT_MODELS)}"
            )
        if self.n_smearings < 1:
            raise FipfitError(
                f"number of smearings must be at least 1, got {self.n_smearings}"
            )
        if self.chunk_size < 1:
            raise FipfitError(f"chunk size must be at least 1, got {self.chunk_size}")
        unknown = sorted(set(self.parameters) - {"mz", "width", "sin2theta"})
        if unknown:
            raise FipfitError(
                f"unknown line-shape parameters {unknown}: give mz, width or sin2theta"
            )
        if self.lepton_flavour not in (None, 11, 13):
            raise FipfitError(
                f"lepton flavour must be 11 or 13, got {self.lepton_flavour}"
            )
        if self.width_scheme not in (None, "fixed", "running"):
            raise FipfitError(
                f"width scheme must be 'fixed' or 'running', got '{self.width_scheme}'"
            )
        if self.reweight is None:
            ignored = [f"--{name}" for name in self.parameters]
            if self.width_scheme is not None:
                ignored.append("--width-scheme")
            if ignored:
                names = ", ".join(ignored)
                plural = len(ignored) > 1
                raise FipfitError(
                    f"the line-shape option{'s' if plural else ''} {names} "
                    f"{'have' if plural else 'has'} no effect without --reweight "
                    f"zlineshape (LHE input only): add it, or drop {names}"
                )

    @property
    def flavour(self) -> int:
        """Lepton flavour recorded for ROOT input: `lepton_flavour`, else 13."""
        return 13 if self.lepton_flavour is None else self.lepton_flavour


def input_format(path: str | os.PathLike[str]) -> str:
    """Return "lhe" or "root" from the file's first bytes.

    Raises
    ------
    FipfitError
        If the file does not exist.
    FileFormatError
        If it is neither LHE (plain or gzipped) nor ROOT.
    """
    source = Path(path)
    if not source.is_file():
        raise FipfitError(f"input file '{source}' not found: check the path")
    if root.is_root_file(source):
        return "root"
    if lhe.is_lhe_file(source):
        return "lhe"
    with source.open("rb") as handle:
        start = handle.read(16)
    raise FileFormatError(
        f"'{source}' is neither an LHE file (plain or gzipped) nor a ROOT file: "
        f"it starts with {start!r}"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def convert_files(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    options: ConvertOptions | None = None,
) -> dict[str, Any]:
    """Convert LHE or ROOT files into one Parquet file in the canonical format.

    Parameters
    ----------
    inputs : sequence of path-like
        All LHE (simulation) or all ROOT (data): the two are not mixed.
    output : path-like
        The ``.parquet`` file to write; replaced only when the conversion
        succeeds.
    options : ConvertOptions, optional

    Returns
    -------
    dict
        The metadata written under the file's ``fipfit`` key, with
        ``n_rows`` and ``n_selected`` (None for a tree without lepton
        branches, which gets no ``selected`` column) added.

    Raises
    ------
    FipfitError
        For bad options, inputs or outputs, for a file given twice (the same
        resolved path or the same sha256), and when no row is selected.
        Nothing is written then.
    """
    options = options or ConvertOptions()
    options.check()
    paths = [Path(path) for path in inputs]
    if not paths:
        raise FipfitError("no input files: give at least one LHE or ROOT file")
    target = Path(output)
    if target.suffix.lower() not in (".parquet", ".pq"):
        raise FipfitError(
            f"output '{target}' must end in .parquet: fipfit reads Parquet events"
        )
    formats = {input_format(path) for path in paths}
    digests = _check_distinct(paths)
    if len(formats) > 1:
        raise FipfitError(
            "the inputs mix LHE and ROOT files: convert simulation and data "
            "into separate outputs"
        )
    if formats == {"lhe"}:
        plan = _plan_lhe(paths, digests, options)
    else:
        plan = _plan_root(paths, digests, options)
    written = _write(plan.frames(), target, plan.metadata, options.detector)
    return {
        **plan.metadata,
        "n_rows": written.n_rows,
        "n_selected": written.n_selected,
    }


def _check_distinct(paths: list[Path]) -> list[str]:
    """Return the files' sha256 digests, raising if a file is given twice.

    A file given twice, under the same path or as a copy, would count its
    events twice and double the weights.
    """
    digests: list[str] = []
    seen_paths: dict[Path, Path] = {}
    seen_digests: dict[str, Path] = {}
    for path in paths:
        resolved = path.resolve()
        if resolved in seen_paths:
            raise FipfitError(
                f"input '{path}' is given twice (also as '{seen_paths[resolved]}')"
                ": its events would be counted twice, so give each file once"
            )
        seen_paths[resolved] = path
        digest = _sha256(path)
        if digest in seen_digests:
            raise FipfitError(
                f"inputs '{seen_digests[digest]}' and '{path}' have the same "
                f"sha256 {digest[:16]}...: they are copies of one file, whose "
                "events would be counted twice, so give it once"
            )
        seen_digests[digest] = path
        digests.append(digest)
    return digests


@dataclass
class _Plan:
    """Metadata of the output, and a function that yields its chunks."""

    metadata: dict[str, Any]
    frames: Callable[[], Iterator[pd.DataFrame]]


@dataclass
class _Written:
    """Counts of the rows written, and the range of their measured mll."""

    n_rows: int = 0
    #: None while no chunk had a ``selected`` column.
    n_selected: int | None = None
    mll_min: float = np.inf
    mll_max: float = -np.inf

    def add(self, frame: pd.DataFrame) -> None:
        self.n_rows += len(frame)
        if "selected" in frame.columns:
            count = int(frame["selected"].to_numpy(dtype=bool).sum())
            self.n_selected = (self.n_selected or 0) + count
        if "mll" in frame.columns:
            mll = frame["mll"].to_numpy(dtype=np.float64)
            finite = mll[np.isfinite(mll)]
            if finite.size:
                self.mll_min = min(self.mll_min, float(finite.min()))
                self.mll_max = max(self.mll_max, float(finite.max()))


def _no_selection_error(written: _Written, detector: DetectorModel) -> FipfitError:
    """Build the error for output whose rows are all unselected."""
    if written.mll_min <= written.mll_max:
        observed = (
            f"the measured mll of the {written.n_rows} rows ranges from "
            f"{written.mll_min:.2f} to {written.mll_max:.2f} GeV"
        )
    else:
        observed = f"none of the {written.n_rows} rows has a finite measured mll"
    return FipfitError(
        f"no row passes the selection, so nothing was written: the mll window "
        f"is {detector.mll_min:g} to {detector.mll_max:g} GeV and {observed}. "
        f"Both leptons also need pT > {detector.pt_min:g} GeV, |eta| < "
        f"{detector.eta_max:g} and opposite charges. Choose a window that "
        "overlaps the observed range with --mll-window"
    )


def _write(
    frames: Iterator[pd.DataFrame],
    target: Path,
    metadata: dict[str, Any],
    detector: DetectorModel,
) -> _Written:
    """Write the frames to `target` chunk by chunk, atomically.

    Raises `FipfitError`, and leaves no file, when the frames have a
    ``selected`` column and no row is selected.
    """
    written = _Written()
    with atomic_file(target) as temporary:
        writer: pq.ParquetWriter | None = None
        schema: pa.Schema | None = None
        try:
            for frame in frames:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if schema is None:
                    schema = table.schema.with_metadata(
                        {METADATA_KEY: json.dumps(metadata).encode()}
                    )
                    writer = pq.ParquetWriter(temporary, schema)
                table = table.replace_schema_metadata(schema.metadata).cast(schema)
                assert writer is not None
                writer.write_table(table)
                written.add(frame)
        finally:
            if writer is not None:
                writer.close()
        if written.n_rows == 0:
            raise FileFormatError("the inputs contain no events: nothing to write")
        if written.n_selected == 0:
            raise _no_selection_error(written, detector)
    return written


# LHE -----------------------------------------------------------------------------


def _plan_lhe(paths: list[Path], digests: list[str], options: ConvertOptions) -> _Plan:
    if options.tree is not None or options.branches is not None:
        raise FipfitError("--tree and --branches apply to ROOT input, not LHE")
    if options.lepton_flavour is not None:
        raise FipfitError(
            f"--lepton-flavour {options.lepton_flavour} has no effect on LHE "
            "input, which records each event's own lepton flavour: drop the option"
        )
    if not options.one_pair_per_collision:
        raise FipfitError(
            "--all-pairs has no effect on LHE input, which has one lepton pair "
            "per event: drop the option"
        )
    infos = [lhe.read_lhe_info(path) for path in paths]
    scans = [lhe.scan_lhe(path) for path in paths]
    scales = [
        lhe.weight_scale(info, scan) for info, scan in zip(infos, scans, strict=True)
    ]

    settings = None
    metadata: dict[str, Any] = {"source": "fipfit convert", "input_format": "lhe"}
    if options.reweight == "zlineshape":
        settings, sources = _lineshape_settings(infos, options)
        metadata["weight_model"] = "zlineshape"
        metadata["settings"] = {**settings.to_mapping(), "sources": sources}
        metadata["parameters"] = ["mz", "sin2theta"]
    metadata["inputs"] = [
        {
            "path": str(info.path),
            "sha256": digest,
            "format": "lhe",
            "n_events": scan.n_events,
            "n_negative_weights": scan.n_negative,
            "stated_events": info.stated_events,
            "weighting_strategy": info.weighting_strategy,
            "cross_section_pb": info.cross_section,
            "cross_section_error_pb": info.cross_section_error,
            "sum_weights": scan.sum_weights,
            "weight_scale": scale,
            "parameter_card": None if info.card is None else info.card.to_mapping(),
        }
        for info, scan, scale, digest in zip(infos, scans, scales, digests, strict=True)
    ]
    metadata.update(_common_metadata(options))
    metadata["weight_unit"] = (
        "pb per event: the weights of each input file add up to its cross section"
    )

    def frames() -> Iterator[pd.DataFrame]:
        rng = np.random.default_rng(options.random_state)
        for file_index, info in enumerate(infos):
            for chunk in lhe.iter_lhe_chunks(info.path, options.chunk_size):
                record = lhe.dilepton_record(chunk, info.path)
                yield _lhe_frame(
                    record, info, scales[file_index], file_index, settings, options, rng
                )

    return _Plan(metadata=metadata, frames=frames)


def _lineshape_settings(
    infos: list[lhe.LHEInfo], options: ConvertOptions
) -> tuple[zlineshape.LineshapeSettings, dict[str, str]]:
    """Build the reference point, checking that all inputs share it."""
    built = [
        zlineshape.settings_from_card(
            info.card,
            width_scheme=options.width_scheme or "fixed",
            **options.parameters,
        )
        for info in infos
    ]
    first = built[0][0]
    for info, (settings, _) in zip(infos[1:], built[1:], strict=True):
        if not np.allclose(
            [settings.mz, settings.width, settings.sin2theta],
            [first.mz, first.width, first.sin2theta],
            rtol=1e-9,
            atol=0.0,
        ):
            raise FipfitError(
                f"'{info.path}' has mz, width, sin2theta = {settings.mz}, "
                f"{settings.width}, {settings.sin2theta}, but '{infos[0].path}' has "
                f"{first.mz}, {first.width}, {first.sin2theta}: convert samples "
                "generated at different points separately"
            )
    return built[0]


def _common_metadata(options: ConvertOptions) -> dict[str, Any]:
    detector = options.detector.to_mapping()
    return {
        "detector": detector,
        "selection": (
            f"both leptons pT > {detector['pt_min']} GeV and |eta| < "
            f"{detector['eta_max']}, opposite charges, {detector['mll_min']} <= mll "
            f"<= {detector['mll_max']} GeV"
        ),
        "n_smearings": options.n_smearings,
        "seed": options.random_state,
        "lepton_convention": "lepton 1 is the negative lepton, lepton 2 the positive",
    }


def _lhe_frame(
    record: lhe.DileptonRecord,
    info: lhe.LHEInfo,
    scale: float,
    file_index: int,
    settings: zlineshape.LineshapeSettings | None,
    options: ConvertOptions,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Build the rows of one chunk: K measurements of each generated event."""
    k = options.n_smearings
    weight = record.weight * scale
    quark, direction = zlineshape.quark_lines(
        record.incoming_id, record.incoming_pz, record.outgoing_quark
    )
    truth = dilepton_columns(record.negative, record.positive)
    truth["cos_theta"] = collins_soper_cos_theta(
        record.negative, record.positive, axis="beam"
    )

    columns: dict[str, Any] = {"weight": np.repeat(weight / k, k)}
    if settings is not None:
        dweight = zlineshape.weight_derivatives(
            weight, truth["mll"], truth["cos_theta"], quark, direction, settings
        )
        columns["dweight_mz"] = np.repeat(dweight[:, 0] / k, k)
        columns["dweight_sin2theta"] = np.repeat(dweight[:, 1] / k, k)

    negative, positive = smear_pair(
        record.negative, record.positive, options.detector, k, rng
    )
    measured = dilepton_columns(negative, positive)
    columns["selected"] = options.detector.select(measured)
    columns.update(measured)
    columns["lepton_flavour"] = np.repeat(record.flavour, k)
    for name, values in truth.items():
        columns[f"true_{name}"] = np.repeat(values, k)
    for line in (0, 1):
        columns[f"true_quark{line + 1}"] = np.repeat(quark[:, line], k)
        columns[f"true_direction{line + 1}"] = np.repeat(direction[:, line], k)
    columns["event_index"] = np.repeat(record.index, k)
    columns["smearing_index"] = np.tile(np.arange(k, dtype=np.int64), len(record))
    columns["file_index"] = np.full(len(record) * k, file_index, dtype=np.int64)
    for key in info.weight_ids:
        values = record.extra_weights.get(key, np.full(len(record), np.nan))
        columns[f"weight_{key}"] = np.repeat(values * scale / k, k)
    return pd.DataFrame(columns)


# ROOT ----------------------------------------------------------------------------


def _plan_root(paths: list[Path], digests: list[str], options: ConvertOptions) -> _Plan:
    if options.reweight is not None:
        raise FipfitError(
            f"--reweight {options.reweight} needs generator-level LHE input; "
            "ROOT input is converted without reweighting"
        )
    if options.n_smearings != 1:
        raise FipfitError(
            f"--smearings {options.n_smearings} has no effect on ROOT input, "
            "which is recorded data and is not smeared: drop the option"
        )
    layouts = []
    entries = []
    collision_flags = []
    type_flags = []
    renamed: dict[str, str] = {}
    for path in paths:
        tree = root.open_tree(path, options.tree)
        available = root.tree_branches(tree)
        if options.branches is not None:
            root.check_branches(tree, options.branches, path)
        lepton_names = [
            name for lepton in root.DIMUON_BRANCHES for name in lepton.values()
        ]
        has_leptons = all(name in available for name in lepton_names)
        if not has_leptons:
            logger.info(
                "%s: no lepton branches %s, so no measured pair columns",
                path,
                lepton_names,
            )
        kept_branches = (
            list(options.branches) if options.branches is not None else available
        )
        layouts.append((kept_branches, lepton_names if has_leptons else []))
        canonical = {"weight", "event_index", "file_index"}
        if has_leptons:
            canonical |= {"selected", "lepton_flavour", *MEASURED_COLUMNS}
        renamed.update(
            {name: f"raw_{name}" for name in kept_branches if name in canonical}
        )
        entries.append(int(tree.num_entries))
        collision_flags.append(all(name in available for name in COLLISION_COLUMNS))
        type_flags.append("Type" in available)
    if len({bool(leptons) for _, leptons in layouts}) > 1:
        raise FipfitError(
            "some ROOT inputs have the lepton branches and others do not: "
            "convert them separately"
        )
    if options.lepton_flavour is not None and not layouts[0][1]:
        raise FipfitError(
            f"--lepton-flavour {options.lepton_flavour} has no effect on "
            f"'{paths[0]}', which lacks the lepton branches "
            f"{[name for lepton in root.DIMUON_BRANCHES for name in lepton.values()]}"
            ": drop the option"
        )
    pair_names = _pair_rule_branches(
        paths, bool(layouts[0][1]), collision_flags, type_flags, options
    )
    if pair_names:
        renamed.update(
            {
                name: f"raw_{name}"
                for kept_branches, _ in layouts
                for name in kept_branches
                if name == "duplicate_pairing"
            }
        )

    metadata: dict[str, Any] = {
        "source": "fipfit convert",
        "input_format": "root",
        "inputs": [
            {
                "path": str(path),
                "sha256": digest,
                "format": "root",
                "tree": options.tree,
                "n_events": n,
            }
            for path, n, digest in zip(paths, entries, digests, strict=True)
        ],
        "lepton_flavour": options.flavour,
        "weight_unit": "events: every entry has weight 1",
        "renamed_branches": renamed,
    }
    metadata.update(_common_metadata(options))
    metadata.pop("n_smearings")
    metadata.pop("seed")
    decided: pd.DataFrame | None = None
    if pair_names:
        decided, counts = _select_pairs(paths, layouts[0][1], pair_names, options)
        metadata["pair_selection"] = counts
    elif layouts[0][1]:
        metadata["pair_selection"] = {
            "rule": "every pair that passes the selection is selected"
        }

    def frames() -> Iterator[pd.DataFrame]:
        offset = 0
        for file_index, (path, (kept_branches, leptons)) in enumerate(
            zip(paths, layouts, strict=True)
        ):
            names = list(dict.fromkeys([*kept_branches, *leptons]))
            for start, chunk in root.iter_root_chunks(
                path, options.tree, names, options.chunk_size
            ):
                frame = _root_frame(
                    chunk, kept_branches, bool(leptons), start, file_index, options
                )
                if decided is not None:
                    rows = slice(offset + start, offset + start + len(chunk))
                    _replace_selection(frame, decided.iloc[rows])
                yield frame
            offset += entries[file_index]

    return _Plan(metadata=metadata, frames=frames)


def _pair_rule_branches(
    paths: list[Path],
    has_leptons: bool,
    collision_flags: list[bool],
    type_flags: list[bool],
    options: ConvertOptions,
) -> list[str]:
    """Return the branches that the one-pair-per-collision rule reads.

    The list is empty when the rule does not apply: no lepton branches, no
    ``Run`` and ``Event``, or ``one_pair_per_collision`` off.
    """
    applicable = has_leptons and all(collision_flags)
    if not options.one_pair_per_collision:
        if not applicable:
            raise FipfitError(
                f"--all-pairs has no effect on '{paths[0]}', which lacks the "
                f"lepton branches or the {list(COLLISION_COLUMNS)} branches that "
                "identify a collision: drop the option"
            )
        return []
    if has_leptons and any(collision_flags) and not applicable:
        raise FipfitError(
            f"some ROOT inputs have the branches {list(COLLISION_COLUMNS)} and "
            "others do not, so collisions cannot be told apart in all of them: "
            "convert them separately, or select every pair with --all-pairs"
        )
    if not applicable:
        return []
    return [*COLLISION_COLUMNS, *(["Type"] if all(type_flags) else [])]


def _select_pairs(
    paths: list[Path],
    leptons: list[str],
    pair_names: list[str],
    options: ConvertOptions,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read the rule's columns of every row and apply the rule to all inputs.

    Rows of different input files with equal ``Run`` and ``Event`` are one
    collision, as they are within a file.
    """
    # NOTE: unlike the chunked write, this pass keeps Run, Event, Type, pt1
    # and pt2 of every row of every input in memory (tens of bytes per row).
    parts = []
    for path in paths:
        names = list(dict.fromkeys([*leptons, *pair_names]))
        for _, chunk in root.iter_root_chunks(
            path, options.tree, names, options.chunk_size
        ):
            first, second, opposite = _charge_ordered(chunk)
            measured = dilepton_columns(first, second)
            part = chunk[pair_names].copy()
            part["pt1"] = measured["pt1"]
            part["pt2"] = measured["pt2"]
            part["selected"] = options.detector.select(measured, opposite)
            parts.append(part)
    pairs, counts = select_one_pair_per_collision(pd.concat(parts, ignore_index=True))
    return pairs[["selected", "duplicate_pairing"]], counts


def _replace_selection(frame: pd.DataFrame, decided: pd.DataFrame) -> None:
    """Set ``selected`` and add ``duplicate_pairing`` after it, in place."""
    frame["selected"] = decided["selected"].to_numpy()
    frame.insert(
        list(frame.columns).index("selected") + 1,
        "duplicate_pairing",
        decided["duplicate_pairing"].to_numpy(),
    )


def _root_frame(
    chunk: pd.DataFrame,
    kept_branches: list[str],
    has_leptons: bool,
    start: int,
    file_index: int,
    options: ConvertOptions,
) -> pd.DataFrame:
    n = len(chunk)
    columns: dict[str, Any] = {"weight": np.ones(n)}
    if has_leptons:
        first, second, opposite = _charge_ordered(chunk)
        measured = dilepton_columns(first, second)
        columns["selected"] = options.detector.select(measured, opposite)
        columns.update(measured)
        columns["lepton_flavour"] = np.full(n, options.flavour, dtype=np.int64)
    columns["event_index"] = np.arange(start, start + n, dtype=np.int64)
    columns["file_index"] = np.full(n, file_index, dtype=np.int64)
    for name in kept_branches:
        column = f"raw_{name}" if name in columns else name
        columns[column] = chunk[name].to_numpy()
    return pd.DataFrame(columns)


def _charge_ordered(chunk: pd.DataFrame) -> tuple[FourMomentum, FourMomentum, Any]:
    """Return the negative and positive lepton, and whether the charges differ.

    For a same-charge pair the file's first lepton takes the place of the
    negative one, and the event is not selected.
    """
    leptons = [
        FourMomentum(
            *(
                chunk[names[key]].to_numpy(dtype=np.float64)
                for key in ("e", "px", "py", "pz")
            )
        )
        for names in root.DIMUON_BRANCHES
    ]
    charge1 = chunk[root.DIMUON_BRANCHES[0]["charge"]].to_numpy()
    charge2 = chunk[root.DIMUON_BRANCHES[1]["charge"]].to_numpy()
    swap = (charge1 > 0) & (charge2 < 0)
    negative = FourMomentum(
        *(np.where(swap, b, a) for a, b in zip(leptons[0], leptons[1], strict=True))
    )
    positive = FourMomentum(
        *(np.where(swap, a, b) for a, b in zip(leptons[0], leptons[1], strict=True))
    )
    return negative, positive, np.sign(charge1) * np.sign(charge2) < 0
