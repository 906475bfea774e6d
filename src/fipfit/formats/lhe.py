"""Les Houches Event files (plain or gzipped), read in chunks with pylhe.

`read_lhe_info` reads the header and the ``<init>`` block. They give the beams,
the weighting strategy IDWTUP, each process's cross section XSECUP with its
error and maximum weight, the extra-weight ids, the number of events the
generator's run card states, and the SLHA parameter card. `iter_lhe_chunks` streams the
events as Awkward Arrays of at most `chunk_size` events, so that memory does
not grow with the file. `dilepton_record` extracts what a Drell-Yan analysis
needs from a chunk: the lepton pair, the incoming partons and the weight.

Errors from pylhe, gzip and the XML parser become `FileFormatError` naming the
file and the index of the event (counting from 0) where reading failed.
"""

from __future__ import annotations

import gzip
import math
import os
import re
import warnings
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
from numpy.typing import NDArray

from fipfit.errors import FileFormatError, FipfitError
from fipfit.reweighting.kinematics import FourMomentum

__all__ = [
    "DileptonRecord",
    "LHEInfo",
    "LHEProcess",
    "LHEScan",
    "ParameterCard",
    "dilepton_record",
    "is_lhe_file",
    "iter_lhe_chunks",
    "parse_slha",
    "read_lhe_info",
    "scan_lhe",
    "weight_scale",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Default number of events per chunk.
DEFAULT_CHUNK_SIZE = 50_000

#: Mass used to choose among several same-flavour opposite-charge pairs, in
#: GeV (the PDG 2024 average of m_Z).
PAIRING_MASS = 91.1876

_PARTICLE_FIELDS = (
    "id",
    "status",
    "mother1",
    "mother2",
    "color1",
    "color2",
    "px",
    "py",
    "pz",
    "e",
    "m",
    "lifetime",
    "spin",
)
_INTEGER_FIELDS = frozenset({"id", "status", "mother1", "mother2", "color1", "color2"})

# Errors that reading a damaged file raises inside pylhe, gzip or zlib.
_READ_ERRORS = (
    EOFError,
    OSError,
    OverflowError,
    zlib.error,
    ValueError,
    IndexError,
    KeyError,
    SyntaxError,
    RuntimeWarning,
)


@dataclass(frozen=True)
class ParameterCard:
    """Values of an SLHA parameter card.

    Attributes
    ----------
    blocks : mapping of str to mapping of tuple of int to float
        Block name (lower case) to entries, keyed by their integer indices.
    decays : mapping of int to float
        Total width of each particle, by PDG id, from the ``DECAY`` lines.
    """

    blocks: Mapping[str, Mapping[tuple[int, ...], float]] = field(default_factory=dict)
    decays: Mapping[int, float] = field(default_factory=dict)

    def value(self, block: str, *index: int) -> float | None:
        """Return an entry of `block`, or None where the card lacks it."""
        return self.blocks.get(block.lower(), {}).get(tuple(index))

    def to_mapping(self) -> dict[str, Any]:
        """Return the card's electroweak inputs as a JSON-ready dictionary."""
        entries = {
            "MZ": self.value("mass", 23),
            "MW": self.value("mass", 24),
            "aEWM1": self.value("sminputs", 1),
            "Gf": self.value("sminputs", 2),
            "aS": self.value("sminputs", 3),
            "WZ": self.decays.get(23),
        }
        return {key: value for key, value in entries.items() if value is not None}


def parse_slha(text: str) -> ParameterCard:
    """Parse the ``BLOCK`` and ``DECAY`` lines of an SLHA parameter card.

    Comments after ``#`` are dropped. Lines inside a block whose fields are not
    integer indices followed by a number (matrix headers, ``Q=`` scales) are
    skipped. The decay-channel lines after a ``DECAY`` line are not read.
    """
    blocks: dict[str, dict[tuple[int, ...], float]] = {}
    decays: dict[int, float] = {}
    current: dict[tuple[int, ...], float] | None = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        keyword = fields[0].lower()
        if keyword == "block" and len(fields) >= 2:
            current = blocks.setdefault(fields[1].lower(), {})
            continue
        if keyword == "decay" and len(fields) >= 3:
            current = None
            try:
                decays[int(fields[1])] = float(fields[2])
            except ValueError:
                continue
            continue
        if current is None:
            continue
        try:
            index = tuple(int(value) for value in fields[:-1])
            current[index] = float(fields[-1].replace("d", "e").replace("D", "e"))
        except ValueError:
            continue
    return ParameterCard(blocks=blocks, decays=decays)


@dataclass(frozen=True)
class LHEProcess:
    """One process line of the ``<init>`` block.

    Attributes
    ----------
    cross_section : float
        XSECUP, in pb.
    error : float
        XERRUP, the statistical error of XSECUP, in pb.
    max_weight : float
        XMAXUP, the maximum event weight.
    process_id : int
        LPRUP.
    """

    cross_section: float
    error: float
    max_weight: float
    process_id: int


@dataclass(frozen=True)
class LHEInfo:
    """Header and ``<init>`` block of an LHE file.

    Attributes
    ----------
    path : Path
    version : str or None
        The ``version`` attribute of ``<LesHouchesEvents>``.
    beam_ids : tuple of int
        PDG ids of the two beams.
    beam_energies : tuple of float
        Beam energies, in GeV.
    weighting_strategy : int
        IDWTUP: +-1 and +-4 mean the mean event weight is the cross section;
        +-2 and +-3 that XSECUP is, and a negative sign allows negative weights.
    processes : tuple of LHEProcess
    weight_ids : tuple of str
        Ids of the extra weights that ``<initrwgt>`` declares or, without
        that block, that the first event carries.
    stated_events : int or None
        Number of events the header states: MadGraph's run card ``nevents``
        or generation summary, or POWHEG's ``numevts``.
    card : ParameterCard or None
        The SLHA parameter card, where the header contains one.
    """

    path: Path
    version: str | None
    beam_ids: tuple[int, int]
    beam_energies: tuple[float, float]
    weighting_strategy: int
    processes: tuple[LHEProcess, ...]
    weight_ids: tuple[str, ...]
    stated_events: int | None
    card: ParameterCard | None

    @property
    def cross_section(self) -> float:
        """Sum of XSECUP over the processes, in pb."""
        return float(sum(process.cross_section for process in self.processes))

    @property
    def cross_section_error(self) -> float:
        """Errors XERRUP of the processes added in quadrature, in pb."""
        return math.sqrt(sum(process.error**2 for process in self.processes))


def is_lhe_file(path: str | os.PathLike[str]) -> bool:
    """Return whether the file starts like an LHE file, plain or gzipped.

    Raises
    ------
    FileFormatError
        For a gzip file whose first bytes cannot be decompressed.
    """
    source = Path(path)
    with source.open("rb") as handle:
        start = handle.read(2)
    if start == b"\x1f\x8b":
        try:
            with gzip.open(source, "rb") as handle:
                start = handle.read(4096)
        except (OSError, EOFError, zlib.error) as error:
            raise FileFormatError(
                f"'{source}' is a damaged gzip file: {error}; download or copy it again"
            ) from None
    else:
        with source.open("rb") as handle:
            start = handle.read(4096)
    return b"<LesHouchesEvents" in start


def _open_lhe(path: Path) -> Any:
    """Open the file with pylhe, turning its errors into `FileFormatError`."""
    import pylhe

    try:
        with warnings.catch_warnings():
            # pylhe reports XML syntax errors as a RuntimeWarning and stops.
            warnings.simplefilter("error", RuntimeWarning)
            return pylhe.LHEFile.fromfile(path)
    except _READ_ERRORS as error:
        raise FileFormatError(
            f"cannot read '{path}' as an LHE file: {_first_line(error)}; "
            "the header or <init> block is missing or damaged"
        ) from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def read_lhe_info(path: str | os.PathLike[str]) -> LHEInfo:
    """Read the header and ``<init>`` block of an LHE file.

    Raises
    ------
    FileFormatError
        If the file is not LHE, or its header or ``<init>`` block is damaged.
    """
    source = Path(path)
    lhe = _open_lhe(source)
    first_event = _next_events(lhe.events, 1, source, 0)
    lhe.events.close()
    init = lhe.init.initInfo
    processes = tuple(
        LHEProcess(
            cross_section=float(process.xSection),
            error=float(process.error),
            max_weight=float(process.unitWeight),
            process_id=int(process.procId),
        )
        for process in lhe.init.procInfo
    )
    texts: dict[str, str] = {}
    weight_ids: tuple[str, ...] = ()
    if lhe.header is not None:
        texts = {
            str(element.tag): "".join(element.itertext())
            for element in lhe.header.extra_elements
        }
        weight_ids = tuple(lhe.header.initrwgt.list_weights_ids())
    if not weight_ids and first_event:
        weight_ids = tuple(first_event[0].weights)
    card_text = texts.get("slha") or texts.get("MGParamCard")
    return LHEInfo(
        path=source,
        version=lhe.version,
        beam_ids=(int(init.beamA), int(init.beamB)),
        beam_energies=(float(init.energyA), float(init.energyB)),
        weighting_strategy=int(init.weightingStrategy),
        processes=processes,
        weight_ids=weight_ids,
        stated_events=_stated_events(texts, lhe.comment or ""),
        card=None if card_text is None else parse_slha(card_text),
    )


def _stated_events(texts: Mapping[str, str], comment: str) -> int | None:
    """Find the number of events a MadGraph or POWHEG header states."""
    patterns = (
        ("MGRunCard", r"^\s*(\d+)\s*=\s*nevents\b"),
        ("MGGenerationInfo", r"Number of Events\s*:\s*(\d+)"),
    )
    for tag, pattern in patterns:
        match = re.search(pattern, texts.get(tag, ""), flags=re.MULTILINE)
        if match:
            return int(match.group(1))
    match = re.search(r"^\s*numevts\s+(\d+)", comment, flags=re.MULTILINE)
    return int(match.group(1)) if match else None


def _next_events(
    events: Iterator[Any], size: int, path: Path, first_index: int
) -> list[Any]:
    """Read up to `size` events, turning read errors into `FileFormatError`."""
    chunk: list[Any] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            for event in events:
                chunk.append(event)
                if len(chunk) == size:
                    break
    except _READ_ERRORS as error:
        index = first_index + len(chunk)
        raise FileFormatError(
            f"cannot read event {index} (counting from 0) of '{path}': "
            f"{_first_line(error)}; the file is truncated or damaged"
        ) from None
    return chunk


def _iter_event_lists(
    path: str | os.PathLike[str], chunk_size: int
) -> Iterator[tuple[int, list[Any], Path]]:
    if chunk_size < 1:
        raise FipfitError(f"chunk size must be at least 1, got {chunk_size}")
    source = Path(path)
    lhe = _open_lhe(source)
    events = lhe.events
    first = 0
    try:
        while True:
            chunk = _next_events(events, chunk_size, source, first)
            if not chunk:
                return
            yield first, chunk, source
            first += len(chunk)
    finally:
        events.close()


def iter_lhe_chunks(
    path: str | os.PathLike[str], chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Iterator[ak.Array]:
    """Stream the events of an LHE file as Awkward Arrays of records.

    Parameters
    ----------
    path : path-like
        Plain or gzipped LHE file.
    chunk_size : int
        Maximum number of events per array.

    Yields
    ------
    awkward.Array of length <= chunk_size
        Event fields: ``index`` (position in the file, from 0), ``weight``
        (XWGTUP), ``process_id``, ``scale``, ``aqed``, ``aqcd`` and
        ``particles``. Each event's ``particles`` is a list of records with
        ``id``, ``status``, ``mother1``, ``mother2``, ``color1``, ``color2``,
        ``px``, ``py``, ``pz``, ``e``, ``m``, ``lifetime`` and ``spin``. Where
        events carry ``<rwgt>`` or ``<weights>`` blocks, the field ``weights``
        is a record of the extra weights by id, NaN where an event lacks one.

    Raises
    ------
    FileFormatError
        If the file is not LHE, or is truncated or damaged; the message names
        the event where reading stopped.
    """
    for first, events, source in _iter_event_lists(path, chunk_size):
        try:
            array = _chunk_array(events, first)
        except (OverflowError, ValueError) as error:
            # An integer field beyond int64, or particle lists that Awkward
            # cannot zip, from a damaged event that pylhe parsed.
            raise FileFormatError(
                f"cannot read events {first} to {first + len(events) - 1} "
                f"(counting from 0) of '{source}': {_first_line(error)}; "
                "the file is damaged"
            ) from None
        yield array


def _chunk_array(events: list[Any], first: int) -> ak.Array:
    counts = np.array([len(event.particles) for event in events], dtype=np.int64)
    columns: dict[str, Any] = {}
    for name in _PARTICLE_FIELDS:
        values = [getattr(p, name) for event in events for p in event.particles]
        dtype = np.int64 if name in _INTEGER_FIELDS else np.float64
        columns[name] = np.array(values, dtype=dtype)
    particles = ak.unflatten(ak.zip(columns), counts)
    info = [event.eventinfo for event in events]
    record: dict[str, Any] = {
        "index": np.arange(first, first + len(events), dtype=np.int64),
        "weight": np.array([i.weight for i in info], dtype=np.float64),
        "process_id": np.array([i.pid for i in info], dtype=np.int64),
        "scale": np.array([i.scale for i in info], dtype=np.float64),
        "aqed": np.array([i.aqed for i in info], dtype=np.float64),
        "aqcd": np.array([i.aqcd for i in info], dtype=np.float64),
        "particles": particles,
    }
    ids = list(dict.fromkeys(key for event in events for key in event.weights))
    if ids:
        record["weights"] = ak.zip(
            {
                key: np.array(
                    [event.weights.get(key, np.nan) for event in events],
                    dtype=np.float64,
                )
                for key in ids
            }
        )
    return ak.zip(record, depth_limit=1)


@dataclass(frozen=True)
class LHEScan:
    """Event count and weight sums of a whole LHE file.

    Attributes
    ----------
    n_events : int
    sum_weights : float
        Sum of XWGTUP.
    sum_abs_weights : float
        Sum of |XWGTUP|.
    n_negative : int
        Number of events with XWGTUP < 0.
    """

    n_events: int
    sum_weights: float
    sum_abs_weights: float
    n_negative: int


def scan_lhe(path: str | os.PathLike[str]) -> LHEScan:
    """Count the events of an LHE file and sum their weights, in one pass.

    Only the first line of each event is parsed, which makes this pass several
    times faster than reading the particles.

    Raises
    ------
    FileFormatError
        If the file is not LHE, or is truncated or damaged.
    """
    source = Path(path)
    _open_lhe(source).events.close()
    weights: list[float] = []
    try:
        with _open_binary(source) as handle:
            context = ET.iterparse(handle, events=("start", "end"))
            _, root = next(context)
            for kind, element in context:
                if kind == "end" and element.tag == "event":
                    weights.append(float((element.text or "").split()[2]))
                    # Drop the parsed events, so that memory stays constant.
                    root.clear()
                elif kind == "end" and element is root:
                    # Generators such as POWHEG write comments after the end.
                    break
    except (*_READ_ERRORS, ET.ParseError) as error:
        raise FileFormatError(
            f"cannot read event {len(weights)} (counting from 0) of '{source}': "
            f"{_first_line(error)}; the file is truncated or damaged"
        ) from None
    if not weights:
        raise FileFormatError(f"'{source}' contains no events")
    array = np.array(weights)
    return LHEScan(
        n_events=array.size,
        sum_weights=float(array.sum()),
        sum_abs_weights=float(np.abs(array).sum()),
        n_negative=int(np.count_nonzero(array < 0)),
    )


def _open_binary(path: Path) -> Any:
    with path.open("rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if compressed else path.open("rb")


def weight_scale(info: LHEInfo, scan: LHEScan) -> float:
    """Return the factor that turns XWGTUP into a cross section per event in pb.

    With the factor applied, the weights of the file add up to its cross
    section: for IDWTUP = +-1 and +-4 the Les Houches accord makes the mean
    weight the cross section, so the factor is 1 / n_events; for +-2 and +-3
    it makes XSECUP the cross section, so the factor is the sum of XSECUP over
    the sum of XWGTUP.

    Raises
    ------
    FileFormatError
        For an unknown IDWTUP, or a zero sum of weights or of XSECUP where the
        factor needs them.
    """
    strategy = abs(info.weighting_strategy)
    if strategy in (1, 4):
        return 1.0 / scan.n_events
    if strategy not in (2, 3):
        raise FileFormatError(
            f"'{info.path}' has IDWTUP = {info.weighting_strategy}: the Les "
            "Houches accord defines +-1 to +-4 only"
        )
    if scan.sum_weights == 0 or info.cross_section <= 0:
        raise FileFormatError(
            f"'{info.path}' has IDWTUP = {info.weighting_strategy} but the sum "
            f"of weights is {scan.sum_weights} and of XSECUP {info.cross_section}: "
            "the weights cannot be normalised to a cross section"
        )
    return info.cross_section / scan.sum_weights


@dataclass(frozen=True)
class DileptonRecord:
    """Per-event arrays of a Drell-Yan event record, shape (n_events,) or (n, 2).

    Attributes
    ----------
    index : ndarray of int64
        Position of each event in its file, from 0.
    weight : ndarray of float64
        XWGTUP.
    negative, positive : FourMomentum
        The negatively and positively charged lepton.
    flavour : ndarray of int64
        11 for electrons, 13 for muons.
    incoming_id : ndarray of int64, shape (n_events, 2)
        PDG ids of the incoming partons (status -1).
    incoming_pz : ndarray of float64, shape (n_events, 2)
        Their longitudinal momenta, in GeV.
    outgoing_quark : ndarray of int64
        PDG id of the first outgoing quark or antiquark, 0 if there is none.
    extra_weights : mapping of str to ndarray
        The ``<rwgt>`` weights by id.
    """

    index: IntArray
    weight: FloatArray
    negative: FourMomentum
    positive: FourMomentum
    flavour: IntArray
    incoming_id: IntArray
    incoming_pz: FloatArray
    outgoing_quark: IntArray
    extra_weights: Mapping[str, FloatArray]

    def __len__(self) -> int:
        return int(self.index.shape[0])


def dilepton_record(chunk: ak.Array, path: str | os.PathLike[str]) -> DileptonRecord:
    """Extract the lepton pair and the incoming partons of each event.

    The pair is a final-state (status 1) electron or muon and its antiparticle.
    Where an event has several such pairs, the one whose mass is closest to
    `PAIRING_MASS` is taken. Tau leptons do not count, because they
    decay before they reach a detector.

    Raises
    ------
    FileFormatError
        For an event without an opposite-charge pair of one flavour, or without
        exactly two incoming partons; the message names the file and event.
    """
    particles = chunk.particles
    absolute = abs(particles.id)
    leptons = particles[(particles.status == 1) & ((absolute == 11) | (absolute == 13))]
    _check_pairs(chunk, leptons, path)

    pairs = ak.cartesian(
        {"negative": leptons[leptons.id > 0], "positive": leptons[leptons.id < 0]}
    )
    pairs = pairs[pairs.negative.id == -pairs.positive.id]
    energy = pairs.negative.e + pairs.positive.e
    px = pairs.negative.px + pairs.positive.px
    py = pairs.negative.py + pairs.positive.py
    pz = pairs.negative.pz + pairs.positive.pz
    # Awkward's ufuncs keep one list of pairs per event. invariant_mass would
    # convert to NumPy, which fails when events have different numbers of pairs.
    mass = np.sqrt(np.maximum(energy**2 - px**2 - py**2 - pz**2, 0.0))
    best = ak.firsts(pairs[ak.argmin(abs(mass - PAIRING_MASS), axis=1, keepdims=True)])

    incoming = particles[particles.status == -1]
    n_incoming = ak.to_numpy(ak.num(incoming))
    if np.any(n_incoming != 2):
        row = int(np.flatnonzero(n_incoming != 2)[0])
        raise FileFormatError(
            f"event {int(chunk.index[row])} (counting from 0) of '{path}' has "
            f"{int(n_incoming[row])} incoming partons (status -1), expected 2"
        )
    incoming = ak.to_regular(incoming, axis=1)
    quarks = particles.id[(particles.status == 1) & (absolute >= 1) & (absolute <= 5)]
    extra = {}
    if "weights" in chunk.fields:
        extra = {
            key: ak.to_numpy(chunk.weights[key]).astype(np.float64)
            for key in chunk.weights.fields
        }
    return DileptonRecord(
        index=ak.to_numpy(chunk.index).astype(np.int64),
        weight=ak.to_numpy(chunk.weight).astype(np.float64),
        negative=_momentum(best.negative),
        positive=_momentum(best.positive),
        flavour=ak.to_numpy(best.negative.id).astype(np.int64),
        incoming_id=ak.to_numpy(incoming.id).astype(np.int64),
        incoming_pz=ak.to_numpy(incoming.pz).astype(np.float64),
        outgoing_quark=ak.to_numpy(ak.fill_none(ak.firsts(quarks), 0)).astype(np.int64),
        extra_weights=extra,
    )


def _check_pairs(
    chunk: ak.Array, leptons: ak.Array, path: str | os.PathLike[str]
) -> None:
    """Raise for the first event without a same-flavour opposite-charge pair."""
    ok = np.zeros(len(chunk), dtype=bool)
    for flavour in (11, 13):
        negative = ak.to_numpy(ak.sum(leptons.id == flavour, axis=1))
        positive = ak.to_numpy(ak.sum(leptons.id == -flavour, axis=1))
        ok |= (negative >= 1) & (positive >= 1)
    if ok.all():
        return
    row = int(np.flatnonzero(~ok)[0])
    ids = ak.to_list(leptons.id[row])
    noun = "charged lepton" if len(ids) == 1 else "charged leptons"
    raise FileFormatError(
        f"event {int(chunk.index[row])} (counting from 0) of '{path}' has "
        f"{len(ids)} {noun} (PDG ids {ids}), not an l+ l- pair of one "
        "flavour: convert Drell-Yan samples (Z/gamma* -> e+ e- or mu+ mu-) only"
    )


def _momentum(particles: ak.Array) -> FourMomentum:
    return FourMomentum(
        ak.to_numpy(particles.e).astype(np.float64),
        ak.to_numpy(particles.px).astype(np.float64),
        ak.to_numpy(particles.py).astype(np.float64),
        ak.to_numpy(particles.pz).astype(np.float64),
    )
