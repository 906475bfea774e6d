"""User errors on the command line: one line on stderr and exit status 2.

Every command that exists (run, info, generate, train, fit, convert) gets bad
input here. Most cases go through `fipfit.cli.main` with captured output; a few
per command also run ``python -m fipfit`` in a subprocess, so that nothing
printed outside `main` (import-time warnings, a traceback from the interpreter)
slips through. ``--debug`` must show the traceback instead.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fipfit.cli import main
from fipfit.errors import FipfitError

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POWHEG_LHE = SHARED_DATA / "pylhe-testfile-powheg-box-v2-Z.lhe"
MADGRAPH_LHE_GZ = SHARED_DATA / "pylhe-testfile-madgraph-2.2.1-Z-mlm.lhe.gz"
ZMUMU_ROOT = SHARED_DATA / "uproot-Zmumu.root"

GOOD_CSV = (
    "weight,dweight,x,label\n"
    "1.0,0.5,0.1,1\n"
    "2.0,-0.3,0.7,1\n"
    "1.5,0.0,0.3,0\n"
    "0.5,0.2,0.9,1\n"
)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Write one valid file and one file per kind of damage; return their paths."""
    folder = tmp_path_factory.mktemp("cli_errors")
    texts = {
        "good_csv": GOOD_CSV,
        "nan_csv": "weight,dweight,x\n1,nan,0.1\n2,1,0.2\n",
        "zero_weight_csv": "weight,dweight,x\n0,1,0.1\n2,1,0.2\n",
        "insensitive_csv": "weight,dweight,x\n1,0,0.1\n2,0,0.2\n",
        "negative_ideal_csv": "weight,dweight,x\n-0.5,1,0.1\n1,1,0.2\n2,1,0.3\n",
        "duplicate_csv": "weight,dweight,x,x\n1,0.5,0.1,0.2\n",
        "header_csv": "weight,dweight,x\n",
        "ragged_csv": "weight,dweight,x\n1,0.5,0.1\n2,0.3\n",
        "label_csv": "weight,dweight,label\n1,0.5,1\n2,0.3,2\n",
        "selected_csv": "weight,dweight,selected\n1,0.5,1\n2,0.3,3\n",
        "nan_feature_csv": "weight,dweight,x\n1,0.5,nan\n2,0.3,0.2\n",
        "constant_csv": "weight,dweight,x\n1,0.5,0.3\n2,0.3,0.3\n",
        "bad_toml": "title = \n",
        "unknown_key_toml": 'titel = "x"\n',
        "text_lhe": "hello, not an event file\n",
    }
    paths = {}
    for name, text in texts.items():
        suffix = {"csv": ".csv", "toml": ".toml", "lhe": ".lhe"}[name.split("_")[-1]]
        paths[name] = folder / f"{name}{suffix}"
        paths[name].write_text(text)
    paths["empty_csv"] = folder / "empty.csv"
    paths["empty_csv"].write_bytes(b"")
    paths["utf8_csv"] = folder / "utf8.csv"
    paths["utf8_csv"].write_bytes(b"we\xddght,dweight\n1,0.5\n")
    paths["txt"] = folder / "events.txt"
    paths["txt"].write_text(GOOD_CSV)

    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame(
        {
            "weight": rng.uniform(0.5, 1.5, n),
            "dweight": rng.normal(size=n),
            "x": rng.normal(size=n),
            "eta": rng.uniform(-2, 2, n),
        }
    )
    paths["good_parquet"] = folder / "good.parquet"
    frame.to_parquet(paths["good_parquet"])
    paths["truncated_parquet"] = folder / "truncated.parquet"
    data = paths["good_parquet"].read_bytes()
    paths["truncated_parquet"].write_bytes(data[: len(data) // 2])

    paths["truncated_lhe"] = folder / "truncated.lhe"
    paths["truncated_lhe"].write_bytes(POWHEG_LHE.read_bytes()[:20000])
    paths["truncated_lhe_gz"] = folder / "truncated.lhe.gz"
    paths["truncated_lhe_gz"].write_bytes(MADGRAPH_LHE_GZ.read_bytes()[:30000])
    paths["truncated_root"] = folder / "truncated.root"
    paths["truncated_root"].write_bytes(ZMUMU_ROOT.read_bytes()[:3000])

    # Folders are Parquet datasets, read by the Dask path.
    paths["no_parquet_folder"] = folder / "no_parquet"
    paths["no_parquet_folder"].mkdir()
    (paths["no_parquet_folder"] / "events.csv").write_text(GOOD_CSV)
    paths["truncated_dataset"] = folder / "truncated_dataset"
    paths["truncated_dataset"].mkdir()
    (paths["truncated_dataset"] / "a.parquet").write_bytes(data)
    (paths["truncated_dataset"] / "b.parquet").write_bytes(data[: len(data) // 2])
    paths["dataset"] = folder / "dataset"
    paths["dataset"].mkdir()
    frame.to_parquet(paths["dataset"] / "a.parquet")
    paths["mixed_dataset"] = folder / "mixed_dataset"
    paths["mixed_dataset"].mkdir()
    frame.to_parquet(paths["mixed_dataset"] / "a.parquet")
    frame.drop(columns="eta").to_parquet(paths["mixed_dataset"] / "b.parquet")

    paths["existing_folder"] = folder / "existing_report"
    paths["existing_folder"].mkdir()
    paths["missing_folder"] = folder / "absent"
    paths["folder"] = folder
    _write_models(paths, frame)
    return paths


def _write_models(paths: dict[str, Path], frame: pd.DataFrame) -> None:
    """Save models that the event files cannot use: old, or on other features."""
    import fipfit.modelfile
    from fipfit.modelfile import save_model
    from fipfit.regression import GammaRegressor

    folder = paths["folder"]
    x = frame[["x", "eta"]].to_numpy()
    regressor = GammaRegressor(max_iter=5).fit(x, frame["dweight"].to_numpy())
    paths["other_features_model"] = save_model(
        folder / "other_features.skops",
        regressor,
        features=["mass", "eta"],
        kind="regressor",
        parameters=["theta"],
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fipfit.modelfile, "_version", lambda: "0.0.1")
        paths["old_model"] = save_model(
            folder / "old.skops",
            regressor,
            features=["x", "eta"],
            kind="regressor",
            parameters=["theta"],
        )
    paths["truncated_model"] = folder / "truncated.skops"
    paths["truncated_model"].write_bytes(paths["old_model"].read_bytes()[:5000])


@dataclass(frozen=True)
class Case:
    """A command line with bad input and a fragment of its expected error."""

    argv: tuple[str, ...]
    message: str

    def resolve(self, files: dict[str, Path]) -> list[str]:
        """Return the arguments with ``{name}`` replaced by the file's path."""
        return [part.format(**files) for part in self.argv]


def case(text: str, message: str) -> Case:
    return Case(tuple(text.split()), message)


INFO_CASES = {
    "nan_derivative": case("info {nan_csv}", "NaN or infinite weight derivative"),
    "zero_weight": case("info {zero_weight_csv}", "zero weight but a non-zero"),
    "all_zero_derivatives": case("info {insensitive_csv}", "ideal information is zero"),
    "negative_ideal": case("info {negative_ideal_csv}", "d^2/w is negative"),
    "duplicate_columns": case("info {duplicate_csv}", "duplicate column names"),
    "empty_file": case("info {empty_csv}", "empty, truncated or not in that"),
    "header_only": case("info {header_csv}", "contains no events"),
    "ragged_rows": case("info {ragged_csv}", "Expected 3 columns, got 2"),
    "truncated_parquet": case("info {truncated_parquet}", "cannot read"),
    "non_utf8_header": case("info {utf8_csv}", "not valid UTF-8"),
    "missing_file": case("info {missing_folder}/e.csv", "not found: check the path"),
    "folder_without_parquet": case("info {no_parquet_folder}", "no .parquet file"),
    "dataset_with_truncated_file": case(
        "info {truncated_dataset}", "cannot read the Parquet dataset"
    ),
    "dataset_with_other_columns": case(
        "info {mixed_dataset} --by eta", "cannot read the Parquet dataset"
    ),
    "unknown_suffix": case("info {txt}", "suffix '.txt'"),
    "misspelt_weight": case(
        "info {good_csv} --weight wieght", "did you mean 'weight'?"
    ),
    "misspelt_dweight": case(
        "info {good_csv} --dweight dwieght", "did you mean 'dweight'?"
    ),
    "misspelt_feature": case("info {good_csv} --by xx", "did you mean 'x'?"),
    "misspelt_parameter": case("info {good_csv} --param thta", "did you mean 'theta'"),
    "unknown_parameter": case(
        "info {good_csv} --param foo",
        "--param: parameter 'foo' not found; available parameters: theta",
    ),
    "prebins_below_bins": case(
        "info {good_parquet} --by x --binning optimal --bins 10 --prebins 5",
        "--prebins must be between --bins (10) and 4096, got 5",
    ),
    "too_many_optimal_bins": case(
        "info {good_parquet} --by x --binning optimal --bins 5000",
        "--binning optimal makes at most 4096 bins, got --bins 5000",
    ),
    "misspelt_selected": case(
        "info {good_parquet} --by x --selected nosuch",
        "--selected: selection column 'nosuch' not found; available columns: weight",
    ),
    "misspelt_label": case(
        "info {good_csv} --label lable", "--label: label column 'lable' not found"
    ),
    "dataset_with_misspelt_selected": case(
        "info {dataset} --by x --selected nosuch --bootstrap 0",
        "--selected: selection column 'nosuch' not found",
    ),
    "absent_default_selected": case(
        "info {good_csv} --selected selected",
        "--selected: selection column 'selected' not found",
    ),
    "nan_feature": case("info {nan_feature_csv} --by x", "NaN or infinite value"),
    "constant_feature": case("info {constant_csv} --by x", "takes a single value"),
    "decreasing_edges": case("info {good_csv} --by x --edges 1,0", "increase strictly"),
    "text_edges": case("info {good_csv} --by x --edges a,b", "--edges must be numbers"),
    "edges_outside_data": case(
        "info {good_csv} --by x --edges=5,6",
        "no selected event lies inside the edges [5, 6] of 'x' (its values span "
        "0.1..0.9): choose edges inside that range",
    ),
    "label_not_binary": case("info {label_csv}", "label other than 0 or 1"),
    "selected_not_boolean": case("info {selected_csv}", "must be boolean"),
    "missing_model": case(
        "info {good_csv} --model {missing_folder}/m.skops", "not found"
    ),
    "corrupt_model": case("info {good_csv} --model {good_parquet}", "model file"),
    "old_model": case(
        "info {good_parquet} --model {old_model}", "written by fipfit 0.0.1"
    ),
    "model_on_other_features": case(
        "info {good_parquet} --model {other_features_model}", "lack ['mass']"
    ),
    "truncated_model": case(
        "info {good_parquet} --model {truncated_model}", "cannot read model file"
    ),
}

GENERATE_CASES = {
    "unknown_model": case("generate nosuch -n 10 -o {folder}/a.parquet", "unknown toy"),
    "zero_events": case("generate peak -n 0 -o {folder}/a.parquet", "positive integer"),
    "text_events": case("generate peak -n abc -o {folder}/a.parquet", "got 'abc'"),
    "set_without_value": case(
        "generate peak -n 10 --set width -o {folder}/a.parquet", "NAME=VALUE"
    ),
    "unknown_setting": case(
        "generate peak -n 10 --set widht=3 -o {folder}/a.parquet", "'widht'"
    ),
    "text_setting": case(
        "generate peak -n 10 --set width=abc -o {folder}/a.parquet", "needs a number"
    ),
    "nan_setting": case(
        "generate peak -n 10 --set width=nan -o {folder}/a.parquet", "finite number"
    ),
    "negative_width": case(
        "generate peak -n 10 --set width=-1 -o {folder}/a.parquet", "must be positive"
    ),
    "tiny_width": case(
        "generate peak -n 10 --set width=1e-300 -o {folder}/a.parquet",
        "gives NaN or infinite values",
    ),
    "huge_width": case(
        "generate peak -n 10 --set width=1e300 -o {folder}/a.parquet",
        "gives NaN or infinite values",
    ),
    "csv_output": case("generate peak -n 10 -o {folder}/a.csv", ".parquet or .pq"),
    "missing_output_folder": case(
        "generate peak -n 10 -o {missing_folder}/a.parquet", "does not exist"
    ),
    "no_output": case("generate peak -n 10", "missing the output file"),
}

TRAIN_CASES = {
    "missing_feature": case(
        "train {good_parquet} --features mass -o {folder}/m.skops", "'mass' not found"
    ),
    "misspelt_feature": case(
        "train {good_parquet} --features eta2 -o {folder}/m.skops",
        "did you mean 'eta'?",
    ),
    "empty_features": case(
        "train {good_parquet} --features , -o {folder}/m.skops", "names no column"
    ),
    "test_fraction": case(
        "train {good_parquet} --features x --test-fraction 1.5 -o {folder}/m.skops",
        "between 0 and 1",
    ),
    "missing_output_folder": case(
        "train {good_parquet} --features x -o {missing_folder}/m.skops",
        "does not exist",
    ),
    "nan_input": case("train {nan_csv} --features x -o {folder}/m.skops", "NaN"),
    "text_output": case(
        "train {good_parquet} --features x -o {folder}/m.txt",
        "m.txt' must end in .skops: fipfit saves models as skops archives",
    ),
    "prebins_below_bins": case(
        "train {good_parquet} --features x --bins 10 --prebins 5 -o {folder}/m.skops",
        "--prebins must be between --bins (10) and 4096, got 5",
    ),
    "misspelt_selected": case(
        "train {good_parquet} --features x --selected selectd -o {folder}/m.skops",
        "--selected: selection column 'selectd' not found",
    ),
}

FIT_CASES = {
    "old_model": case(
        "fit {good_parquet} --model {old_model} --luminosity 100",
        "written by fipfit 0.0.1",
    ),
    "model_on_other_features": case(
        "fit {good_parquet} --model {other_features_model} --luminosity 100",
        "lack ['mass']",
    ),
    "zero_luminosity": case(
        "fit {good_parquet} --by x --luminosity 0",
        "--luminosity must be a positive number",
    ),
    "text_truth": case(
        "fit {good_parquet} --by x --luminosity 100 --truth abc", "--truth must be"
    ),
    "nan_truth": case(
        "fit {good_parquet} --by x --luminosity 100 --truth nan",
        "--truth must be finite numbers",
    ),
    "huge_luminosity": case(
        "fit {good_parquet} --by x --luminosity 1e300 --toys 3",
        "lower the luminosity",
    ),
    "missing_model": case(
        "fit {good_parquet} --model {missing_folder}/m.skops --luminosity 100",
        "not found",
    ),
    "corrupt_model": case(
        "fit {good_parquet} --model {good_parquet} --luminosity 100",
        "cannot read model file",
    ),
    "missing_templates": case(
        "fit {good_parquet} --by x --luminosity 100 "
        "--templates {missing_folder}/t.parquet",
        "not found",
    ),
    "misspelt_column": case(
        "fit {good_parquet} --by etta --luminosity 100", "did you mean 'eta'?"
    ),
    "unknown_parameter": case(
        "fit {good_parquet} --by x --luminosity 100 --param foo",
        "--param: parameter 'foo' not found; available parameters: theta",
    ),
    "truth_outside_templates": case(
        "fit {good_parquet} --by x --luminosity 100 --truth 95",
        "--truth 95 is outside the range [",
    ),
    "truth_count": case(
        "fit {good_parquet} --by x --luminosity 100 --truth 0,1",
        "--truth gives 2 values for the fitted parameters ['theta']",
    ),
    "too_many_optimal_bins": case(
        "fit {good_parquet} --by x --luminosity 100 --binning optimal --bins 5000",
        "--binning optimal makes at most 4096 bins",
    ),
    "misspelt_label_in_templates": case(
        "fit {good_csv} --by x --luminosity 100 --label label "
        "--templates {good_parquet}",
        "good.parquet: --label: label column 'label' not found",
    ),
}

RUN_CASES = {
    "missing_config": case("run {missing_folder}/c.toml", "not found"),
    "invalid_toml": case("run {bad_toml}", "invalid TOML"),
    "unknown_key": case("run {unknown_key_toml}", "did you mean 'title'?"),
    "unknown_example": case("run --example nosuch", "unknown example 'nosuch'"),
    "config_and_example": case("run {unknown_key_toml} --example peak", "not both"),
    "few_events": case("run --events 10", "at least 100, got 10"),
    "negative_seed": case("run --seed -1", "zero or positive"),
    "existing_output": case("run --out {existing_folder}", "pass --force"),
    "missing_output_parent": case(
        "run --out {missing_folder}/report", "does not exist"
    ),
    "file_as_output": case("run --out {good_csv} --force", "is a file"),
}

CONVERT_CASES = {
    "missing_input": case(
        "convert {missing_folder}/a.lhe -o {folder}/o.parquet", "not found"
    ),
    "truncated_lhe": case(
        "convert {truncated_lhe} -o {folder}/o.parquet", "truncated or damaged"
    ),
    "truncated_gzip": case(
        "convert {truncated_lhe_gz} -o {folder}/o.parquet", "truncated or damaged"
    ),
    "truncated_root": case(
        "convert {truncated_root} -o {folder}/o.parquet", "as a ROOT file"
    ),
    "not_an_event_file": case(
        "convert {text_lhe} -o {folder}/o.parquet", "neither an LHE file"
    ),
    "csv_output": case(f"convert {POWHEG_LHE} -o {{folder}}/o.csv", ".parquet"),
    "missing_output_folder": case(
        f"convert {POWHEG_LHE} -o {{missing_folder}}/o.parquet", "does not exist"
    ),
    "missing_tree": case(
        f"convert {ZMUMU_ROOT} --tree nosuch -o {{folder}}/o.parquet",
        "TTree 'nosuch' not found",
    ),
    "missing_branch": case(
        f"convert {ZMUMU_ROOT} --branches M,Mx -o {{folder}}/o.parquet",
        "branch 'Mx' not found",
    ),
    "reweight_root": case(
        f"convert {ZMUMU_ROOT} --reweight zlineshape -o {{folder}}/o.parquet",
        "needs generator-level LHE",
    ),
    "empty_window": case(
        f"convert {POWHEG_LHE} --mll-window 120,60 -o {{folder}}/o.parquet",
        "is empty",
    ),
    "mixed_inputs": case(
        f"convert {POWHEG_LHE} {ZMUMU_ROOT} -o {{folder}}/o.parquet", "mix LHE and ROOT"
    ),
}

ALL_CASES = {
    f"{cases_name}-{name}": value
    for cases_name, table in (
        ("info", INFO_CASES),
        ("generate", GENERATE_CASES),
        ("train", TRAIN_CASES),
        ("fit", FIT_CASES),
        ("run", RUN_CASES),
        ("convert", CONVERT_CASES),
    )
    for name, value in table.items()
}


def assert_one_line_error(status: int, stderr: str, command: str, message: str) -> None:
    """Check the CLI contract for a user error."""
    assert status == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"fipfit {command}: error: "), lines[0]
    assert message in lines[0]


@pytest.mark.parametrize("name", sorted(ALL_CASES))
def test_user_error_one_line(
    name: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = ALL_CASES[name]
    argv = bad.resolve(files)
    status = main(argv)
    captured = capsys.readouterr()
    assert_one_line_error(status, captured.err, argv[0], bad.message)
    assert captured.out == ""


DEBUG_CASES = [
    "info-nan_derivative",
    "info-truncated_parquet",
    "generate-unknown_setting",
    "train-missing_feature",
    "fit-zero_luminosity",
    "run-unknown_key",
    "convert-truncated_gzip",
]


@pytest.mark.parametrize("name", DEBUG_CASES)
def test_debug_raises_error(name: str, files: dict[str, Path]) -> None:
    with pytest.raises(FipfitError, match=re.escape(ALL_CASES[name].message)):
        main(["--debug", *ALL_CASES[name].resolve(files)])


def run_fipfit(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PYTHONWARNINGS="default", COLUMNS="80")
    return subprocess.run(
        [sys.executable, "-m", "fipfit", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=300,
        check=False,
    )


SUBPROCESS_CASES = [
    "info-nan_derivative",
    "info-misspelt_weight",
    "generate-zero_events",
    "train-misspelt_feature",
    "fit-corrupt_model",
    "run-invalid_toml",
    "convert-truncated_lhe",
]


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_subprocess_error_one_line(name: str, files: dict[str, Path]) -> None:
    bad = ALL_CASES[name]
    argv = bad.resolve(files)
    result = run_fipfit(argv, files["folder"])
    assert_one_line_error(result.returncode, result.stderr, argv[0], bad.message)
    assert result.stdout == ""


def test_subprocess_debug_shows_traceback(files: dict[str, Path]) -> None:
    result = run_fipfit(
        ["--debug", *INFO_CASES["nan_derivative"].resolve(files)], files["folder"]
    )
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "InvalidEventsError" in result.stderr


# Usage errors found by argparse ------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["info", "{good_csv}", "--bins", "abc"], "invalid int value: 'abc'"),
        (["train", "{good_csv}"], "the following arguments are required"),
        (["fit", "{good_csv}", "--by", "x"], "--luminosity"),
        (["generate"], "the following arguments are required: MODEL"),
        (["convert", "{good_csv}"], "-o/--output"),
        (["run", "--events", "many"], "invalid int value: 'many'"),
        (
            ["info", "{good_csv}", "--by", "x", "--bins", "20", "--edges", "0,1"],
            "argument --edges: not allowed with argument --bins",
        ),
        (
            ["info", "{good_csv}", "--by", "x", "--bins", "10", "--edges", "0,1"],
            "argument --edges: not allowed with argument --bins",
        ),
    ],
)
def test_usage_error_one_line(
    argv: list[str],
    message: str,
    files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        main([part.format(**files) for part in argv])
    stderr = capsys.readouterr().err
    assert caught.value.code == 2
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"fipfit {argv[0]}: error: ")
    assert message in lines[0]
    assert lines[0].endswith(f"(see 'fipfit {argv[0]} --help')")


# Counts and seeds are checked by argparse, with the option's name in the message.
COUNT_CASES = {
    "info-negative_seed": ("info {good_csv} --seed -1", "--seed: must be 0 or a"),
    "generate-negative_seed": (
        "generate peak -n 10 -o {folder}/a.parquet --seed -1",
        "--seed: must be 0 or a",
    ),
    "train-negative_seed": (
        "train {good_parquet} --features x -o {folder}/m.skops --seed -1",
        "--seed: must be 0 or a",
    ),
    "fit-negative_seed": (
        "fit {good_parquet} --by x --luminosity 100 --seed -1",
        "--seed: must be 0 or a",
    ),
    "info-zero_bins": ("info {good_csv} --by x --bins 0", "--bins: must be at least 1"),
    "info-text_bins": ("info {good_csv} --by x --bins 2.5", "invalid int value: '2.5'"),
    "info-zero_prebins": ("info {good_csv} --prebins 0", "--prebins: must be at least"),
    "info-negative_min_weight": (
        "info {good_csv} --binning optimal --min-weight -1",
        "--min-weight: must be a finite number, 0 or larger, got -1",
    ),
    "train-nan_min_weight": (
        "train {good_parquet} --features x --min-weight nan -o {folder}/m.skops",
        "--min-weight: must be a finite number, 0 or larger, got nan",
    ),
    "info-one_bootstrap": (
        "info {good_csv} --bootstrap 1",
        "--bootstrap: must be 0 (no bootstrap) or at least 2, got 1",
    ),
    "info-negative_bootstrap": (
        "info {good_csv} --bootstrap -1",
        "--bootstrap: must be 0 (no bootstrap) or at least 2, got -1",
    ),
    "train-zero_bins": (
        "train {good_parquet} --features x --bins 0 -o {folder}/m.skops",
        "--bins: must be at least 1, got 0",
    ),
    "train-zero_iterations": (
        "train {good_parquet} --features x --max-iter 0 -o {folder}/m.skops",
        "--max-iter: must be at least 1, got 0",
    ),
    "train-negative_bootstrap": (
        "train {good_parquet} --features x --bootstrap -1 -o {folder}/m.skops",
        "--bootstrap: must be 0 (no bootstrap) or at least 2, got -1",
    ),
    "fit-zero_bins": (
        "fit {good_parquet} --by x --luminosity 100 --bins 0",
        "--bins: must be at least 1, got 0",
    ),
    "fit-one_toy": (
        "fit {good_parquet} --by x --luminosity 100 --toys 1",
        "--toys: must be at least 2, got 1",
    ),
}


@pytest.mark.parametrize("name", sorted(COUNT_CASES))
def test_bad_count_is_usage_error(
    name: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    text, message = COUNT_CASES[name]
    argv = [part.format(**files) for part in text.split()]
    with pytest.raises(SystemExit) as caught:
        main(argv)
    stderr = capsys.readouterr().err
    assert caught.value.code == 2
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"fipfit {argv[0]}: error: argument ")
    assert message in lines[0]


def test_unknown_command_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["nosuch"])
    lines = capsys.readouterr().err.splitlines()
    assert caught.value.code == 2
    assert len(lines) == 1
    assert "invalid choice: 'nosuch'" in lines[0]


# Outputs that cannot be written --------------------------------------------------


def test_unwritable_output_folder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Root writes anywhere, so the permission check is simulated.
    monkeypatch.setattr("fipfit.atomic.os.access", lambda path, mode: False)
    status = main(["generate", "peak", "-n", "50", "-o", str(tmp_path / "a.parquet")])
    assert_one_line_error(status, capsys.readouterr().err, "generate", "not writable")
    assert list(tmp_path.iterdir()) == []


def test_disk_full_while_generating(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import pyarrow.parquet as pq

    def fail(table: object, where: object, *args: object, **kwargs: object) -> None:
        Path(str(where)).write_bytes(b"PAR1")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", fail)
    monkeypatch.setattr(pq.ParquetWriter, "write_table", fail)
    status = main(["generate", "peak", "-n", "50", "-o", str(tmp_path / "a.parquet")])
    assert_one_line_error(
        status, capsys.readouterr().err, "generate", "No space left on device"
    )
    assert list(tmp_path.iterdir()) == []


def test_disk_full_during_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The pipeline is replaced by a finished outcome: only the report writing,
    # which fails on its last file, is under test here.
    import fipfit.report.output
    import fipfit.report.pipeline
    from fipfit.report.html import FigureRecord
    from fipfit.report.pipeline import RunOutcome

    figure = FigureRecord(name="fip", title="FIP", caption="FIP", png=b"\x89PNG")
    outcome = RunOutcome(summary={"title": "t", "provenance": {}}, figures=[figure])
    monkeypatch.setattr(
        fipfit.report.pipeline, "run_pipeline", lambda *args, **kwargs: outcome
    )
    monkeypatch.setattr(
        fipfit.report.output, "validate_summary", lambda summary: None, raising=False
    )
    monkeypatch.setattr(
        fipfit.report.output, "render_page", lambda summary, figures: "<html>"
    )
    write_text = Path.write_text

    def fail_on_page(self: Path, data: str, *args: object, **kwargs: object) -> int:
        if self.name != "index.html":
            return write_text(self, data, *args, **kwargs)  # type: ignore[arg-type]
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", fail_on_page)
    status = main(["run", "--out", str(tmp_path / "report"), "--quiet"])
    assert_one_line_error(
        status, capsys.readouterr().err, "run", "No space left on device"
    )
    assert list(tmp_path.iterdir()) == []


def test_out_of_memory_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A real request of 1e11 events could be granted as virtual memory on
    # some systems, so the handler raises MemoryError itself.
    import fipfit.cli.generate

    def exhaust_memory(args: object) -> int:
        raise MemoryError

    monkeypatch.setattr(fipfit.cli.generate, "run", exhaust_memory)
    status = main(["generate", "xsec", "-n", "100", "-o", "a.parquet"])
    assert_one_line_error(status, capsys.readouterr().err, "generate", "out of memory")
    with pytest.raises(MemoryError):
        main(["--debug", "generate", "xsec", "-n", "100", "-o", "a.parquet"])


def test_unwritable_report_folder_before_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The check must come before the pipeline, which can run for minutes.
    import fipfit.report.pipeline

    def pipeline_must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pipeline ran before the output folder was checked")

    monkeypatch.setattr(fipfit.report.pipeline, "run_pipeline", pipeline_must_not_run)
    monkeypatch.setattr("fipfit.report.output.os.access", lambda path, mode: False)
    status = main(["run", "--out", str(tmp_path / "report"), "--quiet"])
    assert_one_line_error(status, capsys.readouterr().err, "run", "is not writable")
    assert list(tmp_path.iterdir()) == []
