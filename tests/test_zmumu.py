"""The zmumu example: FIP on MadGraph events and the m_Z fit to CMS data."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fipfit.cli import main
from fipfit.errors import FipfitError
from fipfit.events import Events
from fipfit.report.config import parse_config
from fipfit.report.config_loader import example_config, load_config
from fipfit.report.zmumu import run_zmumu
from fipfit.report.zmumu_config import ZmumuConfig, parse_zmumu_config
from fipfit.report.zmumu_inputs import select_data_events, split_by_event

#: Real event files beside the repository (as in conftest.SHARED_DATA, which a
#: module-scoped fixture cannot request).
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MLM = "pylhe-testfile-madgraph-2.2.1-Z-mlm.lhe.gz"
FXFX = "pylhe-testfile-madgraph-2.2.1-Z-fxfx.lhe.gz"
POWHEG_W = "pylhe-testfile-powheg-box-v2-W.lhe"
CMS = "uproot-Zmumu.root"


def _write_config(path: Path, lines: str) -> Path:
    path.write_text('pipeline = "zmumu"\n' + lines, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def mlm_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """Run the example's settings on the MLM sample and the CMS file, once."""
    folder = tmp_path_factory.mktemp("zmumu")
    config = _write_config(
        folder / "zmumu.toml",
        f'lhe = ["{SHARED_DATA / MLM}"]\n'
        f'data = "{SHARED_DATA / CMS}"\n'
        "seed = 4\nsmearings = 4\nbins = 20\n"
        "[bootstrap]\nresamples = 50\n[scan]\nbins = [5, 20]\n",
    )
    out = folder / "report"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return summary, out


def _partition(summary: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in summary["zmumu"]["partitions"] if p["name"] == name)


def test_regressor_beats_pair_mass(mlm_report: tuple[dict[str, Any], Path]) -> None:
    summary, _ = mlm_report
    rows = {p["name"]: p for p in summary["partitions"]}
    mass, regressor = rows["mll"], rows["regressor"]

    assert mass["n_bins"] == regressor["n_bins"] == 20
    # FIP on test events, which neither trained the regressor nor placed the
    # edges. The seeded run gives 0.2674 against 0.2618. The bootstrap error
    # of the difference, resampling the same test events for both, is 0.0018,
    # so a change that costs the regressor its resolution information fails.
    assert regressor["fip"] > mass["fip"]
    assert 0.2 < mass["fip"] < 0.35


def test_split_keeps_events_apart(mlm_report: tuple[dict[str, Any], Path]) -> None:
    summary, _ = mlm_report
    generated = summary["zmumu"]["generated_events"]

    assert generated["total"] == 10_000
    assert generated["train"] + generated["test"] == generated["total"]
    assert summary["events"]["train"] + summary["events"]["test"] == 40_000


def test_true_mass_is_ideal_check(mlm_report: tuple[dict[str, Any], Path]) -> None:
    summary, _ = mlm_report
    everything = _partition(summary, "true mll, no selection")
    selected = _partition(summary, "true mll")

    # The Breit-Wigner depends on the true mass alone, so its fine partition
    # of every event keeps nearly all the information on m_Z; 20 bins lose
    # about 1.5%.
    assert everything["events"] == "all"
    assert everything["fip"]["mz"] > 0.95
    # The selection keeps about half (efficiency 0.51 on the full sample).
    assert 0.45 < selected["fip"]["mz"] < 0.55
    assert summary["reference_limits"]["true mll, selected events"] == pytest.approx(
        selected["fip"]["mz"]
    )


def test_information_matrices(mlm_report: tuple[dict[str, Any], Path]) -> None:
    summary, _ = mlm_report
    ideal = np.array(summary["zmumu"]["ideal_information"])

    # Each of the K measurements of an event carries w/K and d/K, so I_ideal
    # does not depend on K: it equals the value of 'fipfit info' on the
    # file converted with one smearing, [[1058.2, 498.5], [498.5, 108462]].
    np.testing.assert_allclose(ideal, [[1058.2, 498.5], [498.5, 108462]], rtol=2e-4)
    assert summary["zmumu"]["parameters"] == ["mz", "sin2theta"]
    for partition in summary["zmumu"]["partitions"]:
        information = np.array(partition["information"])
        assert information.shape == (2, 2)
        np.testing.assert_allclose(information, information.T, rtol=1e-12)
        # Positive weights: I_ideal - I(P) is positive semi-definite, up to
        # the test sample's fluctuation against the full sample's I_ideal.
        assert np.all(np.diag(information) < 1.05 * np.diag(ideal))
        assert partition["nonpositive_bins"] == []
        assert set(partition["fip"]) == {"mz", "sin2theta"}


