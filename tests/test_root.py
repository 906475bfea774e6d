"""The ROOT reader on the CMS dimuon file and on small trees written by uproot."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot

from fipfit.errors import FileFormatError, MissingColumnError
from fipfit.formats.root import (
    DIMUON_BRANCHES,
    is_root_file,
    iter_root_chunks,
    open_tree,
    tree_branches,
)

ZMUMU = "uproot-Zmumu.root"


def test_only_tree_found_by_default(shared_data: Path) -> None:
    tree = open_tree(shared_data / ZMUMU)
    assert tree.name == "events"
    assert tree.num_entries == 2304
    names = tree_branches(tree)
    for lepton in DIMUON_BRANCHES:
        assert set(lepton.values()) <= set(names)


def test_chunks_cover_tree(shared_data: Path) -> None:
    chunks = list(iter_root_chunks(shared_data / ZMUMU, "events", ["M", "Type"], 1000))
    assert [start for start, _ in chunks] == [0, 1000, 2000]
    assert [len(frame) for _, frame in chunks] == [1000, 1000, 304]
    assert list(chunks[0][1].columns) == ["M", "Type"]
    reference = uproot.open(shared_data / ZMUMU)["events"]["M"].array(library="np")
    masses = np.concatenate([frame["M"].to_numpy() for _, frame in chunks])
    np.testing.assert_array_equal(masses, reference)
    assert chunks[0][1]["Type"].iloc[0] == "GT"


def test_missing_tree_lists_trees(shared_data: Path) -> None:
    with pytest.raises(MissingColumnError, match=r"'nope' not found .*\['events'\]"):
        open_tree(shared_data / ZMUMU, "nope")


def test_missing_branch_lists_branches(shared_data: Path) -> None:
    with pytest.raises(MissingColumnError) as caught:
        list(iter_root_chunks(shared_data / ZMUMU, branches=["M", "mass"]))
    message = str(caught.value)
    assert "branch 'mass' not found" in message
    assert str(shared_data / ZMUMU) in message
    assert "'px1'" in message


def test_not_root_file_rejected(shared_data: Path) -> None:
    readme = shared_data / "README.md"
    assert not is_root_file(readme)
    with pytest.raises(FileFormatError, match=r"README\.md"):
        open_tree(readme)


def test_truncated_root_file_rejected(shared_data: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "truncated.root"
    damaged.write_bytes((shared_data / ZMUMU).read_bytes()[:100_000])
    with pytest.raises(FileFormatError) as caught:
        list(iter_root_chunks(damaged))
    message = str(caught.value)
    assert "truncated.root' as a ROOT file" in message
    assert "the file is truncated or damaged" in message
    # uproot writes its reason over three lines; the quoted part keeps the
    # whole sentence, on one line, without uproot's own copy of the path.
    assert '(uproot: "expected Chunk of length' in message
    assert 'received 0 bytes from FSSpecSource")' in message
    assert "\n" not in message
    assert "for file path" not in message


@pytest.fixture
def two_trees(tmp_path: Path) -> Path:
    """A file with two trees, one of them with a variable-length branch."""
    path = tmp_path / "two.root"
    with uproot.recreate(path) as handle:
        flat = handle.mktree("flat", {"x": np.float64, "n": np.int32})
        flat.extend({"x": np.arange(5.0), "n": np.arange(5, dtype=np.int32)})
        jagged = handle.mktree("jagged", {"hits": "var * float64"})
        jagged.extend({"hits": ak.Array([[1.0], [], [2.0, 3.0]])})
    return path


def test_several_trees_need_a_name(two_trees: Path) -> None:
    with pytest.raises(MissingColumnError, match=r"contains 2 TTrees .* --tree"):
        open_tree(two_trees)
    (start, frame), *rest = iter_root_chunks(two_trees, "flat")
    assert start == 0
    assert not rest
    np.testing.assert_array_equal(frame["x"], np.arange(5.0))
    assert frame["n"].dtype == np.int32


def test_list_branch_rejected(two_trees: Path) -> None:
    with pytest.raises(FileFormatError, match=r"'hits' .* list per entry"):
        list(iter_root_chunks(two_trees, "jagged", ["hits"]))
