"""Tests of ``fipfit generate``: output files, metadata and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fipfit
from fipfit.cli import main
from fipfit.toymodels import generate
from fipfit.weightmodels import weight_model_from_metadata


def test_writes_events_and_metadata(tmp_path: Path, capsys) -> None:
    output = tmp_path / "peak.parquet"
    status = main(
        [
            "generate",
            "peak",
            "-n",
            "2000",
            "--seed",
            "7",
            "--set",
            "width=3",
            "-o",
            str(output),
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out.strip()
    assert printed.count("\n") == 0
    assert printed.startswith("wrote 3000 events of toy model 'peak'")
    assert str(output) in printed

    events = fipfit.read_events(output)
    assert len(events) == 3000
    assert events.metadata["seed"] == 7
    assert events.metadata["n_signal"] == 2000
    assert events.metadata["settings"]["width"] == 3.0
    found = weight_model_from_metadata(events.metadata)
    assert found is not None
    assert found[0].name == "peak"


def test_file_matches_library(tmp_path: Path) -> None:
    output = tmp_path / "eft.parquet"
    assert main(["generate", "eft", "-n", "1e3", "--seed", "3", "-o", str(output)]) == 0
    events = fipfit.read_events(output)
    expected = generate("eft", 1000, random_state=3)
    np.testing.assert_array_equal(events.data["e1"], expected["e1"])
    assert events.parameters == ("c1", "c2")


def test_show_settings_lists_defaults(capsys) -> None:
    assert main(["generate", "xsec", "--show-settings", "--set", "mu0=2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "mu0 = 2  (signal strength)" in lines
    assert "bkg_fraction = 2  (background events per signal event)" in lines


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["bump", "-n", "10"], "unknown toy model 'bump'"),
        (["peak", "-n", "0"], "positive integer number of events, got '0'"),
        (["peak", "-n", "-5"], "positive integer number of events, got '-5'"),
        (["peak", "-n", "ten"], "positive integer number of events, got 'ten'"),
        (["peak", "-n", "2.5"], "positive integer number of events, got '2.5'"),
        (["peak", "-n", "10", "--set", "widht=3"], "unknown setting ['widht']"),
        (["peak", "-n", "10", "--set", "width=wide"], "--set width needs a number"),
        (["peak", "-n", "10", "--set", "width"], "--set needs NAME=VALUE"),
        (["peak", "-n", "10", "--set", "width=0"], "'width' must be positive"),
        (["peak", "-n", "10", "--set", "width=nan"], "needs a finite number"),
        (["peak"], "missing the number of events"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys, arguments: list[str], message: str
) -> None:
    output = tmp_path / "out.parquet"
    status = main(["generate", *arguments, "-o", str(output)])
    error = capsys.readouterr().err
    assert status == 2
    assert error.count("\n") == 1
    assert error.startswith("fipfit generate: error: ")
    assert message in error
    assert not output.exists()
    assert list(tmp_path.iterdir()) == []


def test_missing_output_folder_exits_2(tmp_path: Path, capsys) -> None:
    output = tmp_path / "absent" / "out.parquet"
    status = main(["generate", "peak", "-n", "10", "-o", str(output)])
    error = capsys.readouterr().err
    assert status == 2
    assert error.count("\n") == 1
    assert "output folder" in error
    assert "does not exist" in error
    assert not output.parent.exists()


def test_wrong_suffix_exits_2(tmp_path: Path, capsys) -> None:
    output = tmp_path / "out.csv"
    status = main(["generate", "peak", "-n", "10", "-o", str(output)])
    error = capsys.readouterr().err
    assert status == 2
    assert "must end in .parquet or .pq" in error
    assert list(tmp_path.iterdir()) == []


def test_missing_output_exits_2(capsys) -> None:
    status = main(["generate", "peak", "-n", "10"])
    error = capsys.readouterr().err
    assert status == 2
    assert "missing the output file" in error


def test_help_names_units(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "number of generated signal events" in text
    assert "in the setting's unit" in text
    assert "--show-settings" in text
