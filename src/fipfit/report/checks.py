"""Checks of a partition's numbers that the report warns about.

A FIP measured on a finite MC sample is biased upwards: each bin's
information W'_k^2 / W_k carries the variance of W'_k as a positive bias, so
the FIP of K bins on N_eff effective events rises by roughly K / N_eff (an
estimate that treats the events of a bin alike). With
more bins than the sample supports, the FIP can exceed the model's limit,
which no partition can reach. `partition_warnings` flags those cases and
pseudo-experiment fits that mostly failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from fipfit.events import Events

__all__ = [
    "BINS_PER_EFFECTIVE_EVENT",
    "LIMIT_EXCESS_ERRORS",
    "effective_events",
    "partition_warnings",
]

#: Largest number of bins per effective test event before the report warns:
#: the upward bias of FIP is about K / N_eff, so 0.05 allows a bias of 5%.
BINS_PER_EFFECTIVE_EVENT = 0.05

#: Bootstrap errors by which a FIP may exceed the model's limit before the
#: report warns; 3 errors happen by chance for about 1 partition in 700.
LIMIT_EXCESS_ERRORS = 3.0


def effective_events(events: Events) -> float:
    """Return N_eff = (sum w)^2 / sum w^2 of the selected events (0 without any)."""
    weight = events.weight[events.selected]
    sum_squares = float(np.sum(weight**2))
    if sum_squares <= 0:
        return 0.0
    return float(np.sum(weight)) ** 2 / sum_squares


def partition_warnings(
    n_bins: int,
    n_effective: float,
    fip: float | None,
    fip_error: float | None,
    limit: float | None,
    fit: Mapping[str, Any] | None,
) -> list[str]:
    """Return the warnings of one partition, each a sentence with the fix.

    Parameters
    ----------
    n_bins : int
        Bins of the partition, K.
    n_effective : float
        Effective number of selected test events, N_eff.
    fip, fip_error : float or None
        FIP on the test events and its bootstrap error.
    limit : float or None
        The model's largest reference FIP (the detector limit), if known.
    fit : mapping or None
        The partition's pseudo-experiment summary (``toys``, ``failed``).
    """
    warnings = []
    if n_effective > 0 and n_bins / n_effective > BINS_PER_EFFECTIVE_EVENT:
        warnings.append(
            f"{n_bins} bins on {n_effective:.0f} effective test events "
            f"(K / N_eff = {n_bins / n_effective:.2g} > "
            f"{BINS_PER_EFFECTIVE_EVENT:g}): FIP is biased upwards by about "
            "K / N_eff; use fewer bins or more events"
        )
    if (
        limit is not None
        and fip is not None
        and fip_error is not None
        and fip > limit + LIMIT_EXCESS_ERRORS * fip_error
    ):
        warnings.append(
            f"FIP {fip:.3f} ± {fip_error:.3f} exceeds the model's limit "
            f"{limit:.3f} by more than {LIMIT_EXCESS_ERRORS:g} errors, which no "
            "partition can: the test sample has too few events for the bins"
        )
    if fit and isinstance(fit.get("failed"), int) and 2 * fit["failed"] > fit["toys"]:
        warnings.append(
            f"{fit['failed']} of {fit['toys']} pseudo-experiment fits failed: "
            "the measured error is not available"
        )
    return warnings