def test_data_fit_measures_mz(mlm_report: tuple[dict[str, Any], Path]) -> None:
    summary, _ = mlm_report
    fits = {item["partition"]: item for item in summary["data_fit"]}

    assert set(fits) == {"mll", "regressor"}
    for item in fits.values():
        assert item["converged"]
        assert item["n_data"] == 479
        assert 90.0 < item["m_z"] < 92.5
        assert item["m_z"] == item["value"]
        # HESSE is the curvature of this data set's likelihood, the Fisher
        # prediction that of its expectation: they differ by the data's
        # fluctuation and by the data-simulation mismatch.
        assert item["hesse_error"] == pytest.approx(item["fisher_error"], rel=0.25)
        assert item["effective_luminosity"] > 0
        assert sum(item["observed"]) == 479
    selection = summary["zmumu"]["data_selection"]
    assert selection["rows"] == 2304
    assert selection["collisions"] == 500
    assert selection["kept"] == 500


def test_report_has_figures(mlm_report: tuple[dict[str, Any], Path]) -> None:
    summary, out = mlm_report
    files = {item["file"] for item in summary["figures"]}

    assert {"figures/data_fit_0.png", "figures/data_fit_1.png"} <= files
    for name in files:
        assert (out / name).read_bytes().startswith(b"\x89PNG")
    assert "Fit to data" in (out / "index.html").read_text(encoding="utf-8")


def test_page_omits_pseudoexperiments(
    mlm_report: tuple[dict[str, Any], Path],
) -> None:
    # The example fits no pseudo-experiments: no empty columns or sentences.
    _, out = mlm_report
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<th>measured error</th>" not in page
    assert "<th>mean pull</th>" not in page
    assert "<th>failed fits</th>" not in page
    assert "pseudo-experiments: " not in page
    assert "(pseudo-data)" not in page
    assert "<th>expected error</th>" in page


def test_fxfx_negative_weights_flow(tmp_path: Path) -> None:
    raw = {
        "pipeline": "zmumu",
        "lhe": [str(SHARED_DATA / FXFX)],
        "smearings": 1,
        # 400 equal-|weight| bins of about 10 events: with 18.5% negative
        # weights some bins sum to W_k <= 0.
        "bins": 400,
        "regressor": {"model": "hgb", "max_iter": 10},
        "bootstrap": {"resamples": 5},
        "scan": {"bins": [20]},
    }
    config = parse_zmumu_config(raw, origin="test")

    summary = run_zmumu(config).summary

    assert summary["zmumu"]["negative_weight_rows"] > 1000
    reported = [p["nonpositive_bins"] for p in summary["zmumu"]["partitions"]]
    assert any(reported)
    for partition in summary["zmumu"]["partitions"]:
        assert partition["fip"]["mz"] is not None
    assert "data_fit" not in summary


