"""ROOT TTrees read in chunks with uproot.

`open_tree` finds the tree (the only TTree of the file when no name is given)
and `iter_root_chunks` streams the chosen branches as pandas DataFrames of at
most `chunk_size` entries. A missing tree or branch raises `MissingColumnError`
naming the file and the names that exist. A file that is not ROOT, or that is
truncated, raises `FileFormatError`.
"""

from __future__ import annotations

import lzma
import os
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fipfit.errors import FileFormatError, FipfitError, MissingColumnError

__all__ = [
    "DIMUON_BRANCHES",
    "check_branches",
    "is_root_file",
    "iter_root_chunks",
    "open_tree",
    "tree_branches",
]

#: Default number of entries per chunk.
DEFAULT_CHUNK_SIZE = 100_000

#: Branches of the two leptons' four-momenta and charges, lepton by lepton, in
#: the layout of the CMS dimuon trees (``E1``, ``px1``, ..., ``Q1``, ``E2``, ...).
DIMUON_BRANCHES: tuple[dict[str, str], dict[str, str]] = (
    {"e": "E1", "px": "px1", "py": "py1", "pz": "pz1", "charge": "Q1"},
    {"e": "E2", "px": "px2", "py": "py2", "pz": "pz2", "charge": "Q2"},
)


def _read_errors() -> tuple[type[BaseException], ...]:
    import uproot

    # A damaged compressed basket fails in the decompressor, not in uproot.
    return (
        OSError,
        ValueError,
        KeyError,
        EOFError,
        zlib.error,
        lzma.LZMAError,
        uproot.DeserializationError,
    )


def is_root_file(path: str | os.PathLike[str]) -> bool:
    """Return whether the file starts with the ROOT magic bytes ``root``."""
    with Path(path).open("rb") as handle:
        return handle.read(4) == b"root"


def open_tree(path: str | os.PathLike[str], tree: str | None = None) -> Any:
    """Open a TTree of a ROOT file.

    Parameters
    ----------
    path : path-like
    tree : str, optional
        Name of the tree; by default the file's only TTree.

    Raises
    ------
    FileFormatError
        If the file is not ROOT or cannot be read.
    MissingColumnError
        If the tree is missing, or `tree` is None and the file contains no
        TTree or several.
    """
    import uproot

    source = Path(path)
    try:
        handle = uproot.open(source)
        trees = sorted(
            {
                key.split(";")[0]
                for key, kind in handle.classnames().items()
                if kind == "TTree"
            }
        )
    except (FileNotFoundError, PermissionError):
        # A missing or unreadable file is not damage: the OSError names both.
        raise
    except _read_errors() as error:
        raise FileFormatError(
            f"cannot read '{source}' as a ROOT file: the file is truncated or "
            f"damaged ({_reader_message(error)})"
        ) from None
    if tree is None:
        if len(trees) != 1:
            raise MissingColumnError(
                f"'{source}' contains {len(trees)} TTrees {trees}: "
                "choose one with --tree"
            )
        tree = trees[0]
    if tree not in trees:
        raise MissingColumnError(
            f"TTree '{tree}' not found in '{source}': available TTrees are {trees}"
        )
    try:
        return handle[tree]
    except _read_errors() as error:
        raise FileFormatError(
            f"cannot read TTree '{tree}' of '{source}': the file is truncated or "
            f"damaged ({_reader_message(error)})"
        ) from None


#: Maximum length, in characters, of the reader message quoted in an error.
_MAX_READER_MESSAGE = 200


def _reader_message(error: BaseException) -> str:
    """Return the reader's message on one line, quoted, without the file path.

    uproot spreads its messages over several lines (``expected Chunk of
    length 112,`` / ``received 0 bytes from FSSpecSource`` / ``for file path
    ...``). The lines are joined so that the quoted sentence is complete; the
    path line is dropped because the caller names the file.
    """
    lines = [
        line.strip()
        for line in str(error).splitlines()
        if line.strip() and not line.strip().startswith(("for file path", "in file"))
    ]
    text = " ".join(lines) or type(error).__name__
    if len(text) > _MAX_READER_MESSAGE:
        text = text[: _MAX_READER_MESSAGE - 3] + "..."
    return f'{_reader_name(error)}: "{text}"'


def _reader_name(error: BaseException) -> str:
    """Return which library raised `error`: uproot or a decompressor."""
    module = type(error).__module__.split(".")[0]
    if module in ("zlib", "lzma"):
        return module
    return "uproot"


def tree_branches(tree: Any) -> list[str]:
    """Return the names of the tree's top-level branches."""
    return [str(name) for name in tree.keys(recursive=False)]


def check_branches(
    tree: Any, names: Sequence[str], path: str | os.PathLike[str]
) -> None:
    """Raise `MissingColumnError` naming the first of `names` not in the tree."""
    available = tree_branches(tree)
    for name in names:
        if name not in available:
            raise MissingColumnError(
                f"branch '{name}' not found in TTree '{tree.name}' of '{path}': "
                f"available branches are {available}"
            )


def iter_root_chunks(
    path: str | os.PathLike[str],
    tree: str | None = None,
    branches: Sequence[str] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[tuple[int, pd.DataFrame]]:
    """Stream branches of a TTree as DataFrames.

    Parameters
    ----------
    path : path-like
    tree : str, optional
        Name of the TTree; by default the file's only one.
    branches : sequence of str, optional
        Branches to read; by default all. Each must hold one number or one
        string per entry.
    chunk_size : int
        Maximum number of entries per chunk.

    Yields
    ------
    (int, pandas.DataFrame)
        The tree entry of the chunk's first row, and one column per branch.

    Raises
    ------
    FileFormatError
        If the file cannot be read, or a branch contains a variable-length
        list per entry.
    MissingColumnError
        For a missing tree or branch.
    """
    if chunk_size < 1:
        raise FipfitError(f"chunk size must be at least 1, got {chunk_size}")
    source = Path(path)
    handle = open_tree(source, tree)
    names = list(branches) if branches is not None else tree_branches(handle)
    check_branches(handle, names, source)
    if handle.num_entries == 0:
        raise FileFormatError(
            f"TTree '{handle.name}' of '{source}' contains no entries"
        )
    iterator = handle.iterate(names, step_size=chunk_size, library="np", report=True)
    while True:
        try:
            arrays, report = next(iterator)
        except StopIteration:
            return
        except _read_errors() as error:
            raise FileFormatError(
                f"cannot read TTree '{handle.name}' of '{source}': the file is "
                f"truncated or damaged ({_reader_message(error)})"
            ) from None
        yield int(report.tree_entry_start), _frame(arrays, names, handle.name, source)


def _frame(
    arrays: dict[str, Any], names: Sequence[str], tree: str, path: Path
) -> pd.DataFrame:
    columns: dict[str, Any] = {}
    for name in names:
        values = np.asarray(arrays[name])
        if values.ndim != 1 or (
            values.dtype == object and len(values) and isinstance(values[0], np.ndarray)
        ):
            raise FileFormatError(
                f"branch '{name}' of TTree '{tree}' in '{path}' contains a list per "
                "entry: choose branches with one value per entry with --branches"
            )
        if values.dtype.byteorder == ">":
            values = values.astype(values.dtype.newbyteorder("="))
        columns[name] = values
    return pd.DataFrame(columns)
