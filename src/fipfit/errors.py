"""Exceptions and warnings that fipfit raises.

Every error caused by the user's input derives from `FipfitError`, which is a
`ValueError`: callers that already catch `ValueError` keep working, and the
command line turns any `FipfitError` into one line on stderr and exit status 2.
"""

from __future__ import annotations

__all__ = [
    "FileFormatError",
    "FipfitError",
    "FipfitWarning",
    "InvalidEventsError",
    "MissingColumnError",
    "NonPositiveBinWarning",
]


class FipfitError(ValueError):
    """Invalid input: the message names the problem and the fix."""


class InvalidEventsError(FipfitError):
    """Event weights, derivatives or features that fipfit cannot use."""


class MissingColumnError(FipfitError):
    """A requested column is not in the file or table."""


class FileFormatError(FipfitError):
    """A file that cannot be read: wrong format, truncated or corrupt."""


class FipfitWarning(UserWarning):
    """Base class of the warnings that fipfit emits."""


class NonPositiveBinWarning(FipfitWarning):
    """Bins with a total weight W_k <= 0 were left out of the information."""
