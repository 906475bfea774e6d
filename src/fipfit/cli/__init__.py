"""The ``fipfit`` command line: a thin layer over the library.

Each command lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``handler`` to a
function taking the parsed arguments and returning the exit status. Command
modules import heavy libraries inside their handlers, so that ``fipfit --help``
stays fast.

Errors caused by the input (`FipfitError`, `OSError` from files, and
`MemoryError` from requests too large for the machine) print one line on stderr
and exit with status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import NoReturn

__all__ = ["main"]

#: Order of the commands in ``fipfit --help``; modules not listed come last.
COMMAND_ORDER = ("run", "info", "generate", "train", "fit", "convert")


def _command_modules() -> list[str]:
    found = [
        module.name
        for module in pkgutil.iter_modules(__path__)
        if not module.name.startswith("_")
    ]
    return sorted(
        found,
        key=lambda name: (
            COMMAND_ORDER.index(name) if name in COMMAND_ORDER else len(COMMAND_ORDER),
            name,
        ),
    )


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, as other errors are."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every command's sub-parser."""
    from fipfit import __version__

    parser = _Parser(
        prog="fipfit",
        description=(
            "Fisher information of binned fits of weighted Monte Carlo events: "
            "how much a partition of the events keeps, and partitions that "
            "keep the most."
        ),
    )
    parser.add_argument("--version", action="version", version=f"fipfit {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the full traceback of an error instead of one line",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _command_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(subparsers)
    return parser


def _discard_stdout() -> None:
    """Point stdout at the null device, so the flush at exit cannot fail."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError):
        # A stdout without a file descriptor (a test's capture) needs nothing.
        pass


def _one_line_warning(command: str) -> Callable[..., str]:
    """Return a warnings formatter that prints the message alone, on one line."""

    def format_warning(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        line: str | None = None,
    ) -> str:
        text = str(message).splitlines()[0] if str(message) else category.__name__
        return f"fipfit {command}: warning: {text}\n"

    return format_warning


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    from fipfit.errors import FipfitError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    default_format = warnings.formatwarning
    if not args.debug:
        # Warnings read like errors: the message, without the library's
        # file name and source line.
        warnings.formatwarning = _one_line_warning(args.command)
    try:
        status: int = args.handler(args)
        # Flush inside the try, so that a closed pipe is handled below.
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader of stdout exited early, as `fipfit info ... | head` does.
        # Exit quietly with the status of a process killed by SIGPIPE.
        _discard_stdout()
        return 128 + signal.SIGPIPE
    except (FipfitError, OSError) as error:
        if args.debug:
            raise
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"fipfit {args.command}: error: {message}", file=sys.stderr)
        return 2
    except MemoryError:
        # Usually a request far beyond the machine, such as 1e11 events.
        if args.debug:
            raise
        print(
            f"fipfit {args.command}: error: out of memory: request fewer events, "
            "bins or bootstrap replicas",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(f"fipfit {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = default_format
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
