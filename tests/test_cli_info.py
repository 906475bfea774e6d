"""The ``fipfit info`` command and the command line's common behaviour."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fipfit import __version__
from fipfit.cli import build_parser, main
from fipfit.errors import NonPositiveBinWarning
from fipfit.events import Events
from fipfit.formats.table import write_events
from fipfit.information import partition_information

#: Keys that ``fipfit info --json`` always prints.
SUMMARY_KEYS = {
    "n_parameters",
    "ideal_information",
    "information",
    "fip",
    "fip_error",
    "efficiency",
    "sharpness",
    "purity_factor",
    "shape_information",
    "shape_fip",
    "n_events",
    "nonpositive_bins",
    "bins",
}


def event_frame(n: int = 2000, seed: int = 0, n_parameters: int = 1) -> pd.DataFrame:
    """Events whose sensitivity follows the observable x, 30% of them background."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    weight = rng.exponential(size=n) + 0.1
    signal = rng.random(n) < 0.7
    columns: dict[str, Any] = {"weight": weight, "x": x, "label": signal.astype(int)}
    if n_parameters == 1:
        columns["dweight"] = np.where(signal, weight * (x + 0.3), 0.0)
    else:
        columns["dweight_a"] = np.where(signal, weight * x, 0.0)
        columns["dweight_b"] = np.where(signal, weight * (1 - x**2), 0.0)
    return pd.DataFrame(columns)


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.parquet"
    write_events(event_frame(), path, {"model": "test"})
    return path


