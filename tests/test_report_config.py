"""Configuration of ``fipfit run``: examples, defaults and error messages."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from fipfit.cli import main
from fipfit.errors import FipfitError
from fipfit.report.config import SEED_STEPS, derive_seeds, parse_config
from fipfit.report.config_loader import EXAMPLES, example_config, load_config

EXAMPLE_FOLDER = Path(__file__).resolve().parents[1] / "examples"

MINIMAL: dict[str, Any] = {
    "features": ["x", "eta"],
    "input": {"model": "peak", "events": 1000},
    "partitions": [{"kind": "regressor"}],
}


def config_with(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(MINIMAL)
    raw.update(changes)
    return raw


def comparable(raw: dict[str, Any]) -> dict[str, Any]:
    """Return a configuration as plain values, without its source name."""
    values = raw.copy()
    values.pop("source")
    return values


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_file_matches_builtin(name: str) -> None:
    from_file = load_config(EXAMPLE_FOLDER / f"{name}.toml")
    builtin = example_config(name)
    assert comparable(from_file.to_dict()) == comparable(builtin.to_dict())


def test_every_example_file_is_builtin() -> None:
    names = sorted(path.stem for path in EXAMPLE_FOLDER.glob("*.toml"))
    assert names == sorted(EXAMPLES)


def test_minimal_config_defaults() -> None:
    config = parse_config(MINIMAL)
    assert config.partitions[0].name == "regressor"
    assert config.partitions[0].bins == 20
    assert config.partitions[0].binning == "quantile"
    assert config.fit.luminosity == 1.0
    assert config.fit.normalisation == "fixed"
    assert config.split.train + config.split.test + config.split.pseudo_data == 1.0
    assert config.data is None


def test_unknown_top_key_suggests_name() -> None:
    with pytest.raises(FipfitError, match=r"unknown key 'featurs': did you mean"):
        parse_config(config_with(featurs=["x"]))


def test_unknown_nested_key_names_path() -> None:
    raw = config_with(partitions=[{"kind": "regressor", "bin": 5}])
    with pytest.raises(FipfitError, match=r"'partitions\[0\]\.bin'.*'bins'"):
        parse_config(raw)


def test_unknown_key_without_match_lists_keys() -> None:
    raw = config_with(fit={"zzz": 1})
    with pytest.raises(FipfitError, match="allowed keys are luminosity, toys"):
        parse_config(raw)


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        ({"fit": {"toys": "many"}}, r"'fit\.toys' must be an integer.*toys = 200"),
        ({"fit": {"toys": True}}, r"'fit\.toys' must be an integer"),
        ({"fit": {"toys": 1}}, r"'fit\.toys' must be at least 2"),
        ({"fit": {"luminosity": -1.0}}, r"'fit\.luminosity' must be a positive"),
        ({"fit": {"luminosity": "high"}}, r"'fit\.luminosity' must be a number"),
        ({"fit": {"normalisation": "floating"}}, r"must be one of fixed, free"),
        ({"seed": -3}, r"'seed' must be at least 0"),
        ({"features": "x"}, None),
        ({"features": [1, 2]}, r"'features' must be a list of strings"),
        ({"features": []}, r"'features' is missing or empty"),
        ({"title": 5}, r"'title' must be a string"),
        ({"scan": {"bins": [0, 3]}}, r"'scan\.bins' must be a list of positive"),
        ({"fit": 3}, r"'fit' must be a table"),
        ({"partitions": []}, r"'partitions' must be a non-empty list"),
        ({"bootstrap": {"resamples": 1}}, r"'bootstrap\.resamples' must be at least"),
    ],
)
def test_invalid_value_names_key(changes: dict[str, Any], pattern: str | None) -> None:
    raw = config_with(**changes)
    if pattern is None:
        # A single string is accepted as a list of one feature.
        assert parse_config(raw).features == ("x",)
        return
    with pytest.raises(FipfitError, match=pattern):
        parse_config(raw)


def test_split_must_sum_to_one() -> None:
    raw = config_with(split={"train": 0.5, "test": 0.5, "pseudo_data": 0.2})
    with pytest.raises(FipfitError, match=r"must sum to 1, got 0\.5 \+ 0\.5 \+ 0\.2"):
        parse_config(raw)


def test_input_needs_file_or_model() -> None:
    both = config_with(input={"model": "peak", "file": "events.parquet"})
    with pytest.raises(FipfitError, match="exactly one of 'file'"):
        parse_config(both)
    neither = config_with(input={"events": 1000})
    with pytest.raises(FipfitError, match="exactly one of 'file'"):
        parse_config(neither)


def test_file_input_rejects_generator_keys() -> None:
    raw = config_with(input={"file": "events.parquet", "events": 10})
    with pytest.raises(FipfitError, match=r"'input\.events' applies to generated"):
        parse_config(raw)


def test_column_partition_needs_column() -> None:
    raw = config_with(partitions=[{"kind": "column"}])
    with pytest.raises(FipfitError, match=r"'partitions\[0\]\.column' is missing"):
        parse_config(raw)
    raw = config_with(partitions=[{"kind": "regressor", "column": "x"}])
    with pytest.raises(FipfitError, match=r'applies to kind = "column" only'):
        parse_config(raw)


def test_partition_names_are_unique() -> None:
    raw = config_with(partitions=[{"kind": "regressor"}, {"kind": "regressor"}])
    with pytest.raises(FipfitError, match=r"\['regressor'\] are used more than"):
        parse_config(raw)


def test_data_names_known_partitions() -> None:
    raw = config_with(
        data={"file": "d.parquet", "luminosity": 1.0, "partitions": ["x"]}
    )
    with pytest.raises(FipfitError, match="unknown partition 'x'"):
        parse_config(raw)
    raw = config_with(data={"file": "d.parquet"})
    with pytest.raises(FipfitError, match=r"'data\.luminosity' is missing"):
        parse_config(raw)


def test_relative_paths_start_at_config(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text(
        'features = ["x"]\n'
        "[input]\n"
        'file = "events.parquet"\n'
        "[[partitions]]\n"
        'kind = "regressor"\n'
        "[data]\n"
        'file = "data/d.csv"\n'
        "luminosity = 2.5\n"
    )
    config = load_config(path)
    assert config.input.file == tmp_path / "events.parquet"
    assert config.data is not None
    assert config.data.file == tmp_path / "data" / "d.csv"


def test_invalid_toml_names_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("features = [\n")
    with pytest.raises(FipfitError, match=r"broken\.toml: invalid TOML"):
        load_config(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(FipfitError, match="not found"):
        load_config(tmp_path / "absent.toml")


def test_unknown_example_lists_choices() -> None:
    with pytest.raises(FipfitError, match="choose one of eft, peak, xsec"):
        example_config("nope")


def test_seeds_derive_from_root() -> None:
    seeds = derive_seeds(7)
    assert tuple(seeds) == SEED_STEPS
    assert len(set(seeds.values())) == len(SEED_STEPS)
    assert derive_seeds(7) == seeds
    other = derive_seeds(8)
    assert all(other[step] != seeds[step] for step in SEED_STEPS)


def test_cli_rejects_unknown_example(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["run", "--example", "nope", "--out", "unused"])
    assert status == 2
    message = capsys.readouterr().err
    assert "unknown example 'nope'" in message
    assert len(message.strip().splitlines()) == 1


def test_cli_rejects_existing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    out.mkdir()
    (out / "keep.txt").write_text("old")
    status = main(["run", "--out", str(out), "--quiet"])
    assert status == 2
    assert "pass --force" in capsys.readouterr().err
    assert (out / "keep.txt").read_text() == "old"


def test_cli_rejects_events_for_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "run.toml"
    path.write_text(
        'features = ["x"]\n[input]\nfile = "e.parquet"\n'
        '[[partitions]]\nkind = "regressor"\n'
    )
    status = main(["run", str(path), "--events", "500", "--out", str(tmp_path / "r")])
    assert status == 2
    assert "--events sets the size of generated inputs" in capsys.readouterr().err


def test_cli_rejects_config_and_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["run", "x.toml", "--example", "peak"])
    assert status == 2
    assert "not both" in capsys.readouterr().err


def test_model_settings_keys_checked() -> None:
    raw = config_with(regressor={"max_iters": 5})
    with pytest.raises(FipfitError, match=r"'regressor\.max_iters': did you mean"):
        parse_config(raw)
    raw = config_with(classifier={"random_state": 5})
    with pytest.raises(FipfitError, match="set by the run's seed"):
        parse_config(raw)
    raw = config_with(regressor={"model": "forest"})
    with pytest.raises(FipfitError, match="must be one of hgb, lightgbm"):
        parse_config(raw)
    settings = {"model": "mlp", "max_iter": 5, "hidden_layer_sizes": [8]}
    assert parse_config(config_with(regressor=settings)).regressor == settings


def test_threads_default_and_minimum() -> None:
    assert parse_config(MINIMAL).threads == 1
    assert parse_config(config_with(threads=2)).threads == 2
    with pytest.raises(FipfitError, match="'threads' must be at least 1"):
        parse_config(config_with(threads=0))


def test_cli_rejects_zero_threads(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["run", "--threads", "0", "--out", "unused"])
    assert status == 2
    assert "--threads must be at least 1" in capsys.readouterr().err
