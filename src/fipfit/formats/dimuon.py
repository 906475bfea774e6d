"""One lepton pair per recorded collision, for data that lists several pairings.

The CMS dimuon tree lists each collision once per pairing of its muon
reconstructions. ``Type`` GG, GT or TT names two global muons, one global and
one tracker muon, or two tracker muons. A collision with more than two muons
has several pairs of one type. Rows with equal ``Run`` and ``Event`` are one
collision, so counting every selected row counts some collisions several
times. `select_one_pair_per_collision` keeps one pair per collision.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fipfit.errors import MissingColumnError

__all__ = ["COLLISION_COLUMNS", "select_one_pair_per_collision"]

#: Columns whose values together identify a recorded collision.
COLLISION_COLUMNS = ("Run", "Event")

#: ``Type`` of a pair of two global muons, the best-measured pairing.
GLOBAL_PAIR_TYPE = "GG"


def select_one_pair_per_collision(
    frame: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Mark one selected pair per collision, and flag the other passing pairs.

    Parameters
    ----------
    frame : pandas.DataFrame of n_rows rows
        Pairs with ``selected`` (the per-pair selection: acceptance, opposite
        charges, mass window), ``pt1`` and ``pt2``, and optionally ``Run``
        and ``Event`` (the collision) and ``Type`` (the muon types).

    Returns
    -------
    pairs : pandas.DataFrame of n_rows rows
        A copy of `frame` in the same order. Its ``selected`` is True for one
        row per collision that has a passing pair. The added boolean column
        ``duplicate_pairing`` is True where the row passes the per-pair
        selection but another pair of its collision is kept.
    counts : dict
        ``rule`` (the rule in words), ``rows``, ``collisions`` (distinct
        ``Run``, ``Event``), ``passing_pairs`` (rows selected on input),
        ``selected`` and ``duplicate_pairings``.

    Raises
    ------
    MissingColumnError
        If `frame` lacks ``selected``, ``pt1`` or ``pt2``, or has only one of
        ``Run`` and ``Event``.

    Notes
    -----
    Among the passing pairs of a collision the rule keeps a pair of two
    global muons (``Type == "GG"``) if there is one, then the pair with the
    largest pt1 + pt2. Ties go to the first row. The rule never looks at the
    pair mass, so it does not bias a mass fit. Without a ``Type`` column
    only pt1 + pt2 decides. Without ``Run`` and ``Event`` every row is its
    own collision and ``selected`` is kept as it is. An existing
    ``duplicate_pairing`` column is replaced: the rule reads only
    ``selected``, so applying it twice keeps the same rows.
    """
    _check_columns(frame)
    passing = frame["selected"].to_numpy(dtype=bool)
    n_rows = len(frame)
    has_collisions = set(COLLISION_COLUMNS) <= set(frame.columns)

    if has_collisions:
        collision = (
            frame.groupby(list(COLLISION_COLUMNS), sort=False, dropna=False)
            .ngroup()
            .to_numpy()
        )
        n_collisions = int(collision.max()) + 1 if n_rows else 0
        kept = _best_pair_rows(frame, passing, collision)
        if "Type" in frame.columns:
            rule = (
                "one pair per collision (Run, Event) among the pairs that pass "
                "the selection: two global muons (Type GG) where there is such "
                "a pair, then the largest pt1 + pt2, the first row on a tie"
            )
        else:
            rule = (
                "one pair per collision (Run, Event) among the pairs that pass "
                "the selection: the largest pt1 + pt2, the first row on a tie"
            )
    else:
        n_collisions = n_rows
        kept = passing.copy()
        rule = "no Run and Event columns: every selected row is one collision"

    pairs = frame.copy()
    pairs["selected"] = kept
    pairs["duplicate_pairing"] = passing & ~kept
    counts: dict[str, Any] = {
        "rule": rule,
        "rows": n_rows,
        "collisions": n_collisions,
        "passing_pairs": int(passing.sum()),
        "selected": int(kept.sum()),
        "duplicate_pairings": int((passing & ~kept).sum()),
    }
    return pairs, counts


def _check_columns(frame: pd.DataFrame) -> None:
    missing = [name for name in ("selected", "pt1", "pt2") if name not in frame]
    if missing:
        raise MissingColumnError(
            f"the pairs lack the columns {missing}: convert the data with "
            "'fipfit convert', which adds them from both leptons' four-momenta"
        )
    present = [name for name in COLLISION_COLUMNS if name in frame]
    if len(present) == 1:
        raise MissingColumnError(
            f"the pairs have '{present[0]}' but not the other of "
            f"{list(COLLISION_COLUMNS)}: give both, or neither to count every "
            "row as one collision"
        )


def _best_pair_rows(
    frame: pd.DataFrame, passing: np.ndarray[Any, Any], collision: np.ndarray[Any, Any]
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Return, for each row, whether it is the kept pair of its collision."""
    rows = np.flatnonzero(passing)
    if "Type" in frame.columns:
        types = frame["Type"].to_numpy()[rows]
        global_pair = np.array(
            [_decoded(value) == GLOBAL_PAIR_TYPE for value in types], dtype=bool
        )
    else:
        global_pair = np.zeros(len(rows), dtype=bool)
    pt_sum = (
        frame["pt1"].to_numpy(dtype=np.float64)[rows]
        + frame["pt2"].to_numpy(dtype=np.float64)[rows]
    )
    # np.lexsort sorts by the last key first and is stable: GG pairs first,
    # then decreasing pt1 + pt2 (NaN last), then file order.
    order = np.lexsort((rows, -pt_sum, ~global_pair))
    ordered_collisions = collision[rows[order]]
    _, first = np.unique(ordered_collisions, return_index=True)
    kept = np.zeros(len(frame), dtype=bool)
    kept[rows[order[first]]] = True
    return kept


def _decoded(value: object) -> object:
    """Return a ``Type`` value as text when uproot gives it as bytes."""
    if isinstance(value, bytes):
        return value.decode("ascii", errors="replace")
    return value
