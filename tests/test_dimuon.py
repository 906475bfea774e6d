"""The one-pair-per-collision rule on small tables and on the CMS dimuon file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fipfit.errors import MissingColumnError
from fipfit.formats.convert import convert_files
from fipfit.formats.dimuon import select_one_pair_per_collision

ZMUMU = "uproot-Zmumu.root"


def pairings() -> pd.DataFrame:
    """Two collisions: 7 with four pairings, 9 with two, one of them failing."""
    return pd.DataFrame(
        {
            "Run": [1, 1, 1, 1, 2, 2],
            "Event": [7, 7, 7, 7, 9, 9],
            "Type": ["GT", "GG", "GG", "TT", "GT", "TT"],
            "pt1": [90.0, 40.0, 50.0, 60.0, 30.0, 45.0],
            "pt2": [90.0, 40.0, 45.0, 60.0, 30.0, 45.0],
            "mll": [91.0, 91.2, 60.0, 91.1, 90.0, 95.0],
            "selected": [True, True, True, True, True, False],
        }
    )


def test_rule_prefers_global_pair() -> None:
    pairs, counts = select_one_pair_per_collision(pairings())

    # Collision 7 keeps the GG pair with pt sum 95, whatever its mass, even
    # though a GT pair has a larger sum. Collision 9 keeps its only passing
    # pair, of type GT.
    assert pairs["selected"].tolist() == [False, False, True, False, True, False]
    assert pairs["duplicate_pairing"].tolist() == [
        True,
        True,
        False,
        True,
        False,
        False,
    ]
    assert counts["rows"] == 6
    assert counts["collisions"] == 2
    assert counts["passing_pairs"] == 5
    assert counts["selected"] == 2
    assert counts["duplicate_pairings"] == 3
    assert "Type GG" in counts["rule"]


def test_rule_keeps_input_unchanged() -> None:
    frame = pairings()
    before = frame.copy()
    select_one_pair_per_collision(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_rule_applied_twice_is_unchanged() -> None:
    once, _ = select_one_pair_per_collision(pairings())
    twice, counts = select_one_pair_per_collision(once)
    assert twice["selected"].tolist() == once["selected"].tolist()
    assert counts["duplicate_pairings"] == 0


def test_rule_without_type_uses_pt_sum() -> None:
    pairs, counts = select_one_pair_per_collision(pairings().drop(columns="Type"))
    assert pairs["selected"].tolist() == [True, False, False, False, True, False]
    assert "Type" not in counts["rule"]


def test_tie_goes_to_first_row() -> None:
    frame = pd.DataFrame(
        {
            "Run": [1, 1, 1],
            "Event": [5, 5, 5],
            "pt1": [30.0, 40.0, 40.0],
            "pt2": [30.0, 40.0, 40.0],
            "selected": [True, True, True],
        }
    )
    pairs, _ = select_one_pair_per_collision(frame)
    assert pairs["selected"].tolist() == [False, True, False]


def test_nan_pt_sum_ranks_last() -> None:
    frame = pd.DataFrame(
        {
            "Run": [1, 1],
            "Event": [5, 5],
            "pt1": [np.nan, 25.0],
            "pt2": [90.0, 25.0],
            "selected": [True, True],
        }
    )
    pairs, _ = select_one_pair_per_collision(frame)
    assert pairs["selected"].tolist() == [False, True]


def test_bytes_type_read_as_text() -> None:
    frame = pairings()
    frame["Type"] = [value.encode() for value in frame["Type"]]
    pairs, _ = select_one_pair_per_collision(frame)
    assert pairs["selected"].tolist() == [False, False, True, False, True, False]


def test_without_collision_columns_every_row_counts() -> None:
    frame = pd.DataFrame(
        {"pt1": [30.0, 40.0], "pt2": [30.0, 40.0], "selected": [True, False]}
    )
    pairs, counts = select_one_pair_per_collision(frame)
    assert pairs["selected"].tolist() == [True, False]
    assert counts["collisions"] == 2
    assert "every selected row" in counts["rule"]


def test_one_collision_column_rejected() -> None:
    with pytest.raises(MissingColumnError, match="have 'Run' but not the other"):
        select_one_pair_per_collision(pairings().drop(columns="Event"))


def test_missing_pt_rejected() -> None:
    with pytest.raises(MissingColumnError, match=r"\['pt2'\]"):
        select_one_pair_per_collision(pairings().drop(columns="pt2"))


def test_cms_file_gives_500_pairs(shared_data: Path, tmp_path: Path) -> None:
    # Every one of the file's 500 collisions has a passing GG pair. The zmumu
    # example's data step keeps the same 500 pairs, 479 of them with
    # 70 < mll < 110 GeV.
    output = tmp_path / "data.parquet"
    convert_files([shared_data / ZMUMU], output)
    frame = pd.read_parquet(output)
    per_pair = frame["selected"] | frame["duplicate_pairing"]
    frame["selected"] = per_pair

    pairs, counts = select_one_pair_per_collision(frame)

    kept = pairs[pairs["selected"]]
    assert counts["collisions"] == 500
    assert counts["selected"] == 500
    assert kept.groupby(["Run", "Event"]).size().eq(1).all()
    assert (kept["Type"] == "GG").all()
    assert int(((kept["mll"] > 70) & (kept["mll"] < 110)).sum()) == 479
