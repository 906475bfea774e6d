"""``fipfit generate``: write a toy-model event sample to a Parquet file."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from fipfit.cli._common import non_negative_int

__all__ = ["register"]

#: Suffixes of the files that ``generate`` writes and the other commands read.
PARQUET_SUFFIXES = (".parquet", ".pq")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``generate`` command."""
    parser = subparsers.add_parser(
        "generate",
        help="generate a toy-model event sample with exact weight derivatives",
        description=(
            "Generate N signal events of a toy model, with its background, and "
            "write them to a Parquet file in the canonical format. The file's "
            "metadata records the model, its settings and the seed, so that the "
            "weights can be rebuilt at any parameter value. Models: peak (a "
            "resonance mass, GeV), xsec (a signal strength), eft (two couplings "
            "c1, c2)."
        ),
        epilog=(
            "Every number of a model is a setting with a default; "
            "'--show-settings' lists them with their units."
        ),
    )
    parser.add_argument("model", metavar="MODEL", help="toy model: peak, xsec or eft")
    parser.add_argument(
        "-n",
        "--events",
        dest="events",
        metavar="N",
        help="number of generated signal events, selected or not; the background "
        "adds bkg_fraction * N events (an integer such as 100000 or 1e5)",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the random-number generator (default: 0)",
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a setting, in the setting's unit (for example "
        "--set width=3.0 for a 3 GeV peak width); repeat for several",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="output Parquet file (.parquet or .pq); its folder must exist",
    )
    parser.add_argument(
        "--show-settings",
        action="store_true",
        help="print the model's settings with defaults and units, and exit",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Generate the events and write them, or list the model's settings."""
    from fipfit.toymodels import get_model

    model = get_model(args.model)
    settings = parse_settings(args.settings)
    if args.show_settings:
        resolved = model.resolve_settings(settings)
        print(f"# {model.name}: {model.summary}")
        for name, value in resolved.items():
            unit = model.units.get(name, "")
            print(f"{name} = {value:g}" + (f"  ({unit})" if unit else ""))
        return 0

    from fipfit.errors import FipfitError
    from fipfit.formats.table import write_events

    if args.events is None:
        raise FipfitError("missing the number of events: give it with -n N")
    count = parse_count(args.events)
    if args.output is None:
        raise FipfitError("missing the output file: give it with -o FILE.parquet")
    output = check_output(args.output)
    # Resolve the settings before generating, so that a bad one fails fast.
    metadata = model.metadata(count, args.seed, settings)

    frame = model.generate(count, random_state=args.seed, **settings)
    write_events(frame, output, metadata)
    n_selected = int(frame["selected"].sum())
    print(
        f"wrote {len(frame)} events of toy model '{model.name}' "
        f"({count} signal, {len(frame) - count} background, {n_selected} "
        f"selected) to {output}"
    )
    return 0


def parse_settings(items: list[str]) -> dict[str, float]:
    """Parse NAME=VALUE strings into a dict of floats."""
    from fipfit.errors import FipfitError

    settings: dict[str, float] = {}
    for item in items:
        name, separator, text = item.partition("=")
        name = name.strip()
        if not separator or not name:
            raise FipfitError(
                f"--set needs NAME=VALUE, got '{item}': for example --set width=3.0"
            )
        try:
            value = float(text)
        except ValueError:
            raise FipfitError(
                f"--set {name} needs a number, got '{text.strip()}'"
            ) from None
        if not math.isfinite(value):
            raise FipfitError(f"--set {name} needs a finite number, got '{text}'")
        settings[name] = value
    return settings


def parse_count(text: str) -> int:
    """Parse the number of events: a positive integer, also written as 1e6."""
    from fipfit.errors import FipfitError

    try:
        value = float(text)
    except ValueError:
        raise FipfitError(
            f"-n needs a positive integer number of events, got '{text}'"
        ) from None
    if not math.isfinite(value) or not value.is_integer() or value <= 0:
        raise FipfitError(f"-n needs a positive integer number of events, got '{text}'")
    return int(value)


def check_output(text: str) -> Path:
    """Return the output path after checking its suffix and folder."""
    from fipfit.errors import FipfitError

    output = Path(text)
    if output.suffix.lower() not in PARQUET_SUFFIXES:
        raise FipfitError(
            f"output file '{output}' must end in .parquet or .pq: "
            "fipfit writes events as Parquet"
        )
    if not output.parent.is_dir():
        raise FipfitError(
            f"output folder '{output.parent}' does not exist: "
            "create it or choose another path"
        )
    if output.is_dir():
        raise FipfitError(f"output '{output}' is a folder: give a file name")
    return output
