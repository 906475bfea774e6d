"""The ``fipfit run`` pipeline on a small peak sample, and its report folder.

One run of 20000 signal events of the ``peak`` toy model (30000 with the
background) and 50 pseudo-experiments per partition is shared by the tests of
this file. The stochastic checks compare with the toy model's analytic
integrals; each tolerance is stated where it is used.
"""

from __future__ import annotations

import copy
import errno
import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fipfit.cli import main
from fipfit.cli.run import _print_table
from fipfit.errors import FipfitError
from fipfit.events import Events
from fipfit.report import html as report_html
from fipfit.report.checks import effective_events, partition_warnings
from fipfit.report.config import parse_config
from fipfit.report.fits import _selected_data
from fipfit.report.output import write_report
from fipfit.report.pipeline import RunOutcome, run_pipeline
from fipfit.toymodels import generate

N_SIGNAL = 20_000
THETA0 = 91.19  # the peak model's default mass, in GeV
#: Luminosity of the pseudo-experiments: 600 expected events, few against the
#: 9000 test and 6000 pseudo-data MC events, whose fluctuations bias the fits.
LUMINOSITY = 0.02


def tiny_config(data_file: Path | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "title": "Pipeline test: peak",
        "seed": 5,
        "features": ["x", "eta"],
        "input": {"model": "peak", "events": N_SIGNAL},
        "partitions": [
            {"name": "x", "kind": "column", "column": "x"},
            {"name": "regressor", "kind": "regressor", "binning": "optimal"},
            {"name": "classifier", "kind": "classifier"},
        ],
        "fit": {"toys": 50, "luminosity": LUMINOSITY},
        "scan": {"bins": [1, 4, 16]},
        "bootstrap": {"resamples": 50},
        "study": {"toys": 30, "bins": 8, "events": 10_000},
        # Fewer boosting iterations than the default 200 keep the test fast;
        # a smooth function of two features needs no more.
        "regressor": {"max_iter": 60},
        "classifier": {"max_iter": 60},
    }
    if data_file is not None:
        raw["data"] = {
            "file": str(data_file),
            "luminosity": 0.1,
            "partitions": ["regressor"],
            "label": "x [GeV]",
        }
    return raw


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write pseudo-data: an independent peak sample of 10% of the input's size.

    At luminosity 0.1 the templates expect exactly this many events.
    """
    frame = generate("peak", N_SIGNAL // 10, random_state=12345)
    path = tmp_path_factory.mktemp("data") / "data.parquet"
    frame.loc[frame["selected"], ["x", "eta"]].to_parquet(path)
    return path


@pytest.fixture(scope="module")
def outcome(data_file: Path) -> RunOutcome:
    return run_pipeline(parse_config(tiny_config(data_file), origin="pipeline test"))


@pytest.fixture(scope="module")
def report(outcome: RunOutcome, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run") / "report"
    write_report(outcome, folder)
    return folder


def partition(outcome: RunOutcome, name: str) -> dict[str, Any]:
    return next(p for p in outcome.summary["partitions"] if p["name"] == name)


def test_report_folder_contents(report: Path, outcome: RunOutcome) -> None:
    names = sorted(path.name for path in report.iterdir())
    assert names == ["figures", "index.html", "summary.json"]
    expected = sorted(Path(f["file"]).name for f in outcome.summary["figures"])
    assert sorted(path.name for path in (report / "figures").iterdir()) == expected
    for record in outcome.figures:
        assert (report / record.file).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_required_figures_present(outcome: RunOutcome) -> None:
    names = {record.name for record in outcome.figures}
    for name in (
        "fip_vs_bins",
        "regression",
        "calibration",
        "classifier_output",
        "roc",
        "fit_errors",
        "pulls",
        "factorisation",
        "metrics_study",
        "data_fit_0",
    ):
        assert name in names


def test_page_is_self_contained(report: Path, outcome: RunOutcome) -> None:
    page = (report / "index.html").read_text()
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) == len(outcome.figures)
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http://" not in page
    assert "https://" not in page
    assert "<link" not in page
    assert "<script" not in page


def test_page_shows_settings_and_provenance(report: Path, outcome: RunOutcome) -> None:
    page = (report / "index.html").read_text()
    record = outcome.summary["provenance"]["inputs"][0]
    assert record["sha256"] in page
    assert str(record["seed"]) in page
    assert outcome.summary["provenance"]["versions"]["numpy"] in page
    assert "Pipeline test: peak" in page


def test_summary_json_round_trip(report: Path, outcome: RunOutcome) -> None:
    written = json.loads((report / "summary.json").read_text())
    assert written["partitions"] == outcome.summary["partitions"]
    assert written["reference_limits"] == outcome.summary["reference_limits"]


def test_event_split_sizes(outcome: RunOutcome) -> None:
    events = outcome.summary["events"]
    assert events["total"] == 30_000  # 20000 signal and bkg_fraction 0.5
    assert events["train"] == 15_000
    assert events["test"] == 9_000
    assert events["pseudo_data"] == 6_000


def test_ideal_information_matches_model(outcome: RunOutcome) -> None:
    # I_ideal = sum over signal of (true_x - theta0)^2 / width^4. Its expected
    # value is n / width^2, and its relative standard deviation sqrt(2 / n),
    # 1% for n = 20000: 4 standard deviations fail once in 16000 seeds.
    summary = outcome.summary
    assert summary["expected_ideal_information"] == pytest.approx(N_SIGNAL / 2.5**2)
    relative = math.sqrt(2 / N_SIGNAL)
    assert summary["ideal_information"] == pytest.approx(
        summary["expected_ideal_information"], rel=4 * relative
    )


def test_reference_limits_bound_fip(outcome: RunOutcome) -> None:
    # Fine partitions of (x, eta) cannot beat the model's limit of (x, eta),
    # nor partitions of x alone the limit of x; 4 bootstrap errors allow for
    # the test sample's fluctuation.
    limits = outcome.summary["reference_limits"]
    assert set(limits) == {"x", "x_eta"}
    column = partition(outcome, "x")
    regressor = partition(outcome, "regressor")
    assert column["fip"] <= limits["x"] + 4 * column["fip_error"]
    assert regressor["fip"] <= limits["x_eta"] + 4 * regressor["fip_error"]


def test_regressor_beats_mass_alone(outcome: RunOutcome) -> None:
    # The regressor sees eta, which sets the resolution; the model's limits
    # (0.324 against 0.270) leave a gap of over 5 bootstrap errors at this size.
    column = partition(outcome, "x")
    regressor = partition(outcome, "regressor")
    assert regressor["fip"] > column["fip"] + 2 * column["fip_error"]


def test_classifier_misses_mass_information(outcome: RunOutcome) -> None:
    # Signal events on both sides of the peak have opposite gamma and the same
    # signal probability, so binning that probability keeps almost nothing.
    classifier = partition(outcome, "classifier")
    assert classifier["fip"] < 0.1
    assert outcome.summary["classifier"]["auc"] > 0.7


def test_fip_factorises(outcome: RunOutcome) -> None:
    for entry in outcome.summary["partitions"]:
        product = entry["efficiency"] * entry["sharpness"] * entry["purity_factor"]
        assert product == pytest.approx(entry["fip"], rel=1e-9)


def test_scan_rises_with_bins(outcome: RunOutcome) -> None:
    scan = partition(outcome, "regressor")["scan"]
    assert scan["n_bins"] == [1, 4, 16]
    # One bin carries no information on a mass: the yield does not change.
    assert scan["fip"][0] < 0.01
    assert scan["fip"][1] < scan["fip"][2]


def test_expected_error_matches_information(outcome: RunOutcome) -> None:
    luminosity = outcome.summary["luminosity"]
    for entry in outcome.summary["partitions"]:
        expected = 1 / math.sqrt(entry["information"] * luminosity)
        assert entry["expected_error"] == pytest.approx(expected, rel=1e-9)
        assert entry["fit"]["template_expected_error"] == pytest.approx(
            expected, rel=1e-9
        )


def test_measured_error_matches_expected(outcome: RunOutcome) -> None:
    # With 50 toys the measured spread has a relative error of 10%; 4 of its
    # standard errors fail for about 1 seed in 16000 when the fit's
    # large-sample error is right. The classifier partition keeps so little
    # information that its likelihood is far from quadratic: it is skipped.
    for name in ("x", "regressor"):
        entry = partition(outcome, name)
        assert entry["fit"]["failed"] == 0
        tolerance = 4 * entry["measured_error_uncertainty"]
        assert abs(entry["measured_error"] - entry["expected_error"]) < tolerance


def test_pulls_are_standard(outcome: RunOutcome) -> None:
    # The mean pull of 50 toys has a standard deviation of sqrt(1/50). The MC
    # fluctuations of the templates (test events) and of the expectation
    # (pseudo-data events) shift every toy alike, by about
    # sqrt(n_data / n_test + n_data / n_pseudo) standard deviations, with
    # n_data the expected data events. 4 of the combined standard deviations
    # fail for 1 seed in 16000; the width's error is 0.1, so 0.4 is 4 of them.
    events = outcome.summary["events"]
    n_data = LUMINOSITY * events["total"]
    spread = math.sqrt(
        1 / 50 + n_data / events["test"] + n_data / events["pseudo_data"]
    )
    entry = partition(outcome, "regressor")["fit"]
    assert abs(entry["pull_mean"]) < 4 * spread
    assert entry["pull_std"] == pytest.approx(1.0, abs=0.4)


def test_data_fit_recovers_mass(outcome: RunOutcome) -> None:
    # The data are an independent peak sample at theta0: the fitted mass is
    # within 4 errors of it (failing for 1 seed in 16000).
    (fit,) = outcome.summary["data_fit"]
    assert fit["partition"] == "regressor"
    assert fit["valid"]
    assert abs(fit["value"] - THETA0) < 4 * fit["error"]
    assert fit["error"] == pytest.approx(fit["expected_error"], rel=0.3)
    assert sum(fit["observed"]) == fit["n_data"]


def test_data_file_in_provenance(outcome: RunOutcome, data_file: Path) -> None:
    inputs = outcome.summary["provenance"]["inputs"]
    assert [item["role"] for item in inputs] == ["events", "data"]
    record = inputs[1]
    assert record["path"] == str(data_file)
    assert record["sha256"] == hashlib.sha256(data_file.read_bytes()).hexdigest()
    assert record["rows"] == outcome.summary["data_fit"][0]["n_data"]


def test_page_marks_failed_data_fit(outcome: RunOutcome) -> None:
    summary = copy.deepcopy(outcome.summary)
    good_page = report_html.render_page(summary, [])
    assert "(failed fit)" not in good_page
    summary["data_fit"][0]["valid"] = False
    page = report_html.render_page(summary, [])
    assert '<tr class="failed">' in page
    assert "(failed fit)" in page
    assert "FAILED: inaccurate covariance or parameter at a limit" in page


def test_terminal_prints_data_fit(
    outcome: RunOutcome, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = copy.deepcopy(outcome.summary)
    (fit,) = summary["data_fit"]
    _print_table(summary, "out", 1.0)
    printed = capsys.readouterr().out
    assert f"data fit in regressor: theta = {fit['value']:.4f} ± " in printed
    assert f"(Fisher prediction {fit['expected_error']:.4f})" in printed
    assert "converged yes, valid yes" in printed
    fit["converged"] = False
    fit["valid"] = False
    _print_table(summary, "out", 1.0)
    printed = capsys.readouterr().out
    assert "converged no, valid no: FAILED: not converged" in printed


def test_mostly_failed_fits_marked(
    outcome: RunOutcome,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 26 of 50 failed fits is more than half: the measured error is not shown.
    summary = copy.deepcopy(outcome.summary)
    entry = next(p for p in summary["partitions"] if p["name"] == "x")
    entry["fit"]["failed"] = 26
    page = report_html.render_page(summary, [])
    assert "n/a (26/50 failed)" in page
    monkeypatch.setenv("COLUMNS", "200")
    _print_table(summary, "out", 1.0)
    printed = capsys.readouterr().out
    assert "n/a (26/50 failed)" in printed
    assert "failed fits" in printed
    assert "0/50" in printed


def test_half_failed_fits_shown(outcome: RunOutcome) -> None:
    summary = copy.deepcopy(outcome.summary)
    entry = next(p for p in summary["partitions"] if p["name"] == "x")
    entry["fit"]["failed"] = 25
    assert not report_html.most_fits_failed(entry)
    assert report_html.measured_error_text(entry).startswith(
        f"{entry['measured_error']:.4f} ± "
    )


def test_no_warnings_on_default_bins(outcome: RunOutcome) -> None:
    # 20 bins on about 9000 selected test events: K / N_eff is far below 0.05.
    for entry in outcome.summary["partitions"]:
        assert entry["warnings"] == []


def test_effective_events_kish() -> None:
    # Kish's formula: weights 1, 1, 2 give (4)^2 / 6; the unselected event
    # with weight 100 is left out.
    events = Events.from_arrays(
        np.array([1.0, 1.0, 2.0, 100.0]),
        np.zeros(4),
        selected=np.array([True, True, True, False]),
    )
    assert effective_events(events) == pytest.approx(16 / 6)


def test_warning_many_bins() -> None:
    (text,) = partition_warnings(1499, 1200.0, 0.2, 0.01, None, None)
    assert "K / N_eff = 1.2 > 0.05" in text
    assert partition_warnings(60, 1200.0, 0.2, 0.01, None, None) == []


def test_warning_fip_above_limit() -> None:
    (text,) = partition_warnings(10, 1e6, 0.736, 0.021, 0.270, None)
    assert "exceeds the model's limit 0.270" in text
    # 0.33 is within 3 errors of 0.27 + 3 * 0.021 = 0.333.
    assert partition_warnings(10, 1e6, 0.33, 0.021, 0.270, None) == []


def test_warning_most_fits_failed() -> None:
    fit = {"toys": 200, "failed": 161}
    (text,) = partition_warnings(10, 1e6, 0.2, 0.01, None, fit)
    assert "161 of 200 pseudo-experiment fits failed" in text


def test_warnings_shown_on_page_and_terminal(
    outcome: RunOutcome,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = copy.deepcopy(outcome.summary)
    entry = next(p for p in summary["partitions"] if p["name"] == "x")
    entry["warnings"] = ["too many bins for the test sample"]
    page = report_html.render_page(summary, [])
    assert "<td>⚠ x</td>" in page
    assert "x: too many bins for the test sample" in page
    assert "see the warnings below" not in page
    best = next(p for p in summary["partitions"] if p["name"] == "regressor")
    best["warnings"] = ["too many bins for the test sample"]
    assert "⚠ see the warnings below" in report_html.render_page(summary, [])
    monkeypatch.setenv("COLUMNS", "200")
    _print_table(summary, "out", 1.0)
    assert "⚠ x: too many bins for the test sample" in capsys.readouterr().out


def test_terminal_prints_why_fits_not_run(
    outcome: RunOutcome,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = copy.deepcopy(outcome.summary)
    entry = next(p for p in summary["partitions"] if p["name"] == "x")
    entry["fit"] = {"error": "bin 3 has no test event"}
    monkeypatch.setenv("COLUMNS", "200")
    _print_table(summary, "out", 1.0)
    printed = capsys.readouterr().out
    assert "x: fits not run: bin 3 has no test event" in printed
    assert "not run" in printed


def test_page_keeps_pseudoexperiment_columns(report: Path) -> None:
    page = (report / "index.html").read_text()
    assert "<th>measured error</th>" in page
    assert "<th>failed fits</th>" in page
    assert "6000 (pseudo-data) are the source" in page


def test_mean_pull_tracks_mc_shift(outcome: RunOutcome) -> None:
    # The toys scatter around the fit of the expected counts, so the mean
    # pull minus mc_shift has the spread of a mean of 50 unit pulls,
    # sqrt(1/50) = 0.14; 4 of those fail for 1 seed in 16000.
    for name in ("x", "regressor"):
        fit = partition(outcome, name)["fit"]
        assert fit["mc_shift"] is not None
        assert abs(fit["pull_mean"] - fit["mc_shift"]) < 4 * math.sqrt(1 / 50)


def test_pull_caption_explains_regime(outcome: RunOutcome) -> None:
    caption = next(f.caption for f in outcome.figures if f.name == "pulls")
    assert "large-sample regime" in caption
    assert "finite-MC shift" in caption
    shift = partition(outcome, "regressor")["fit"]["mc_shift"]
    assert f"regressor {shift:+.2f}" in caption


def test_data_rows_one_pair_per_collision() -> None:
    # Collision (1, 7) has three pairings, two of which pass the selection:
    # the GG pair is kept although its pt sum is smaller. Collision (1, 8)
    # has one failing pairing and is left out.
    frame = pd.DataFrame(
        {
            "Run": [1, 1, 1, 1],
            "Event": [7, 7, 7, 8],
            "Type": ["GT", "GG", "TT", "GG"],
            "pt1": [50.0, 40.0, 60.0, 45.0],
            "pt2": [40.0, 30.0, 50.0, 35.0],
            "mll": [91.0, 90.0, 89.0, 88.0],
            "selected": [True, True, False, False],
        }
    )
    kept, rule = _selected_data(frame)
    assert kept["mll"].tolist() == [90.0]
    assert "one pair per collision" in rule


def test_data_rows_selected_column() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "selected": [True, False, True]})
    kept, rule = _selected_data(frame)
    assert kept["x"].tolist() == [1.0, 3.0]
    assert rule == "the rows with 'selected' true"
    every, rule = _selected_data(frame[["x"]])
    assert len(every) == 3
    assert rule.startswith("every row")


def test_metrics_study_ranks_fip(outcome: RunOutcome) -> None:
    # The candidates range from eta alone (FIP near 0) to the full regressor
    # (near the 0.32 limit). The fit error scales as 1 / sqrt(FIP), so every
    # candidate below FIP 0.05 has an error over twice that of any candidate
    # above 0.2, far beyond the 13% spread of 30 toys, or its fits fail and
    # its error is not measured (None). Among the good candidates FIP differs
    # by a few percent, within that spread, so the rank correlation is only
    # required to be negative.
    study = outcome.summary["metrics_study"]
    names = [row["partition"] for row in study["rows"]]
    assert names == [
        "x",
        "eta",
        "classifier",
        "regressor, 2 stumps",
        "regressor, 10 trees of depth 2",
        "regressor (x)",
        "regressor (all)",
    ]
    poor = [row["error"] for row in study["rows"] if row["fip"] < 0.05]
    good = [row["error"] for row in study["rows"] if row["fip"] > 0.2]
    assert len(poor) >= 2
    assert len(good) >= 2
    assert None not in good
    assert all(error is None or error > max(good) for error in poor)
    assert study["correlations"]["fip"] < 0
    assert set(study["p_values"]) == set(study["correlations"])


def test_existing_folder_kept_without_overwrite(
    outcome: RunOutcome, tmp_path: Path
) -> None:
    # An earlier report (it has a summary.json) is replaced only on request.
    target = tmp_path / "report"
    target.mkdir()
    (target / "old.txt").write_text("old")
    (target / "summary.json").write_text("{}")
    with pytest.raises(FipfitError, match="pass --force"):
        write_report(outcome, target)
    assert (target / "old.txt").read_text() == "old"
    write_report(outcome, target, overwrite=True)
    assert not (target / "old.txt").exists()
    assert (target / "index.html").exists()


def test_failure_mid_write_leaves_nothing(
    outcome: RunOutcome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"count": 0}
    original = Path.write_bytes

    def fail_on_third(self: Path, data: Any) -> int:
        calls["count"] += 1
        if calls["count"] == 3:
            raise RuntimeError("interrupted while writing a figure")
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", fail_on_third)
    with pytest.raises(RuntimeError, match="interrupted"):
        write_report(outcome, tmp_path / "report")
    assert calls["count"] == 3
    assert list(tmp_path.iterdir()) == []


def test_disk_full_leaves_old_report(
    outcome: RunOutcome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report"
    write_report(outcome, target)
    before = (target / "index.html").read_text()

    def disk_full(self: Path, *args: Any, **kwargs: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    with pytest.raises(OSError, match="No space left") as raised:
        write_report(outcome, target, overwrite=True)
    assert raised.value.errno == errno.ENOSPC
    assert [path.name for path in tmp_path.iterdir()] == ["report"]
    assert (target / "index.html").read_text() == before


def test_render_failure_writes_nothing(
    outcome: RunOutcome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> str:
        raise ValueError("page template failed")

    monkeypatch.setattr("fipfit.report.output.render_page", broken)
    with pytest.raises(ValueError, match="page template failed"):
        write_report(outcome, tmp_path / "report")
    assert list(tmp_path.iterdir()) == []


def test_format_helpers_handle_missing() -> None:
    assert report_html._format(None) == "–"
    assert report_html._format(float("nan")) == "–"
    assert report_html._plus_minus(0.5, None) == "0.500"
    assert report_html._plus_minus(0.5, 0.01) == "0.500 ± 0.010"


@pytest.mark.slow
def test_cli_run_writes_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "run.toml"
    config.write_text(
        'title = "CLI test"\n'
        'features = ["x", "eta"]\n'
        "[input]\n"
        'model = "peak"\n'
        "events = 6000\n"
        "[[partitions]]\n"
        'kind = "column"\n'
        'column = "x"\n'
        "[fit]\n"
        "toys = 10\n"
        "luminosity = 0.1\n"
        "[scan]\n"
        "bins = [2, 8]\n"
        "[study]\n"
        "run = false\n"
    )
    out = tmp_path / "report"
    status = main(
        ["run", str(config), "--out", str(out), "--events", "5000", "--seed", "3"]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "CLI test" in printed
    assert f"report written to {out}" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["input"]["events"] == 5000
    assert summary["provenance"]["root_seed"] == 3
    assert summary["provenance"]["wall_time_seconds"] > 0

    status = main(["run", str(config), "--out", str(out), "--quiet", "--force"])
    assert status == 0
    assert capsys.readouterr().out == ""
    rerun = json.loads((out / "summary.json").read_text())
    assert rerun["config"]["input"]["events"] == 6000


def test_same_seed_same_numbers(outcome: RunOutcome, data_file: Path) -> None:
    # Every random step is seeded from the root seed: rerunning the
    # generation and split reproduces the input checksum exactly.
    first = outcome.summary["provenance"]["inputs"][0]["sha256"]
    again = run_pipeline_input_checksum(data_file)
    assert again == first


def run_pipeline_input_checksum(data_file: Path) -> str:
    from fipfit.report.samples import load_input

    config = parse_config(tiny_config(data_file))
    _, record = load_input(config)
    return str(record["sha256"])


def test_partition_edges_cover_train_range(outcome: RunOutcome) -> None:
    for entry in outcome.summary["partitions"]:
        edges = np.asarray(entry["edges"])
        assert edges.size == entry["n_bins"] + 1
        assert np.all(np.diff(edges) > 0)


def file_config(path: Path, **changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "features": ["x", "eta"],
        "input": {"file": str(path)},
        "partitions": [{"name": "x", "kind": "column", "column": "x", "bins": 5}],
        "fit": {"toys": 5, "luminosity": 0.05},
        "scan": {"bins": [2]},
        "bootstrap": {"resamples": 5},
        "study": {"run": False},
    }
    raw.update(changes)
    return raw


def test_file_input_records_checksum(tmp_path: Path) -> None:
    import hashlib

    from fipfit.formats.table import write_events
    from fipfit.toymodels import get_model

    model = get_model("peak")
    frame = model.generate(3000, random_state=4)
    path = tmp_path / "peak.parquet"
    write_events(frame, path, model.metadata(3000, 4, {}))
    result = run_pipeline(parse_config(file_config(path)))

    (record,) = result.summary["provenance"]["inputs"]
    assert record["kind"] == "file"
    assert record["path"] == str(path)
    assert record["rows"] == len(frame)
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.summary["reference_limits"] == {}
    assert result.summary["expected_ideal_information"] is None
    # The file carries the peak model's metadata, so the fit reweights exactly.
    assert result.summary["partitions"][0]["fit"]["method"] == "exact-spline"


def test_several_parameters_need_choice(tmp_path: Path) -> None:
    from fipfit.formats.table import write_events

    path = tmp_path / "eft.parquet"
    write_events(generate("eft", 500, random_state=1), path)
    raw = file_config(path, features=["e1", "phi"])
    raw["partitions"] = [{"name": "e1", "kind": "column", "column": "e1"}]
    with pytest.raises(FipfitError, match=r"2 parameters \['c1', 'c2'\]: choose"):
        run_pipeline(parse_config(raw))


def test_missing_feature_named(tmp_path: Path) -> None:
    from fipfit.formats.table import write_events

    path = tmp_path / "peak.parquet"
    write_events(generate("peak", 500, random_state=1), path)
    raw = file_config(path, features=["x", "etaa"])
    with pytest.raises(FipfitError, match="'etaa' not found: did you mean 'eta'"):
        run_pipeline(parse_config(raw))


def test_bad_model_setting_type_named(tmp_path: Path) -> None:
    from fipfit.formats.table import write_events

    path = tmp_path / "peak.parquet"
    write_events(generate("peak", 500, random_state=1), path)
    raw = file_config(path, regressor={"max_iter": "many"})
    raw["partitions"] = [{"kind": "regressor"}]
    with pytest.raises(FipfitError, match=r"invalid \[regressor\] settings"):
        run_pipeline(parse_config(raw))


def test_unbuildable_templates_reported(tmp_path: Path) -> None:
    # 400 quantile bins placed on 1500 train events leave test bins empty, and
    # templates need at least one event in every bin.
    from fipfit.report.html import render_page
    from fipfit.report.schema import validate_summary

    raw = file_config(tmp_path / "unused.parquet")
    raw["input"] = {"model": "peak", "events": 1000}
    raw["partitions"] = [{"name": "fine", "kind": "column", "column": "x", "bins": 400}]
    result = run_pipeline(parse_config(raw))

    entry = result.summary["partitions"][0]
    assert "error" in entry["fit"]
    assert entry["measured_error"] is None
    assert entry["expected_error"] is not None
    validate_summary(result.summary)
    page = render_page(result.summary, result.figures)
    assert "not run" in page
    assert "Fits not run" in page


def test_step_named_in_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 100 events leave the metrics study's weakest candidates a constant
    # output, which cannot be binned: the error must say which step failed.
    options = ["--events", "100", "--quiet", "--out", str(tmp_path / "report")]
    status = main(["run", "--example", "peak", *options])

    error = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(error) == 1
    assert error[0].startswith("fipfit run: error: running the metrics study: ")
    assert not (tmp_path / "report").exists()