def test_select_data_events_rule() -> None:
    frame = pd.DataFrame(
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

    kept, record = select_data_events(frame)

    # Collision 7: the GG pair with the larger pt sum, whatever its mass;
    # collision 9: its only selected pair, of another type.
    assert kept["mll"].tolist() == [60.0, 90.0]
    assert record["rows"] == 6
    assert record["collisions"] == 2
    assert record["kept"] == 2


def test_select_without_event_numbers() -> None:
    frame = pd.DataFrame(
        {"pt1": [30.0, 40.0], "pt2": [30.0, 40.0], "mll": [90.0, 91.0]}
    )
    frame["selected"] = [True, False]

    kept, record = select_data_events(frame)

    assert len(kept) == 1
    assert record["collisions"] == 2
    assert "every selected row" in record["rule"]


def test_split_by_event_keeps_measurements() -> None:
    n_events, smearings = 50, 3
    events = Events.from_arrays(
        np.ones(n_events * smearings),
        np.ones(n_events * smearings),
        features={
            "event_index": np.repeat(np.arange(n_events), smearings),
            "file_index": np.zeros(n_events * smearings, dtype=int),
        },
    )

    train, test = split_by_event(events, 0.6, random_state=1)

    train_ids = set(train.data["event_index"])
    test_ids = set(test.data["event_index"])
    assert train_ids.isdisjoint(test_ids)
    assert len(train_ids) == 30
    assert len(train) == 30 * smearings
    assert len(test) == 20 * smearings


def test_builtin_example_paths() -> None:
    config = example_config("zmumu")

    assert isinstance(config, ZmumuConfig)
    assert config.lhe == (SHARED_DATA / MLM,)
    assert config.data == SHARED_DATA / CMS
    assert config.data_fit.window == (70.0, 110.0)


def test_config_errors(tmp_path: Path) -> None:
    with pytest.raises(FipfitError, match="'lhe' is missing"):
        parse_zmumu_config({"pipeline": "zmumu"})
    with pytest.raises(FipfitError, match=r"'data_fit\.window' must be"):
        parse_zmumu_config({"lhe": ["a.lhe"], "data_fit": {"window": [110, 70]}})
    with pytest.raises(FipfitError, match=r"'data_fit\.electrons' must be true"):
        parse_zmumu_config({"lhe": ["a.lhe"], "data_fit": {"electrons": "yes"}})
    with pytest.raises(FipfitError, match="unknown key 'smearing'"):
        parse_zmumu_config({"lhe": ["a.lhe"], "smearing": 2})
    path = _write_config(tmp_path / "x.toml", 'lhe = ["a.lhe"]\n')
    assert isinstance(load_config(path), ZmumuConfig)
    other = tmp_path / "y.toml"
    other.write_text('pipeline = "ttbar"\n', encoding="utf-8")
    with pytest.raises(FipfitError, match="key 'pipeline' must be \"zmumu\""):
        load_config(other)
    with pytest.raises(FipfitError, match="unknown key 'pipeline'"):
        parse_config({"pipeline": "zmumu"})


def _run_error(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["run", *arguments, "--quiet"]) == 2
    message = capsys.readouterr().err
    assert len(message.strip().splitlines()) == 1
    return message


def _lhe_without_leptons(path: Path) -> Path:
    """Write the MLM file's header and first event, its electrons made neutrinos."""
    with gzip.open(SHARED_DATA / MLM, "rt", encoding="utf-8") as source:
        lines = [next(source) for _ in range(505)]
    assert lines[492].strip() == "<event>"
    assert lines[504].strip() == "</event>"
    event = "".join(lines[492:])
    event = event.replace("      -11    1", "      -12    1")
    event = event.replace("       11    1", "       12    1")
    path.write_text("".join(lines[:492]) + event + "</LesHouchesEvents>\n")
    return path


def test_lhe_without_pair_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lhe = _lhe_without_leptons(tmp_path / "neutrinos.lhe")
    arguments = ["--example", "zmumu", "--lhe", str(lhe), "--out", str(tmp_path / "r")]
    message = _run_error(arguments, capsys)

    assert "0 charged leptons" in message
    assert not (tmp_path / "r").exists()


def test_lhe_without_card_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lhe = str(SHARED_DATA / POWHEG_W)
    arguments = ["--example", "zmumu", "--lhe", lhe, "--out", str(tmp_path / "r")]
    message = _run_error(arguments, capsys)

    assert "has no parameter card" in message


def test_data_without_columns_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.parquet"
    pd.DataFrame({"M": [91.0, 90.0]}).to_parquet(data)
    out = str(tmp_path / "r")
    arguments = ["--example", "zmumu", "--data", str(data), "--out", out]
    message = _run_error(arguments, capsys)

    assert "lack the columns" in message
    assert "'mll'" in message


def test_missing_input_files_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    absent = str(tmp_path / "absent.lhe.gz")
    message = _run_error(
        ["--example", "zmumu", "--lhe", absent, "--out", str(tmp_path / "r")], capsys
    )
    assert "absent.lhe.gz' not found" in message

    message = _run_error(
        ["--example", "peak", "--lhe", absent, "--out", str(tmp_path / "r")], capsys
    )
    assert "--lhe and --data set the inputs of the zmumu example" in message

    message = _run_error(
        ["--example", "zmumu", "--events", "500", "--out", str(tmp_path / "r")],
        capsys,
    )
    assert "reads LHE files" in message
