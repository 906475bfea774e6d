"""Atomic outputs: complete or absent, and --force replaces only fipfit's own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fipfit.atomic import atomic_directory, atomic_file
from fipfit.cli import main
from fipfit.errors import FipfitError


def test_file_appears_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"

    def write_then_fail() -> None:
        with atomic_file(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_then_fail()

    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_directory_replaces_earlier_output(tmp_path: Path) -> None:
    target = tmp_path / "report"
    target.mkdir()
    (target / "summary.json").write_text("{}")
    with atomic_directory(target, overwrite=True, marker="summary.json") as new:
        (new / "index.html").write_text("new")

    assert sorted(p.name for p in target.iterdir()) == ["index.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_directory_replaces_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    with atomic_directory(target, overwrite=True, marker="summary.json") as new:
        (new / "summary.json").write_text("{}")

    assert (target / "summary.json").is_file()


def test_force_keeps_folder_of_user_files(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "important.txt").write_text("keep")

    with (
        pytest.raises(FipfitError, match="not an earlier fipfit output"),
        atomic_directory(target, overwrite=True, marker="summary.json"),
    ):
        pass

    assert (target / "important.txt").read_text() == "keep"
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]


def test_current_folder_as_destination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "." has no name of its own; the folder is resolved before use.
    (tmp_path / "notes.txt").write_text("keep")
    monkeypatch.chdir(tmp_path)

    with (
        pytest.raises(FipfitError, match="not an earlier fipfit output"),
        atomic_directory(".", overwrite=True, marker="summary.json"),
    ):
        pass

    assert (tmp_path / "notes.txt").read_text() == "keep"


def test_run_force_refuses_user_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "analysis"
    target.mkdir()
    (target / "important.txt").write_text("keep")

    status = main(["run", "--out", str(target), "--force", "--quiet"])

    error = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(error) == 1
    assert "not an earlier fipfit output" in error[0]
    assert (target / "important.txt").read_text() == "keep"


def test_run_force_refuses_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.toml").write_text("")
    monkeypatch.chdir(tmp_path)

    status = main(["run", "--out", ".", "--force", "--quiet"])

    assert status == 2
    assert "Traceback" not in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["config.toml"]
