"""Fuzzing of the event-file readers: damaged input may only raise FipfitError.

Hypothesis mutates small valid files (truncation, byte changes, deleted or
inserted bytes and tokens), writes them to a temporary folder and reads them
with the reader that ``fipfit info`` or ``fipfit convert`` uses. Any exception
other than a `FipfitError` subclass would reach the user as a traceback, so it
fails the test. Reading may also succeed: a mutation can leave a valid file.

The second half contains regression tests, one per crash that fuzzing found,
named after the input that caused it.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fipfit.errors import FileFormatError, FipfitError
from fipfit.formats.convert import ConvertOptions, convert_files
from fipfit.formats.lhe import read_lhe_info
from fipfit.formats.table import read_events, write_events
from fipfit.information import partition_information

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POWHEG_LHE = SHARED_DATA / "pylhe-testfile-powheg-box-v2-Z.lhe"
ZMUMU_ROOT = SHARED_DATA / "uproot-Zmumu.root"

# Each example writes and reads a file in the same temporary folder, which
# function-scoped fixtures would not reset between examples anyway.
FUZZ_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

GOOD_CSV = (
    b"weight,dweight,x,label,selected\n"
    b"1.0,0.5,0.1,1,true\n"
    b"2.0,-0.3,0.7,1,true\n"
    b"1.5,0.0,0.3,0,false\n"
    b"0.5,0.2,0.9,1,true\n"
)

#: Fragments that a damaged or hand-edited text file plausibly contains.
TOKENS = [
    b"nan",
    b"inf",
    b"-inf",
    b"-1",
    b"0",
    b"1e400",
    b"99999999999999999999",
    b"abc",
    b"",
    b" ",
    b",",
    b"\n",
    b'"',
    b"<",
    b">",
    b"&",
    b"\x00",
    b"\xff",
    b"true",
    b"2020-01-01",
    b"weight",
    b"dweight_a",
    b"<event>",
    b"</event>",
    b"</init>",
    b"11",
    b"-11",
    b"23",
]

mutations = st.lists(
    st.one_of(
        st.tuples(st.just("truncate"), st.floats(0, 1)),
        st.tuples(st.just("replace"), st.floats(0, 1), st.sampled_from(TOKENS)),
        st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(TOKENS)),
        st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 40)),
        st.tuples(st.just("set_byte"), st.floats(0, 1), st.integers(0, 255)),
    ),
    min_size=1,
    max_size=3,
)


def mutate(data: bytes, operations: list[tuple], start: int = 0) -> bytes:
    """Apply the operations at relative positions in data[start:]."""
    result = bytearray(data)
    for operation in operations:
        kind, where = operation[0], operation[1]
        position = start + int(where * (len(result) - start))
        if kind == "truncate":
            del result[position:]
        elif kind == "replace":
            token = operation[2]
            result[position : position + max(len(token), 1)] = token
        elif kind == "insert":
            result[position:position] = operation[2]
        elif kind == "delete":
            del result[position : position + operation[2]]
        elif position < len(result):
            result[position] = operation[2]
    return bytes(result)


def small_lhe() -> bytes:
    """Return the POWHEG Z file cut after its third event (about 11 kB)."""
    text = POWHEG_LHE.read_bytes()
    end = 0
    for _ in range(3):
        end = text.index(b"</event>", end) + len(b"</event>\n")
    return text[:end] + b"</LesHouchesEvents>\n"


def read_csv_like_info(path: Path) -> None:
    """Read events and compute one bin's information, as ``fipfit info`` does."""
    events = read_events(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        partition_information(events, np.zeros(len(events), dtype=np.intp), 1)


@pytest.fixture(scope="module")
def lhe_bytes() -> bytes:
    return small_lhe()


@pytest.fixture(scope="module")
def parquet_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    rng = np.random.default_rng(0)
    n = 50
    frame = pd.DataFrame(
        {
            "weight": rng.uniform(0.5, 1.5, n),
            "dweight": rng.normal(size=n),
            "x": rng.normal(size=n),
            "label": rng.integers(0, 2, n),
            "selected": rng.random(n) < 0.8,
        }
    )
    path = tmp_path_factory.mktemp("parquet") / "good.parquet"
    write_events(frame, path, {"weight_model": "peak"})
    return path.read_bytes()


# Fuzzing -------------------------------------------------------------------


def test_fuzz_base_files_are_valid(
    tmp_path: Path, lhe_bytes: bytes, parquet_bytes: bytes
) -> None:
    # Unmutated inputs read without error, so the fuzz tests start from a
    # valid file and every failure comes from a mutation.
    (tmp_path / "good.csv").write_bytes(GOOD_CSV)
    read_csv_like_info(tmp_path / "good.csv")
    (tmp_path / "good.parquet").write_bytes(parquet_bytes)
    read_csv_like_info(tmp_path / "good.parquet")
    (tmp_path / "good.lhe").write_bytes(lhe_bytes)
    metadata = convert_files([tmp_path / "good.lhe"], tmp_path / "out.parquet")
    assert metadata["n_rows"] == 3


@FUZZ_SETTINGS
@given(operations=mutations)
def test_fuzz_csv_reader(tmp_path: Path, operations: list[tuple]) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(mutate(GOOD_CSV, operations))
    with contextlib.suppress(FipfitError):
        read_csv_like_info(path)


@FUZZ_SETTINGS
@given(operations=mutations)
def test_fuzz_parquet_reader(
    tmp_path: Path, parquet_bytes: bytes, operations: list[tuple]
) -> None:
    path = tmp_path / "events.parquet"
    path.write_bytes(mutate(parquet_bytes, operations))
    with contextlib.suppress(FipfitError):
        read_csv_like_info(path)


@settings(FUZZ_SETTINGS, max_examples=60)
@given(operations=mutations, compress=st.booleans(), reweight=st.booleans())
def test_fuzz_lhe_conversion(
    tmp_path: Path,
    lhe_bytes: bytes,
    operations: list[tuple],
    compress: bool,
    reweight: bool,
) -> None:
    # Mutations start at <init>: the 90-line header before it is free text.
    data = mutate(lhe_bytes, operations, start=lhe_bytes.index(b"<init>"))
    path = tmp_path / ("events.lhe.gz" if compress else "events.lhe")
    path.write_bytes(gzip.compress(data) if compress else data)
    options = ConvertOptions(
        reweight="zlineshape" if reweight else None,
        parameters={"mz": 91.19, "width": 2.5, "sin2theta": 0.231},
    )
    with contextlib.suppress(FipfitError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        convert_files([path], tmp_path / "out.parquet", options)


@settings(FUZZ_SETTINGS, max_examples=40)
@given(operations=mutations)
def test_fuzz_gzip_stream(
    tmp_path: Path, lhe_bytes: bytes, operations: list[tuple]
) -> None:
    # Damage the compressed bytes themselves, past the 10-byte gzip header.
    path = tmp_path / "events.lhe.gz"
    path.write_bytes(mutate(gzip.compress(lhe_bytes), operations, start=10))
    with contextlib.suppress(FipfitError):
        read_lhe_info(path)
        convert_files([path], tmp_path / "out.parquet")


@settings(FUZZ_SETTINGS, max_examples=40)
@given(operations=mutations)
def test_fuzz_root_conversion(tmp_path: Path, operations: list[tuple]) -> None:
    # A conversion that reads all 2304 entries takes up to 0.5 s, so fewer
    # examples run here; most mutations fail much sooner.
    path = tmp_path / "events.root"
    path.write_bytes(mutate(ZMUMU_ROOT.read_bytes(), operations))
    with contextlib.suppress(FipfitError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        convert_files([path], tmp_path / "out.parquet", ConvertOptions(chunk_size=1000))


# Regressions found by fuzzing -----------------------------------------------


def test_csv_with_non_utf8_column_name(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(b"w\xa8ight,dweight\n1.0,0.5\n")
    with pytest.raises(FileFormatError, match=r"not valid UTF-8 \(byte b'\\xa8'\)"):
        read_events(path)


def test_parquet_with_non_utf8_byte_in_footer(
    tmp_path: Path, parquet_bytes: bytes
) -> None:
    # Found by the Parquet fuzzer: one byte set to 0x80 in the footer made
    # pyarrow raise UnicodeDecodeError while it opened the file.
    path = tmp_path / "events.parquet"
    path.write_bytes(mutate(parquet_bytes, [("set_byte", 0.390625, 128)]))
    with pytest.raises(FileFormatError, match="cannot read"):
        read_events(path)


def _parquet_with_pandas_metadata(tmp_path: Path, pandas_metadata: bytes) -> Path:
    table = pa.table({"weight": [1.0, 2.0], "dweight": [0.5, 0.1]})
    table = table.replace_schema_metadata({b"pandas": pandas_metadata})
    path = tmp_path / "events.parquet"
    pq.write_table(table, path)
    return path


@pytest.mark.parametrize(
    "pandas_metadata",
    [
        b'{"columns": [{"name": "weight"',
        b'{"columns": [{"name": "weight"}], "index_columns": []}',
        b"\xff\xfe\x00",
    ],
    ids=["truncated_json", "missing_keys", "not_utf8"],
)
def test_parquet_with_damaged_pandas_metadata(
    tmp_path: Path, pandas_metadata: bytes
) -> None:
    path = _parquet_with_pandas_metadata(tmp_path, pandas_metadata)
    with pytest.raises(FileFormatError, match="pandas metadata is damaged"):
        read_events(path)


def test_parquet_with_fipfit_metadata_not_object(tmp_path: Path) -> None:
    table = pa.table({"weight": [1.0], "dweight": [0.5]})
    table = table.replace_schema_metadata({b"fipfit": b"[1, 2]"})
    path = tmp_path / "events.parquet"
    pq.write_table(table, path)
    with pytest.raises(FileFormatError, match="metadata of type list"):
        read_events(path)


def _replace_in_first_event(lhe: bytes, old: bytes, new: bytes) -> bytes:
    start = lhe.index(b"<event>")
    position = lhe.index(old, start)
    return lhe[:position] + new + lhe[position + len(old) :]


def test_lhe_with_infinite_integer_field(tmp_path: Path, lhe_bytes: bytes) -> None:
    # The first line of an event starts with the particle count, an integer.
    path = tmp_path / "events.lhe"
    path.write_bytes(
        _replace_in_first_event(lhe_bytes, b"      6  10011", b"inf 10011")
    )
    with pytest.raises(FileFormatError, match="cannot read event 0"):
        convert_files([path], tmp_path / "out.parquet")


def test_lhe_with_integer_beyond_int64(tmp_path: Path, lhe_bytes: bytes) -> None:
    # A particle's status code of 10^20 parses in Python but not as int64.
    path = tmp_path / "events.lhe"
    path.write_bytes(
        _replace_in_first_event(lhe_bytes, b"    -1     0", b" 99999999999999999999 0")
    )
    with pytest.raises(FileFormatError, match="cannot read events 0 to 2"):
        convert_files([path], tmp_path / "out.parquet")


def test_lhe_event_with_two_lepton_pairs(tmp_path: Path, lhe_bytes: bytes) -> None:
    # Four leptons in the first event, one pair in the others: the pair
    # lists are of unequal length. The pair closest to m_Z must be chosen.
    text = lhe_bytes.decode()
    start = text.index("<event>\n") + len("<event>\n")
    end = text.index("</event>", start)
    lines = text[start:end].splitlines()
    leptons = [line for line in lines[1:] if line.split()[0] in ("11", "-11")]
    header = lines[0].split(maxsplit=1)
    lines[0] = f"{int(header[0]) + 2:7d} {header[1]}"
    event = "\n".join(lines[:1] + lines[1:] + leptons) + "\n"
    path = tmp_path / "events.lhe"
    path.write_text(text[:start] + event + text[end:])
    convert_files([path], tmp_path / "two_pairs.parquet")
    (tmp_path / "good.lhe").write_bytes(lhe_bytes)
    convert_files([tmp_path / "good.lhe"], tmp_path / "good.parquet")
    # Duplicated leptons form pairs of the same mass, so the result is equal.
    two_pairs = pd.read_parquet(tmp_path / "two_pairs.parquet")
    good = pd.read_parquet(tmp_path / "good.parquet")
    assert len(two_pairs) == 3
    np.testing.assert_allclose(two_pairs["true_mll"], good["true_mll"], rtol=1e-12)


def test_root_with_damaged_basket(tmp_path: Path) -> None:
    # Byte 147602 of the CMS dimuon file lies inside a zlib-compressed basket.
    # Zeroing it fails zlib's checksum, in the decompressor rather than uproot.
    data = bytearray(ZMUMU_ROOT.read_bytes())
    data[147602] = 0
    path = tmp_path / "events.root"
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="decompressing data"):
        convert_files([path], tmp_path / "out.parquet")


def test_dataset_with_truncated_file(tmp_path: Path, parquet_bytes: bytes) -> None:
    from fipfit.scaleout import information_with_bootstrap, read_dataset

    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "a.parquet").write_bytes(parquet_bytes)
    (folder / "b.parquet").write_bytes(parquet_bytes[: len(parquet_bytes) // 2])
    dataset = read_dataset(folder)
    with pytest.raises(FileFormatError, match="cannot read the Parquet dataset"):
        information_with_bootstrap(dataset, n_resamples=2)


def test_dataset_with_other_columns(tmp_path: Path, parquet_bytes: bytes) -> None:
    from fipfit.scaleout import information_with_bootstrap, read_dataset

    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "a.parquet").write_bytes(parquet_bytes)
    pd.DataFrame({"weight": [1.0], "dweight": [0.5]}).to_parquet(folder / "b.parquet")
    dataset = read_dataset(folder)
    with pytest.raises(FileFormatError, match="do not all have the same columns"):
        information_with_bootstrap(dataset, n_resamples=2)


def test_gzip_text_is_read(tmp_path: Path, lhe_bytes: bytes) -> None:
    # A control for the gzip fuzz: compressing does not change the events.
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as stream:
        stream.write(lhe_bytes)
    path = tmp_path / "events.lhe.gz"
    path.write_bytes(buffer.getvalue())
    assert convert_files([path], tmp_path / "out.parquet")["n_rows"] == 3


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from fipfit.modelfile import save_model
    from fipfit.regression import GammaRegressor

    rng = np.random.default_rng(1)
    regressor = GammaRegressor(max_iter=5).fit(
        rng.normal(size=(200, 2)), rng.normal(size=200)
    )
    path = tmp_path_factory.mktemp("model") / "model.skops"
    save_model(
        path, regressor, features=["x", "eta"], kind="regressor", parameters=["theta"]
    )
    return path.read_bytes()


@settings(FUZZ_SETTINGS, max_examples=60)
@given(operations=mutations)
def test_fuzz_model_file(
    tmp_path: Path, model_bytes: bytes, operations: list[tuple]
) -> None:
    from fipfit.events import Events
    from fipfit.modelfile import load_model

    path = tmp_path / "model.skops"
    path.write_bytes(mutate(model_bytes, operations))
    events = Events.from_arrays(
        np.ones(4), np.ones(4), features={"x": np.arange(4.0), "eta": np.zeros(4)}
    )
    with contextlib.suppress(FipfitError):
        load_model(path).output(events)


def test_model_with_shifted_zip_directory(tmp_path: Path, model_bytes: bytes) -> None:
    # One byte less before the zip's central directory puts the first
    # member at offset -1, and zipfile's seek there raised OSError.
    from fipfit.modelfile import load_model

    path = tmp_path / "model.skops"
    path.write_bytes(model_bytes[:100] + model_bytes[101:])
    with pytest.raises(FileFormatError, match="cannot read model file"):
        load_model(path)
