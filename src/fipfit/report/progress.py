"""Progress of the steps of ``fipfit run``, which the command line shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from fipfit.errors import FipfitError

__all__ = ["ProgressReporter", "SilentProgress", "progress_step"]


class ProgressReporter(Protocol):
    """Receives the progress of the steps (the command line shows it)."""

    def start(self, description: str, total: int) -> None:
        """Begin a step of `total` units of work."""

    def advance(self, amount: int = 1) -> None:
        """Record `amount` units of the current step as done."""

    def finish(self) -> None:
        """End the current step."""


class SilentProgress:
    """Discards the progress: the default when no reporter is given."""

    def start(self, description: str, total: int) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


@contextmanager
def progress_step(
    progress: ProgressReporter, description: str, total: int = 1
) -> Iterator[None]:
    """Report one step of a run, and name the step in its input errors.

    A `FipfitError` raised inside keeps its type and attributes; its message
    gains the step's description, so that a failure deep in the run (a
    partition of too few events, say) says where it happened.
    """
    progress.start(description, total)
    try:
        yield
    except FipfitError as error:
        error.args = (f"{description}: {error}", *error.args[1:])
        raise
    finally:
        progress.finish()
