"""The ``fipfit fit`` command: JSON output, independent templates, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyhf
import pytest

from fipfit.cli import main
from fipfit.formats.table import write_events
from fipfit.toymodels import generate_events


def _write_peak(path: Path, n: int, seed: int) -> Path:
    events = generate_events("peak", n, random_state=seed)
    write_events(events.data, path, events.metadata)
    return path


@pytest.fixture(scope="module")
def peak_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_peak(tmp_path_factory.mktemp("fit") / "peak.parquet", 40_000, 51)


def _run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_fit_json_keys(peak_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = _run_json(
        [
            "fit",
            str(peak_file),
            "--by",
            "x",
            "--bins",
            "10",
            "--toys",
            "40",
            "--luminosity",
            "0.1",
            "--seed",
            "2",
            "--json",
        ],
        capsys,
    )

    for key in (
        "theta_true",
        "theta_hat_mean",
        "theta_hat_std",
        "hesse_error_mean",
        "pull_mean",
        "pull_mean_error",
        "pull_std",
        "pull_std_error",
        "fisher_error",
        "n_toys",
        "n_failed",
        "asimov_hesse_error",
        "partition",
    ):
        assert key in summary
    assert summary["n_toys"] == 40
    assert summary["theta_true"] == pytest.approx(91.19)
    assert summary["partition"]["variable"] == "x"
    assert len(summary["partition"]["edges"]) == 11
    # Each half of the file is scaled by 2 to describe the whole file's yield.
    assert summary["templates"]["scale"] == pytest.approx(2.0, rel=1e-3)
    assert summary["asimov_hesse_error"] == pytest.approx(
        summary["fisher_error"], rel=0.01
    )


def test_fit_separate_templates(
    peak_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    templates = _write_peak(tmp_path / "templates.parquet", 40_000, 52)
    workspace = tmp_path / "workspace.json"

    summary = _run_json(
        [
            "fit",
            str(peak_file),
            "--by",
            "x",
            "--bins",
            "8",
            "--toys",
            "20",
            "--luminosity",
            "0.1",
            "--templates",
            str(templates),
            "--truth",
            "91.3",
            "--free-norm",
            "--minos",
            "--pyhf",
            str(workspace),
            "--json",
        ],
        capsys,
    )

    assert summary["templates"]["scale"] == 1.0
    assert summary["theta_true"] == pytest.approx(91.3)
    assert summary["free_norm"] is True
    assert len(summary["asimov_minos_error"]) == 2
    pyhf.Workspace(json.loads(workspace.read_text()))
    assert summary["pyhf"]["path"] == str(workspace)


def test_fit_text_output(peak_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "fit",
                str(peak_file),
                "--by",
                "x",
                "--bins",
                "5",
                "--toys",
                "10",
                "--luminosity",
                "0.1",
                "--barlow-beeston",
            ]
        )
        == 0
    )

    output = capsys.readouterr().out
    assert "Fisher error" in output
    assert "pull width" in output
    assert "MC shift of the mean" in output


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--luminosity", "0"], "--luminosity must be a positive"),
        (["--luminosity", "1", "--truth", "abc"], "--truth must be numbers"),
        (["--luminosity", "1", "--truth", "200"], "--truth 200 is outside the range"),
    ],
)
def test_fit_bad_input(
    peak_file: Path,
    capsys: pytest.CaptureFixture[str],
    option: list[str],
    message: str,
) -> None:
    status = main(["fit", str(peak_file), "--by", "x", "--bins", "5", *option])

    assert status == 2
    assert message in capsys.readouterr().err


def test_fit_all_toys_failing_one_line(
    peak_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1e-6 times the sample's yield is far below one expected event per bin.
    argv = ["fit", str(peak_file), "--by", "x", "--bins", "5", "--toys", "10"]
    status = main([*argv, "--luminosity", "1e-6"])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()

    assert status == 2
    assert captured.out == ""
    assert len(lines) == 1
    assert lines[0].startswith("fipfit fit: error: all 10 pseudo-experiments failed")
    assert "raise --luminosity or use fewer --bins" in lines[0]


def test_fit_text_counts_failed_toys(
    peak_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # At 1e-3 about half of the fits end at a template limit (seen at seed 0).
    argv = ["fit", str(peak_file), "--by", "x", "--bins", "5", "--toys", "40"]
    assert main([*argv, "--luminosity", "1e-3"]) == 0
    out = capsys.readouterr().out

    assert "failed, left out of the statistics" in out
    assert "None" not in out


def test_fit_text_shows_minos(
    peak_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["fit", str(peak_file), "--by", "x", "--bins", "5", "--toys", "5"]
    argv += ["--luminosity", "1", "--minos"]
    summary = _run_json([*argv, "--json"], capsys)
    low, high = summary["asimov_minos_error"]
    assert main(argv) == 0
    rows = dict(line.split("  ", 1) for line in capsys.readouterr().out.splitlines())

    assert summary["minos"] is True
    assert rows["Asimov MINOS error"].strip() == f"{low:.6g} +{high:.6g}"


def test_fit_by_model_output(
    peak_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fipfit.modelfile import save_model
    from fipfit.regression import fit_gamma_regressor

    training = generate_events("peak", 5_000, random_state=53)
    regressor = fit_gamma_regressor(training, ["x", "eta"], max_iter=10)
    model_path = tmp_path / "gamma.skops"
    save_model(
        model_path,
        regressor,
        features=["x", "eta"],
        kind="regressor",
        parameters=["theta"],
    )

    summary = _run_json(
        [
            "fit",
            str(peak_file),
            "--model",
            str(model_path),
            "--bins",
            "10",
            "--toys",
            "20",
            "--luminosity",
            "0.1",
            "--json",
        ],
        capsys,
    )

    assert summary["partition"]["variable"] == f"model:{model_path}"
    assert summary["n_toys"] == 20
    # The regressor's bins separate the two sides of the peak, so they keep
    # more information than a counting experiment (FIP 0).
    assert summary["fip"] > 0.1
