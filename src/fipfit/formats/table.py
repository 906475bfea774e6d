"""The canonical event file: Parquet (pyarrow), and CSV for small hand-made cases."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv
import pyarrow.parquet as pq

from fipfit.atomic import atomic_file
from fipfit.errors import FileFormatError, FipfitError, InvalidEventsError
from fipfit.events import EventColumns, Events

__all__ = ["METADATA_KEY", "read_events", "read_table", "write_events"]

#: Key of the fipfit metadata (a JSON object) in a Parquet file's schema.
METADATA_KEY = b"fipfit"


def read_table(path: str | os.PathLike[str]) -> tuple[pa.Table, dict[str, Any]]:
    """Read a Parquet or CSV file into an Arrow table and its fipfit metadata."""
    source = Path(path)
    if not source.exists():
        raise FipfitError(f"input file '{source}' not found: check the path")
    if source.is_dir():
        raise FipfitError(
            f"'{source}' is a folder: give a Parquet or CSV file "
            "(folders of Parquet files are read by the Dask path)"
        )
    suffix = source.suffix.lower()
    try:
        if suffix == ".csv":
            table = pyarrow.csv.read_csv(source)
            metadata: dict[str, Any] = {}
        elif suffix in (".parquet", ".pq"):
            # ParquetFile.read, unlike pq.read_table, accepts duplicate column
            # names, so that read_events can name them in its error.
            with pq.ParquetFile(source) as parquet_file:
                table = parquet_file.read()
            raw = (table.schema.metadata or {}).get(METADATA_KEY)
            metadata = json.loads(raw) if raw else {}
        else:
            raise FileFormatError(
                f"'{source}' has suffix '{suffix}': fipfit reads .parquet and .csv "
                "event files; convert LHE or ROOT files with 'fipfit convert'"
            )
    except (
        pa.ArrowInvalid,
        pa.ArrowException,
        OSError,
        json.JSONDecodeError,
        UnicodeDecodeError,  # a damaged schema or metadata string
    ) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise FileFormatError(
            f"cannot read '{source}' as {suffix[1:]}: {reason}; "
            "the file is empty, truncated or not in that format"
        ) from None
    try:
        # Arrow decodes column names lazily, so a header with bytes that are
        # not UTF-8 only fails here.
        table.schema.names  # noqa: B018
    except UnicodeDecodeError as error:
        raise FileFormatError(
            f"'{source}' has a column name that is not valid UTF-8 "
            f"(byte {error.object[error.start : error.start + 1]!r}): "
            "save the file with UTF-8 column names"
        ) from None
    if not isinstance(metadata, dict):
        raise FileFormatError(
            f"'{source}' has fipfit metadata of type {type(metadata).__name__}, "
            "expected a JSON object: the file was not written by fipfit or is damaged"
        )
    if table.num_rows == 0:
        raise FileFormatError(
            f"'{source}' contains no events: give a file with at least one row"
        )
    return table, metadata


def read_events(
    path: str | os.PathLike[str], columns: EventColumns | None = None
) -> Events:
    """Read and validate an event file (Parquet or CSV).

    Parameters
    ----------
    path : path-like
        A ``.parquet`` or ``.csv`` file in the canonical format.
    columns : EventColumns, optional
        Names of the weight, derivative, label and selection columns.
    """
    table, metadata = read_table(path)
    names = table.column_names
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise InvalidEventsError(
            f"'{path}' has duplicate column names {duplicated}: rename them so "
            "that each column is unique"
        )
    try:
        frame = table.to_pandas()
    except (ValueError, KeyError, TypeError, pa.ArrowException) as error:
        # Damaged pandas metadata in the schema (a JSON document that Arrow
        # stores beside the columns) fails here, after the columns were read.
        raise FileFormatError(
            f"cannot convert '{path}' to a table: {type(error).__name__}: "
            f"{error}; the file's pandas metadata is damaged"
        ) from None
    try:
        return Events.from_frame(frame, columns, metadata)
    except FipfitError as error:
        raise type(error)(f"{path}: {error}") from None


def write_events(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Write events in the canonical format, atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
        The columns to write.
    path : path-like
        Destination ``.parquet`` file; written under a temporary name and renamed.
    metadata : mapping, optional
        JSON-serialisable settings stored under the ``fipfit`` schema key, for
        example the toy model and its parameters.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema_metadata = dict(table.schema.metadata or {})
    schema_metadata[METADATA_KEY] = json.dumps(dict(metadata or {})).encode()
    table = table.replace_schema_metadata(schema_metadata)
    with atomic_file(path) as temporary:
        pq.write_table(table, temporary)
