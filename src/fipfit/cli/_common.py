"""Options and helpers shared by the commands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fipfit.events import EventColumns

__all__ = [
    "add_column_options",
    "bootstrap_count",
    "columns_from_args",
    "non_negative_int",
    "positive_int",
    "print_json",
    "split_names",
    "toy_count",
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
    group.add_argument(
        "--label",
        default="label",
        metavar="NAME",
        help="signal label column, 1 or 0 (default: label)",
    )
    group.add_argument(
        "--selected",
        default="selected",
        metavar="NAME",
        help="boolean selection column (default: selected; absent means all)",
    )


def split_names(text: str | None) -> tuple[str, ...] | None:
    """Split a comma-separated list of names, dropping blanks."""
    if text is None:
        return None
    return tuple(name.strip() for name in text.split(",") if name.strip())


def columns_from_args(args: argparse.Namespace) -> EventColumns:
    """Build `EventColumns` from the column options."""
    return EventColumns(
        weight=args.weight,
        dweight=split_names(args.dweight),
        label=args.label,
        selected=args.selected,
    )


def print_json(payload: Any) -> None:
    """Print one JSON object on stdout."""
    json.dump(payload, sys.stdout, indent=2, allow_nan=True)
    sys.stdout.write("\n")
