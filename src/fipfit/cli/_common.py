"""Options and helpers shared by the commands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fipfit.events import EventColumns

__all__ = ["add_column_options", "columns_from_args", "print_json", "split_names"]


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
