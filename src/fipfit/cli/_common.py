"""Options and helpers shared by the commands."""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import math
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fipfit.errors import FipfitWarning, MissingColumnError
from fipfit.events import EventColumns, missing_column_error

if TYPE_CHECKING:
    import os

    from fipfit.events import Events

__all__ = [
    "add_column_options",
    "bootstrap_count",
    "check_named_columns",
    "check_parameter_option",
    "check_prebins",
    "columns_from_args",
    "file_fingerprint",
    "non_negative_float",
    "non_negative_int",
    "positive_int",
    "print_json",
    "read_events_from_args",
    "split_names",
    "toy_count",
    "warn_if_training_file",
]


def _parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        # The same wording as argparse's own type=int.
        raise argparse.ArgumentTypeError(f"invalid int value: '{text}'") from None


def non_negative_int(text: str) -> int:
    """Parse an integer that is 0 or larger, such as a seed (an argparse type)."""
    value = _parse_int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or a positive integer, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """Parse a finite number that is 0 or larger, such as a minimum bin weight."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid float value: '{text}'") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            f"must be a finite number, 0 or larger, got {text}"
        )
    return value


def positive_int(text: str) -> int:
    """Parse an integer that is 1 or larger, such as a number of bins."""
    value = _parse_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def bootstrap_count(text: str) -> int:
    """Parse a number of bootstrap replicas: 0 skips the bootstrap, else at least 2.

    One replica has no spread, so it cannot give an error.
    """
    value = _parse_int(text)
    if value < 0 or value == 1:
        raise argparse.ArgumentTypeError(
            f"must be 0 (no bootstrap) or at least 2, got {text}"
        )
    return value


def toy_count(text: str) -> int:
    """Parse a number of pseudo-experiments: at least 2, so that they have a spread."""
    value = _parse_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {text}")
    return value


def add_column_options(parser: argparse.ArgumentParser) -> None:
    """Add the options that name the weight, derivative, label and selection columns."""
    group = parser.add_argument_group("columns")
    group.add_argument(
        "--weight",
        default="weight",
        metavar="NAME",
        help="weight column (default: weight)",
    )
    group.add_argument(
        "--dweight",
        default=None,
        metavar="NAMES",
        help="comma-separated weight-derivative columns "
        "(default: 'dweight', else every 'dweight_<name>')",
    )
    # None means the default name, which a file may lack. A name that the user
    # gives must exist (see `check_named_columns`).
    group.add_argument(
        "--label",
        default=None,
        metavar="NAME",
        help="signal label column, 1 or 0 (default: label, when the file has it)",
    )
    group.add_argument(
        "--selected",
        default=None,
        metavar="NAME",
        help="boolean selection column (default: selected, when the file has it; "
        "without it every event is selected)",
    )


def split_names(text: str | None) -> tuple[str, ...] | None:
    """Split a comma-separated list of names, dropping blanks."""
    if text is None:
        return None
    return tuple(name.strip() for name in text.split(",") if name.strip())


def columns_from_args(args: argparse.Namespace) -> EventColumns:
    """Build `EventColumns` from the column options.

    The label and selection columns default to ``label`` and ``selected``,
    which `EventColumns` uses only when the file has them.
    """
    defaults = EventColumns()
    return EventColumns(
        weight=args.weight,
        dweight=split_names(args.dweight),
        label=defaults.label if args.label is None else args.label,
        selected=defaults.selected if args.selected is None else args.selected,
    )


def check_named_columns(args: argparse.Namespace, available: Iterable[str]) -> None:
    """Raise `MissingColumnError` for a --label or --selected the file lacks.

    Without this check, a misspelt --selected would silently select every
    event, because `EventColumns` treats a missing selection column as absent.
    """
    names = [str(name) for name in available]
    for option, role in (("label", "label column"), ("selected", "selection column")):
        name = getattr(args, option)
        if name is not None and name not in names:
            error = missing_column_error(name, names, role)
            raise MissingColumnError(f"--{option}: {error}") from None


def check_parameter_option(name: str | None, parameters: Sequence[str]) -> None:
    """Raise `MissingColumnError` when --param names none of the `parameters`."""
    if name is None or name in parameters:
        return
    close = difflib.get_close_matches(name, parameters, n=1, cutoff=0.6)
    if close:
        hint = f": did you mean '{close[0]}'?"
    else:
        hint = f"; available parameters: {', '.join(parameters)}"
    raise MissingColumnError(f"--param: parameter '{name}' not found{hint}")


def check_prebins(n_prebins: int, n_bins: int) -> None:
    """Raise unless --prebins lies between --bins and the optimal binning's limit."""
    from fipfit.binning import MAX_PREBINS
    from fipfit.errors import FipfitError

    if n_bins > MAX_PREBINS:
        raise FipfitError(
            f"--binning optimal makes at most {MAX_PREBINS} bins, got --bins "
            f"{n_bins}: use fewer bins or --binning quantile"
        )
    if not n_bins <= n_prebins <= MAX_PREBINS:
        raise FipfitError(
            f"--prebins must be between --bins ({n_bins}) and {MAX_PREBINS}, "
            f"got {n_prebins}: the optimal bins are unions of pre-bins"
        )


def file_fingerprint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Return the size in bytes and the SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return {"size": Path(path).stat().st_size, "sha256": digest.hexdigest()}


def warn_if_training_file(
    metadata: Mapping[str, Any], path: str | os.PathLike[str], model: str
) -> None:
    """Warn when `path` is the file that the model was trained on.

    `metadata` is the model file's, where ``fipfit train`` records the
    training file's `file_fingerprint`; models without it are not checked.
    The file is hashed only when its size matches.
    """
    recorded = metadata.get("training_file_fingerprint")
    source = Path(path)
    if not isinstance(recorded, dict) or not source.is_file():
        return
    if source.stat().st_size != recorded.get("size"):
        return
    if file_fingerprint(source)["sha256"] != recorded.get("sha256"):
        return
    warnings.warn(
        f"'{source}' is the file that model '{model}' was trained on, and FIP "
        "measured on training events is biased upwards: use events the model "
        "has not seen, such as an independently generated file",
        FipfitWarning,
        stacklevel=2,
    )


def read_events_from_args(
    path: str | os.PathLike[str], args: argparse.Namespace
) -> Events:
    """Read an event file with the column options, checking the names given."""
    from fipfit.formats.table import read_events

    events = read_events(path, columns_from_args(args))
    try:
        check_named_columns(args, events.data.columns)
    except MissingColumnError as error:
        # Name the file, as read_events does, because fit may read two.
        raise MissingColumnError(f"{path}: {error}") from None
    return events


def print_json(payload: Any) -> None:
    """Print one JSON object on stdout."""
    json.dump(payload, sys.stdout, indent=2, allow_nan=True)
    sys.stdout.write("\n")
