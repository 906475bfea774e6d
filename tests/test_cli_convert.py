"""``fipfit convert`` on the real files: columns, metadata, weights and bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import uproot

from fipfit.cli import main
from fipfit.errors import FipfitError, NonPositiveBinWarning
from fipfit.formats.convert import MEASURED_COLUMNS, ConvertOptions, convert_files
from fipfit.formats.lhe import read_lhe_info, scan_lhe
from fipfit.formats.root import DIMUON_BRANCHES
from fipfit.formats.table import read_events, read_table
from fipfit.reweighting.zlineshape import LineshapeSettings, weight_derivatives

MLM = "pylhe-testfile-madgraph-2.2.1-Z-mlm.lhe.gz"
FXFX = "pylhe-testfile-madgraph-2.2.1-Z-fxfx.lhe.gz"
POWHEG_Z = "pylhe-testfile-powheg-box-v2-Z.lhe"
POWHEG_W = "pylhe-testfile-powheg-box-v2-W.lhe"
ZMUMU = "uproot-Zmumu.root"


def frame_of(path: Path) -> tuple[pd.DataFrame, dict[str, object]]:
    table, metadata = read_table(path)
    return table.to_pandas(), metadata


def test_lhe_with_reweighting(shared_data: Path, tmp_path: Path) -> None:
    output = tmp_path / "mlm.parquet"
    status = main(
        [
            "convert",
            str(shared_data / MLM),
            "-o",
            str(output),
            "--reweight",
            "zlineshape",
            "--smearings",
            "2",
            "--seed",
            "3",
        ]
    )
    assert status == 0
    frame, metadata = frame_of(output)
    info = read_lhe_info(shared_data / MLM)
    expected_hash = hashlib.sha256((shared_data / MLM).read_bytes()).hexdigest()

    assert len(frame) == 20_000
    assert metadata["weight_model"] == "zlineshape"
    assert metadata["settings"]["mz"] == 91.188
    assert metadata["settings"]["width"] == 2.441404
    assert metadata["n_smearings"] == 2
    assert metadata["inputs"][0]["sha256"] == expected_hash
    assert frame["weight"].sum() == pytest.approx(info.cross_section, rel=1e-10)
    for column in ("dweight_mz", "dweight_sin2theta", "selected", *MEASURED_COLUMNS):
        assert column in frame.columns
    assert set(frame["lepton_flavour"]) == {11, 13}
    # The two measurements of an event share its truth and differ in pT.
    pair = frame[frame["event_index"] == 0]
    assert list(pair["smearing_index"]) == [0, 1]
    assert pair["true_mll"].nunique() == 1
    assert pair["pt1"].nunique() == 2

    events = read_events(output)
    assert events.parameters == ("mz", "sin2theta")


def test_seed_and_chunks_reproduce_output(shared_data: Path, tmp_path: Path) -> None:
    first, second, other = (tmp_path / f"{name}.parquet" for name in "abc")
    convert_files([shared_data / POWHEG_Z], first, ConvertOptions(random_state=4))
    convert_files(
        [shared_data / POWHEG_Z], second, ConvertOptions(random_state=4, chunk_size=7)
    )
    convert_files([shared_data / POWHEG_Z], other, ConvertOptions(random_state=5))
    pd.testing.assert_frame_equal(frame_of(first)[0], frame_of(second)[0])
    assert not np.array_equal(frame_of(first)[0]["mll"], frame_of(other)[0]["mll"])


def test_powheg_needs_reference_point(shared_data: Path, tmp_path: Path) -> None:
    output = tmp_path / "powheg.parquet"
    options = ConvertOptions(reweight="zlineshape")
    with pytest.raises(Exception, match="--mz, --width, --sin2theta"):
        convert_files([shared_data / POWHEG_Z], output, options)
    assert not output.exists()
    status = main(
        [
            "convert",
            str(shared_data / POWHEG_Z),
            "-o",
            str(output),
            "--reweight",
            "zlineshape",
            "--mz",
            "91.1876",
            "--width",
            "2.4952",
            "--sin2theta",
            "0.2315",
        ]
    )
    assert status == 0
    _, metadata = frame_of(output)
    assert metadata["settings"]["sources"]["mz"] == "given"


def test_fxfx_negative_weights_reach_information(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2000 equal-|weight| bins of the measured mass hold about 2 events each;
    # with 18.5 % negative weights some bins must sum to W_k <= 0, and the
    # information summary must list them instead of dropping them silently.
    output = tmp_path / "fxfx.parquet"
    assert (
        main(
            [
                "convert",
                str(shared_data / FXFX),
                "-o",
                str(output),
                "--reweight",
                "zlineshape",
            ]
        )
        == 0
    )
    frame, metadata = frame_of(output)
    scan = scan_lhe(shared_data / FXFX)
    assert int((frame["weight"] < 0).sum()) == scan.n_negative == 1852
    assert metadata["inputs"][0]["n_negative_weights"] == 1852
    assert frame["weight"].sum() == pytest.approx(scan.sum_weights / scan.n_events)
    # A negative weight keeps the event's sensitivity: dweight = weight * gamma.
    settings = LineshapeSettings.from_mapping(metadata["settings"])
    quark = frame[["true_quark1", "true_quark2"]].to_numpy()
    direction = frame[["true_direction1", "true_direction2"]].to_numpy()
    gamma = weight_derivatives(
        np.ones(len(frame)),
        frame["true_mll"],
        frame["true_cos_theta"],
        quark,
        direction,
        settings,
    )
    np.testing.assert_allclose(
        frame[["dweight_mz", "dweight_sin2theta"]].to_numpy(),
        frame["weight"].to_numpy()[:, np.newaxis] * gamma,
        rtol=1e-12,
    )

    capsys.readouterr()
    with pytest.warns(NonPositiveBinWarning):
        status = main(
            [
                "info",
                str(output),
                "--by",
                "mll",
                "--bins",
                "2000",
                "--bootstrap",
                "0",
                "--json",
            ]
        )
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert len(summary["nonpositive_bins"]) > 0
    assert summary["parameters"] == ["mz", "sin2theta"]


def test_root_data_has_mc_features(shared_data: Path, tmp_path: Path) -> None:
    data_output = tmp_path / "data.parquet"
    assert main(["convert", str(shared_data / ZMUMU), "-o", str(data_output)]) == 0
    data, metadata = frame_of(data_output)
    simulation = tmp_path / "powheg.parquet"
    convert_files([shared_data / POWHEG_Z], simulation)
    mc, _ = frame_of(simulation)

    features = {"weight", "selected", "lepton_flavour", *MEASURED_COLUMNS}
    assert features <= set(data.columns)
    assert features <= set(mc.columns)
    for column in features:
        assert data[column].dtype == mc[column].dtype
    assert len(data) == 2304
    assert (data["weight"] == 1).all()
    assert (data["lepton_flavour"] == 13).all()
    # The file's own pair mass M, from the same four-momenta, has 11 digits.
    np.testing.assert_allclose(data["mll"], data["M"], rtol=1e-7)
    assert metadata["renamed_branches"]["pt1"] == "raw_pt1"
    # Lepton 1 is the negative muon; same-charge pairs are never selected.
    opposite = (data["Q1"] != data["Q2"]).to_numpy()
    pt_negative = np.where(
        data["Q1"] < 0,
        np.hypot(data["px1"], data["py1"]),
        np.hypot(data["px2"], data["py2"]),
    )
    np.testing.assert_allclose(data["pt1"][opposite], pt_negative[opposite])
    assert not data["selected"][~opposite].any()
    assert data["selected"][opposite].any()


def test_root_branch_choice(shared_data: Path, tmp_path: Path) -> None:
    output = tmp_path / "data.parquet"
    status = main(
        [
            "convert",
            str(shared_data / ZMUMU),
            "-o",
            str(output),
            "--tree",
            "events",
            "--branches",
            "Run,Event,M",
            "--chunk-size",
            "500",
        ]
    )
    assert status == 0
    data, _ = frame_of(output)
    assert {"Run", "Event", "M", "mll"} <= set(data.columns)
    assert "E1" not in data.columns
    np.testing.assert_array_equal(data["event_index"], np.arange(2304))
    reference = uproot.open(shared_data / ZMUMU)["events"]["Event"].array(library="np")
    np.testing.assert_array_equal(data["Event"], reference)


def assert_failed_cleanly(
    argv: list[str], output: Path, capsys: pytest.CaptureFixture[str], *needles: str
) -> None:
    """Run the command, expecting exit 2, one error line and no file left."""
    status = main(argv)
    error = capsys.readouterr().err.strip()
    assert status == 2
    assert len(error.splitlines()) == 1
    for needle in needles:
        assert needle in error
    assert list(output.parent.iterdir()) == []


def test_not_lhe_or_root_rejected(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out" / "events.parquet"
    output.parent.mkdir()
    readme = shared_data / "README.md"
    assert_failed_cleanly(
        ["convert", str(readme), "-o", str(output)],
        output,
        capsys,
        "README.md",
        "neither",
    )


def test_truncated_gzip_rejected(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "truncated.lhe.gz"
    damaged.write_bytes((shared_data / MLM).read_bytes()[:600_000])
    output = tmp_path / "out" / "events.parquet"
    output.parent.mkdir()
    assert_failed_cleanly(
        ["convert", str(damaged), "-o", str(output), "--chunk-size", "1000"],
        output,
        capsys,
        "truncated.lhe.gz",
        "event",
    )


def test_single_lepton_event_rejected(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out" / "events.parquet"
    output.parent.mkdir()
    assert_failed_cleanly(
        ["convert", str(shared_data / POWHEG_W), "-o", str(output)],
        output,
        capsys,
        POWHEG_W,
        "event 0",
        "1 charged lepton (PDG ids [11])",
    )


def test_missing_tree_and_branch_rejected(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out" / "events.parquet"
    output.parent.mkdir()
    root = str(shared_data / ZMUMU)
    assert_failed_cleanly(
        ["convert", root, "-o", str(output), "--tree", "muons"],
        output,
        capsys,
        "'muons' not found",
        ZMUMU,
        "['events']",
    )
    assert_failed_cleanly(
        ["convert", root, "-o", str(output), "--branches", "M,mass"],
        output,
        capsys,
        "branch 'mass' not found",
        ZMUMU,
        "'px1'",
    )


def test_existing_output_kept_on_failure(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "events.parquet"
    convert_files([shared_data / POWHEG_Z], output)
    before = output.read_bytes()
    status = main(["convert", str(shared_data / POWHEG_W), "-o", str(output)])
    assert status == 2
    assert output.read_bytes() == before
    assert pq.read_metadata(output).num_rows == 100


def test_same_input_twice_rejected(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given twice, the file's weights would add up to twice its cross section.
    output = tmp_path / "out" / "events.parquet"
    output.parent.mkdir()
    lhe = shared_data / POWHEG_Z
    same_file = shared_data / ".." / shared_data.name / POWHEG_Z
    assert_failed_cleanly(
        ["convert", str(lhe), str(same_file), "-o", str(output)],
        output,
        capsys,
        "is given twice",
        "counted twice",
    )
    copy = tmp_path / "copy.lhe"
    copy.write_bytes(lhe.read_bytes())
    digest = hashlib.sha256(lhe.read_bytes()).hexdigest()
    assert_failed_cleanly(
        ["convert", str(lhe), str(copy), "-o", str(output)],
        output,
        capsys,
        "have the same sha256",
        digest[:16],
        "copy.lhe",
    )
    root = str(shared_data / ZMUMU)
    assert_failed_cleanly(
        ["convert", root, root, "-o", str(output)], output, capsys, "given twice"
    )


@pytest.mark.parametrize(
    ("input_name", "options", "needles"),
    [
        (ZMUMU, ["--mz", "80"], ["option --mz has no effect", "--reweight zlineshape"]),
        (
            POWHEG_Z,
            ["--width", "2.5", "--width-scheme", "running"],
            ["options --width, --width-scheme have no effect", "--reweight"],
        ),
        (POWHEG_Z, ["--lepton-flavour", "11"], ["--lepton-flavour 11", "LHE input"]),
        (ZMUMU, ["--smearings", "3"], ["--smearings 3", "ROOT input"]),
    ],
    ids=["mz_without_reweight", "width_without_reweight", "flavour_lhe", "smear_root"],
)
def test_option_without_effect_rejected(
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    input_name: str,
    options: list[str],
    needles: list[str],
) -> None:
    output = tmp_path / "out" / "events.parquet"
    output.parent.mkdir()
    argv = ["convert", str(shared_data / input_name), "-o", str(output), *options]
    assert_failed_cleanly(argv, output, capsys, *needles)


def test_flavour_without_lepton_branches_rejected(tmp_path: Path) -> None:
    path = tmp_path / "flat.root"
    with uproot.recreate(path) as handle:
        tree = handle.mktree("events", {"x": np.float64})
        tree.extend({"x": np.arange(3.0)})
    output = tmp_path / "flat.parquet"
    with pytest.raises(FipfitError, match="--lepton-flavour 11 has no effect on"):
        convert_files([path], output, ConvertOptions(lepton_flavour=11))
    assert not output.exists()
    convert_files([path], output)
    assert frame_of(output)[0]["x"].tolist() == [0.0, 1.0, 2.0]


def test_root_flavour_recorded(shared_data: Path, tmp_path: Path) -> None:
    output = tmp_path / "electrons.parquet"
    options = ConvertOptions(lepton_flavour=11)
    convert_files([shared_data / ZMUMU], output, options)
    frame, metadata = frame_of(output)
    assert (frame["lepton_flavour"] == 11).all()
    assert metadata["lepton_flavour"] == 11


def test_window_without_events_rejected(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The CMS pairs have masses below 173 GeV, so no pair is inside 200-300.
    output = tmp_path / "out" / "events.parquet"
    output.parent.mkdir()
    masses = uproot.open(shared_data / ZMUMU)["events"]["M"].array(library="np")
    argv = ["convert", str(shared_data / ZMUMU), "-o", str(output)]
    assert_failed_cleanly(
        [*argv, "--mll-window", "200,300"],
        output,
        capsys,
        "no row passes the selection",
        "window is 200 to 300 GeV",
        f"of the 2304 rows ranges from {masses.min():.2f} to {masses.max():.2f} GeV",
        "--mll-window",
    )


def test_summary_line_printed(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "powheg.parquet"
    argv = ["convert", str(shared_data / POWHEG_Z), "-o", str(output), "--smearings"]
    assert main([*argv, "2"]) == 0
    frame, _ = frame_of(output)
    n_selected = int(frame["selected"].sum())
    assert 0 < n_selected < 200
    assert capsys.readouterr().out == (
        f"read 100 events from 1 file; wrote 200 rows ({n_selected} selected) "
        f"to {output}\n"
    )


def test_root_one_pair_per_collision(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The zmumu example keeps 500 pairs of the CMS file, 479 of them with
    # 70 < mll < 110 GeV; convert must select the same by default.
    output = tmp_path / "data.parquet"
    assert main(["convert", str(shared_data / ZMUMU), "-o", str(output)]) == 0
    line = capsys.readouterr().out
    frame, metadata = frame_of(output)
    every = tmp_path / "every.parquet"
    argv = ["convert", str(shared_data / ZMUMU), "-o", str(every), "--all-pairs"]
    assert main([*argv, "--chunk-size", "700"]) == 0
    per_pair, every_metadata = frame_of(every)

    selected = frame[frame["selected"]]
    assert len(frame) == 2304
    assert len(selected) == 500
    assert selected.groupby(["Run", "Event"]).size().eq(1).all()
    assert selected.groupby(["Run", "Event"]).ngroups == 500
    assert int(selected["mll"].between(70, 110, inclusive="neither").sum()) == 479
    # Kept and flagged rows are exactly the pairs that pass the selection.
    np.testing.assert_array_equal(
        frame["selected"] | frame["duplicate_pairing"], per_pair["selected"]
    )
    assert not (frame["selected"] & frame["duplicate_pairing"]).any()
    # Each kept pair is a GG pair with the collision's largest pt1 + pt2.
    passing = per_pair[per_pair["selected"] & (per_pair["Type"] == "GG")]
    best = (
        (passing["pt1"] + passing["pt2"])
        .groupby([passing["Run"], passing["Event"]])
        .max()
    )
    kept_sum = (
        (selected["pt1"] + selected["pt2"])
        .groupby([selected["Run"], selected["Event"]])
        .max()
    )
    pd.testing.assert_series_equal(kept_sum, best)

    counts = metadata["pair_selection"]
    assert counts["collisions"] == 500
    assert counts["passing_pairs"] == 2004
    assert counts["selected"] == 500
    assert counts["duplicate_pairings"] == 1504
    assert "Type GG" in counts["rule"]
    assert "every pair" in every_metadata["pair_selection"]["rule"]
    assert "duplicate_pairing" not in per_pair.columns
    assert line == (
        "read 2304 tree entries from 1 file; wrote 2304 rows for 500 collisions "
        "(500 selected, one pair per collision; 1504 other passing pairs flagged "
        f"duplicate_pairing) to {output}\n"
    )


def test_root_pair_rule_across_chunks(shared_data: Path, tmp_path: Path) -> None:
    # Chunks of 7 entries split collisions; the rule must see them whole.
    whole, split = tmp_path / "whole.parquet", tmp_path / "split.parquet"
    convert_files([shared_data / ZMUMU], whole)
    convert_files([shared_data / ZMUMU], split, ConvertOptions(chunk_size=7))
    pd.testing.assert_frame_equal(frame_of(whole)[0], frame_of(split)[0])


def test_all_pairs_without_effect_rejected(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out" / "events.parquet"
    output.parent.mkdir()
    argv = ["convert", str(shared_data / POWHEG_Z), "-o", str(output), "--all-pairs"]
    assert_failed_cleanly(argv, output, capsys, "--all-pairs has no effect")


def test_root_pair_rule_across_files(shared_data: Path, tmp_path: Path) -> None:
    # The first collision of the CMS file has four entries; written two to a
    # file, they remain one collision with one selected pair.
    source = uproot.open(shared_data / ZMUMU)["events"]
    names = [
        "Run",
        "Event",
        *(name for lepton in DIMUON_BRANCHES for name in lepton.values()),
    ]
    arrays = source.arrays(names, entry_stop=4, library="np")
    assert np.unique(arrays["Run"]).size == 1
    assert np.unique(arrays["Event"]).size == 1
    paths = [tmp_path / "first.root", tmp_path / "second.root"]
    for path, rows in zip(paths, (slice(0, 2), slice(2, 4)), strict=True):
        with uproot.recreate(path) as handle:
            handle.mktree("events", {name: arrays[name].dtype for name in names})
            handle["events"].extend({name: arrays[name][rows] for name in names})
    output = tmp_path / "both.parquet"

    metadata = convert_files(paths, output)

    frame, _ = frame_of(output)
    passing = frame["selected"] | frame["duplicate_pairing"]
    assert passing.sum() >= 2
    assert frame["selected"].sum() == 1
    assert metadata["pair_selection"]["collisions"] == 1
    assert "Type" not in metadata["pair_selection"]["rule"]
