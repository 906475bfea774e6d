"""fipfit: the Fisher information of binned fits of weighted Monte Carlo events.

A partition (binning) of the events keeps the fraction FIP = I(P) / I_ideal of the
information an ideal detector would have on a parameter theta. fipfit computes
it, with its diagnostics, and finds partitions that approach the detector's limit
by regressing the per-event sensitivity gamma = (dw/dtheta) / w.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fipfit.errors import FipfitError
from fipfit.events import EventColumns, Events
from fipfit.formats.table import read_events, write_events
from fipfit.information import PartitionInformation, partition_information

try:
    __version__ = version("fipfit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "EventColumns",
    "Events",
    "FipfitError",
    "PartitionInformation",
    "__version__",
    "partition_information",
    "read_events",
    "write_events",
]