@pytest.fixture
def two_parameter_file(tmp_path: Path) -> Path:
    path = tmp_path / "two.parquet"
    write_events(event_frame(n_parameters=2), path)
    return path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    status = main(["info", *argv, "--json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    result: dict[str, Any] = json.loads(captured.out)
    return result


# JSON output ---------------------------------------------------------------


def test_json_keys(event_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = run_json(capsys, str(event_file), "--by", "x", "--bins", "8")
    assert set(summary) >= SUMMARY_KEYS
    assert summary["n_events"] == 2000
    assert len(summary["bins"]) == 8
    for entry in summary["bins"]:
        assert {"weight", "dweight", "gamma_mean"} <= set(entry)
    assert summary["nonpositive_bins"] == []


def test_json_values_match_library(
    event_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = run_json(
        capsys, str(event_file), "--by", "x", "--edges=-1,-0.3,0,0.4,1.2"
    )
    data = event_frame()
    events = Events.from_frame(data)
    x = data["x"].to_numpy()
    labels = np.searchsorted([-1, -0.3, 0, 0.4, 1.2], x, side="right") - 1
    labels[(x < -1) | (x > 1.2)] = -1
    expected = partition_information(events, labels, 4)
    assert summary["information"] == pytest.approx(expected.information[0, 0])
    assert summary["ideal_information"] == pytest.approx(
        expected.ideal_information[0, 0]
    )
    assert summary["fip"] == pytest.approx(expected.fip[0])
    assert summary["shape_fip"] == pytest.approx(expected.shape_fip[0])
    product = summary["efficiency"] * summary["sharpness"] * summary["purity_factor"]
    assert product == pytest.approx(summary["fip"])
    assert (
        summary["efficiency"] < 1
    )  # events outside the edges are outside the partition
    assert summary["partition"]["edges"] == [-1.0, -0.3, 0.0, 0.4, 1.2]
    assert summary["fip_error"] > 0


def test_counting_without_by(
    event_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = run_json(capsys, str(event_file))
    data = event_frame()
    expected = data["dweight"].sum() ** 2 / data["weight"].sum()
    assert len(summary["bins"]) == 1
    assert summary["information"] == pytest.approx(expected)
    assert summary["shape_information"] == pytest.approx(0.0, abs=1e-9 * expected)


def test_several_parameters_nested(
    two_parameter_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = run_json(capsys, str(two_parameter_file), "--by", "x", "--bins", "6")
    assert summary["parameters"] == ["a", "b"]
    assert np.shape(summary["information"]) == (2, 2)
    assert np.shape(summary["ideal_information"]) == (2, 2)
    assert len(summary["fip"]) == 2
    assert len(summary["fip_error"]) == 2
    assert len(summary["bins"][0]["dweight"]) == 2
    matrix = np.array(summary["information"])
    assert matrix[0, 1] == pytest.approx(matrix[1, 0])


def test_param_selects_one(
    two_parameter_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    both = run_json(capsys, str(two_parameter_file), "--by", "x", "--bins", "6")
    chosen = run_json(
        capsys, str(two_parameter_file), "--by", "x", "--bins", "6", "--param", "b"
    )
    assert chosen["parameters"] == "b"
    assert chosen["information"] == pytest.approx(both["information"][1][1])
    assert chosen["fip"] == pytest.approx(both["fip"][1])
    assert isinstance(chosen["bins"][0]["dweight"], float)


def test_param_fip_is_profiled_ratio(
    two_parameter_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # SPEC definition: FIP_i = [I_ideal^-1]_ii / [I(P)^-1]_ii, the other
    # parameter free, which differs from the ratio of diagonal elements.
    both = run_json(capsys, str(two_parameter_file), "--by", "x", "--bins", "6")
    chosen = run_json(
        capsys, str(two_parameter_file), "--by", "x", "--bins", "6", "--param", "b"
    )
    ideal = np.array(both["ideal_information"])
    information = np.array(both["information"])
    profiled = np.linalg.inv(ideal)[1, 1] / np.linalg.inv(information)[1, 1]
    diagonal = information[1, 1] / ideal[1, 1]

    assert chosen["n_parameters"] == 2
    assert chosen["fip"] == pytest.approx(profiled, rel=1e-9)
    assert chosen["fip"] != pytest.approx(diagonal, rel=1e-6)


def test_param_text_labels_elements(
    two_parameter_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["info", str(two_parameter_file), "--by", "x", "--bins", "6"]
    assert main([*argv, "--param", "b", "--bootstrap", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    labels = [line.split("  ")[0] for line in lines]

    assert "parameter" in labels
    assert "ideal information [b,b]" in labels
    assert "information I(P) [b,b]" in labels
    assert "FIP (other parameters free)" in labels
    assert "shape-only FIP (others free)" in labels


def test_one_parameter_text_labels_plain(
    event_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", str(event_file), "--by", "x", "--bootstrap", "0"]) == 0
    labels = [line.split("  ")[0] for line in capsys.readouterr().out.splitlines()]

    assert "information I(P)" in labels
    assert "FIP" in labels
    assert "parameter" not in labels


def test_text_shows_no_python_none(
    event_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", str(event_file), "--by", "x", "--bootstrap", "0"]) == 0
    out = capsys.readouterr().out

    assert "None" not in out
    assert "n/a (no bootstrap: --bootstrap 0)" in out


def test_selected_option_names_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = event_frame()
    frame["cut"] = frame["x"] > 0
    path = tmp_path / "cut.parquet"
    write_events(frame, path)

    summary = run_json(capsys, str(path), "--selected", "cut", "--bootstrap", "0")

    assert summary["n_events"] == int(frame["cut"].sum())


def test_seed_reproducible(
    event_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run_json(capsys, str(event_file), "--by", "x", "--seed", "3")
    again = run_json(capsys, str(event_file), "--by", "x", "--seed", "3")
    other = run_json(capsys, str(event_file), "--by", "x", "--seed", "4")
    assert first["fip_error"] == again["fip_error"]
    assert first["fip_error"] != other["fip_error"]


def test_nonpositive_bins_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bin whose weights sum below zero is listed, and kept in the bins."""
    data = pd.DataFrame(
        {
            "weight": [1.0, 2.0, 1.0, -3.0, 2.0, 1.0],
            "dweight": [0.5, 1.0, 0.2, -0.5, 1.0, 0.0],
            "x": [0.1, 0.2, 1.1, 1.2, 2.1, 2.2],
        }
    )
    path = tmp_path / "negative.csv"
    data.to_csv(path, index=False)
    with pytest.warns(NonPositiveBinWarning):
        summary = run_json(capsys, str(path), "--by", "x", "--edges", "0,1,2,3")
    assert summary["nonpositive_bins"] == [1]
    assert len(summary["bins"]) == 3
    assert summary["bins"][1]["weight"] == pytest.approx(-2.0)
    # Bins 0 (D 1.5, W 3) and 2 (D 1, W 3) make I(P); bin 1 is left out.
    assert summary["information"] == pytest.approx(1.5**2 / 3 + 1.0 / 3)


def test_text_output(event_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(event_file), "--by", "x", "--bins", "4"]) == 0
    out = capsys.readouterr().out
    assert "FIP" in out
    assert "ideal information" in out
    assert "shape-only FIP" in out


# Help, version and errors --------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"fipfit {__version__}"


def command_names() -> list[str]:
    parser = build_parser()
    for action in parser._actions:
        if action.dest == "command":
            return sorted(action.choices)  # type: ignore[arg-type]
    return []


def test_info_command_registered() -> None:
    assert "info" in command_names()


@pytest.mark.parametrize("command", command_names())
def test_help_on_every_command(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: fipfit {command}")


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: fipfit" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--by", "xx"], "did you mean 'x'"),
        (["--weight", "wieght"], "did you mean 'weight'"),
        (["--by", "x", "--edges", "1,a"], "--edges must be numbers"),
        (["--by", "x", "--edges", "1,0"], "bin edges must increase strictly"),
        (["--param", "nope"], "parameter 'nope' not found"),
    ],
)
def test_errors_one_line_exit_two(
    event_file: Path,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    assert main(["info", str(event_file), *arguments]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("fipfit info: error: ")
    assert message in lines[0]
    assert "Traceback" not in captured.err


def test_missing_file_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", str(tmp_path / "absent.parquet")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "not found" in err


def test_bad_file_content_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("weight,dweight\n1,0.5\n0,0.3\n")
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "zero weight but a non-zero derivative" in err


def test_no_sensitive_event_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "flat.csv"
    path.write_text("weight,dweight\n1,0\n2,0\n")
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "ideal information is zero" in err


def test_debug_shows_traceback(tmp_path: Path) -> None:
    from fipfit.errors import FipfitError

    with pytest.raises(FipfitError, match="not found"):
        main(["--debug", "info", str(tmp_path / "absent.parquet")])


def test_unknown_option_exit_two(
    event_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["info", str(event_file), "--bnis", "3"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --bnis" in capsys.readouterr().err


# The installed script ------------------------------------------------------


def installed_script() -> str:
    script = Path(sys.executable).with_name("fipfit")
    if script.exists():
        return str(script)
    found = shutil.which("fipfit")
    if found is None:
        pytest.fail("the fipfit script is not installed beside the test interpreter")
    return found


def test_installed_script_json(event_file: Path) -> None:
    completed = subprocess.run(
        [installed_script(), "info", str(event_file), "--by", "x", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert set(json.loads(completed.stdout)) >= SUMMARY_KEYS


def test_installed_script_error(tmp_path: Path) -> None:
    completed = subprocess.run(
        [installed_script(), "info", str(tmp_path / "absent.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1
    assert "Traceback" not in completed.stderr


def test_closed_pipe_exits_quietly(event_file: Path) -> None:
    """A reader that closes stdout early, as ``| head`` does, is no error."""
    process = subprocess.Popen(
        [installed_script(), "info", str(event_file), "--by", "x", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()
    err = process.stderr.read().decode()
    status = process.wait(timeout=120)
    assert err == ""
    assert status == 141


def test_installed_script_warning_one_line(tmp_path: Path) -> None:
    path = tmp_path / "negative.csv"
    path.write_text("weight,dweight,x\n1,0.5,0.5\n-2,0.1,1.5\n1,0.2,1.6\n")
    completed = subprocess.run(
        [installed_script(), "info", str(path), "--by", "x", "--edges", "0,1,2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == (
        "fipfit info: warning: 1 bins have total weight <= 0 and are left out "
        "of the information: bins [1]\n"
    )
