"""The event file format: Parquet and CSV reading, metadata, and broken files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from numpy.testing import assert_allclose

from fipfit.errors import (
    FileFormatError,
    FipfitError,
    InvalidEventsError,
    MissingColumnError,
)
from fipfit.events import EventColumns
from fipfit.formats.table import METADATA_KEY, read_events, read_table, write_events


def sample_frame(n: int = 50, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    weight = rng.exponential(size=n) + 0.1
    return pd.DataFrame(
        {
            "weight": weight,
            "dweight": weight * rng.normal(size=n),
            "label": rng.integers(0, 2, size=n),
            "selected": rng.random(n) < 0.8,
            "mass": rng.normal(91.0, 2.0, size=n),
        }
    )


# Reading and writing -------------------------------------------------------


def test_parquet_round_trip(tmp_path: Path) -> None:
    data = sample_frame()
    path = tmp_path / "events.parquet"
    write_events(data, path)
    events = read_events(path)
    assert_allclose(events.weight, data["weight"])
    assert_allclose(events.dweight[:, 0], data["dweight"])
    assert events.selected.tolist() == data["selected"].tolist()
    assert events.label is not None
    assert events.label.tolist() == data["label"].tolist()
    assert_allclose(events.column("mass"), data["mass"])


def test_metadata_round_trip(tmp_path: Path) -> None:
    metadata = {"model": "peak", "parameters": {"mass": 91.2, "n": 3}, "tags": [1, 2]}
    path = tmp_path / "events.parquet"
    write_events(sample_frame(), path, metadata)
    assert read_events(path).metadata == metadata
    _, table_metadata = read_table(path)
    assert table_metadata == metadata
    schema = pq.read_schema(path)
    assert schema.metadata is not None
    assert METADATA_KEY in schema.metadata


def test_parquet_without_metadata(tmp_path: Path) -> None:
    path = tmp_path / "plain.parquet"
    pq.write_table(pa.Table.from_pandas(sample_frame(), preserve_index=False), path)
    assert read_events(path).metadata == {}


def test_csv_read(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    data = sample_frame(10)
    data.to_csv(path, index=False)
    events = read_events(path)
    assert len(events) == 10
    assert_allclose(events.weight, data["weight"])
    assert events.selected.tolist() == data["selected"].tolist()
    assert events.metadata == {}


def test_column_options(tmp_path: Path) -> None:
    path = tmp_path / "renamed.csv"
    path.write_text("w,dw_a,dw_b,is_signal,keep\n1,0.5,0.1,1,1\n2,0.0,0.2,0,0\n")
    columns = EventColumns(
        weight="w", dweight=("dw_a", "dw_b"), label="is_signal", selected="keep"
    )
    events = read_events(path, columns)
    assert events.parameters == ("dw_a", "dw_b")
    assert events.dweight.shape == (2, 2)
    assert events.selected.tolist() == [True, False]
    assert events.label is not None
    assert events.label.tolist() == [1, 0]


def test_write_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    write_events(sample_frame(), path)
    assert [p.name for p in tmp_path.iterdir()] == ["events.parquet"]


def test_written_file_follows_umask(tmp_path: Path) -> None:
    """An output file gets the usual mode 0666 less the umask, as open() gives."""
    path = tmp_path / "events.parquet"
    old = os.umask(0o022)
    try:
        write_events(sample_frame(), path)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_write_into_missing_folder_rejected(tmp_path: Path) -> None:
    with pytest.raises(FipfitError, match=r"output folder .* does not exist"):
        write_events(sample_frame(), tmp_path / "nowhere" / "events.parquet")


# Broken and invalid files --------------------------------------------------


def test_missing_file_rejected(tmp_path: Path) -> None:
    with pytest.raises(FipfitError, match="not found: check the path"):
        read_events(tmp_path / "absent.parquet")


def test_folder_rejected(tmp_path: Path) -> None:
    with pytest.raises(FipfitError, match="is a folder"):
        read_events(tmp_path)


def test_unknown_suffix_rejected(tmp_path: Path) -> None:
    path = tmp_path / "events.lhe"
    path.write_text("<LesHouchesEvents>")
    with pytest.raises(FileFormatError, match="fipfit convert"):
        read_events(path)


@pytest.mark.parametrize("name", ["empty.csv", "empty.parquet"])
def test_empty_file_rejected(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty, truncated or not in that"):
        read_events(path)


def test_header_only_csv_rejected(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("weight,dweight\n")
    with pytest.raises(FileFormatError, match="contains no events"):
        read_events(path)


def test_zero_row_parquet_rejected(tmp_path: Path) -> None:
    path = tmp_path / "none.parquet"
    write_events(sample_frame().iloc[:0], path)
    with pytest.raises(FileFormatError, match="contains no events"):
        read_events(path)


def test_truncated_parquet_rejected(tmp_path: Path) -> None:
    path = tmp_path / "cut.parquet"
    write_events(sample_frame(500), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match=r"cannot read .* as parquet"):
        read_events(path)


def test_corrupt_parquet_rejected(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.parquet"
    write_events(sample_frame(500), path)
    data = bytearray(path.read_bytes())
    data[4:200] = b"\xff" * 196  # overwrite the first column chunk
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="cannot read"):
        read_events(path)


def test_csv_that_is_not_csv_rejected(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_text("weight,dweight\n1,2,3\n4\n")
    with pytest.raises(FileFormatError, match=r"cannot read .* as csv"):
        read_events(path)


def test_duplicate_columns_csv_rejected(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("weight,dweight,x,x\n1,0.5,1,2\n")
    with pytest.raises(InvalidEventsError, match=r"duplicate column names \['x'\]"):
        read_events(path)


def test_duplicate_columns_parquet_rejected(tmp_path: Path) -> None:
    path = tmp_path / "dup.parquet"
    table = pa.table(
        [pa.array([1.0]), pa.array([0.5]), pa.array([2.0])],
        names=["weight", "dweight", "weight"],
    )
    with pq.ParquetWriter(path, table.schema) as writer:
        writer.write_table(table)
    with pytest.raises(
        InvalidEventsError, match=r"duplicate column names \['weight'\]"
    ):
        read_events(path)


def test_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("weight,dweight\n1,0.5\nnan,0.1\n")
    with pytest.raises(InvalidEventsError, match=r"bad\.csv: 1 events have a NaN"):
        read_events(path)


def test_misspelt_column_suggested(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    sample_frame(5).to_csv(path, index=False)
    with pytest.raises(MissingColumnError, match="did you mean 'weight'"):
        read_events(path, EventColumns(weight="weigth"))


def test_infinite_dweight_in_file_rejected(tmp_path: Path) -> None:
    path = tmp_path / "inf.parquet"
    data = sample_frame(5)
    data.loc[2, "dweight"] = np.inf
    write_events(data, path)
    with pytest.raises(InvalidEventsError, match="NaN or infinite weight derivative"):
        read_events(path)


def test_zero_weight_with_derivative_in_file_rejected(tmp_path: Path) -> None:
    path = tmp_path / "zero.csv"
    path.write_text("weight,dweight\n1,0.5\n0,0.1\n")
    with pytest.raises(InvalidEventsError, match="zero weight but a non-zero"):
        read_events(path)
