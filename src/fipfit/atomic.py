"""Atomic writes: outputs appear under their final name complete or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fipfit.errors import FipfitError

__all__ = ["atomic_directory", "atomic_file", "check_replaceable"]


def _check_parent(path: Path) -> None:
    parent = path.parent
    if not parent.is_dir():
        raise FipfitError(
            f"output folder '{parent}' does not exist: create it or choose another path"
        )
    if not os.access(parent, os.W_OK):
        raise FipfitError(
            f"output folder '{parent}' is not writable: "
            "choose a folder you can write to"
        )


def _default_mode(mode: int) -> int:
    """Return `mode` less the process umask, the mode open() or mkdir() gives."""
    # The umask can only be read by setting it, so it is set back at once.
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


@contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`, renamed to `path` on success.

    On any exception the temporary file is removed and `path` is untouched.
    """
    target = Path(path)
    _check_parent(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        # mkstemp creates the file with mode 0600, private to its owner.
        os.chmod(temporary, _default_mode(0o666))
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def check_replaceable(target: Path, marker: str | None) -> None:
    """Raise `FipfitError` unless the existing folder `target` may be replaced.

    A folder may be replaced when it is empty or contains the file `marker`, the
    sign of an earlier output of the same kind; None allows any folder. This
    keeps ``--force`` from deleting a folder of the user's own files.
    """
    if not target.is_dir():
        raise FipfitError(f"'{target}' is a file, not a folder: choose another one")
    if marker is None or (target / marker).is_file() or not any(target.iterdir()):
        return
    raise FipfitError(
        f"folder '{target}' exists and is not an earlier fipfit output (it has no "
        f"{marker}): choose a new or empty folder, --force replaces only "
        "fipfit's own outputs"
    )


@contextmanager
def atomic_directory(
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    marker: str | None = None,
) -> Iterator[Path]:
    """Yield a temporary folder beside `path`, moved to `path` on success.

    An existing `path` is replaced only when `overwrite` is true, only if it is
    empty or contains the file `marker` (see `check_replaceable`), and only after
    the new folder is complete. On any exception the temporary folder is removed.
    """
    # Resolving gives "." and ".." a name, so the temporary folder is a sibling.
    target = Path(path).resolve()
    _check_parent(target)
    if target.exists():
        if not overwrite:
            raise FipfitError(
                f"output folder '{target}' exists: pass --force to replace it "
                "or choose another folder"
            )
        check_replaceable(target, marker)
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield temporary
        # mkdtemp creates the folder with mode 0700, private to its owner.
        os.chmod(temporary, _default_mode(0o777))
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(temporary, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
