"""Provenance of a run: software versions, seeds and checksums of the inputs."""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["file_sha256", "frame_sha256", "library_versions"]

#: Distributions whose versions the report records.
KEY_LIBRARIES = (
    "fipfit",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "scikit-learn",
    "iminuit",
    "pyhf",
    "matplotlib",
    "mplhep",
    "lightgbm",
)


def library_versions() -> dict[str, str]:
    """Return the installed versions of Python and the key libraries.

    A library that is not installed is recorded as ``"not installed"``.
    """
    versions = {"python": platform.python_version()}
    for name in KEY_LIBRARIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def platform_description() -> dict[str, Any]:
    """Return the machine and interpreter the run used."""
    return {
        "system": platform.system(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "executable": sys.executable,
    }


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the hexadecimal sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def frame_sha256(frame: pd.DataFrame) -> str:
    """Return the sha256 of a table's column names, types and values.

    Each column contributes its name, its numpy dtype and its values as a
    contiguous little-endian array, in column order. Two tables with equal
    columns have equal checksums whatever file format they are later written
    in, so the checksum identifies a generated table without writing it.
    """
    digest = hashlib.sha256()
    for name in frame.columns:
        values = np.asarray(frame[name].to_numpy())
        if values.dtype == object:
            values = values.astype(str)
        values = np.ascontiguousarray(values)
        if values.dtype.byteorder == ">":
            values = values.astype(values.dtype.newbyteorder("<"))
        digest.update(str(name).encode())
        digest.update(values.dtype.str.encode())
        digest.update(values.tobytes())
    return digest.hexdigest()
