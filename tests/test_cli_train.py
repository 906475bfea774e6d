"""``fipfit train``, ``fipfit info --model`` and the model files between them."""

from __future__ import annotations

import hashlib
import json
import warnings

import numpy as np
import pytest
import skops.io
from numpy.testing import assert_allclose
from threadpoolctl import threadpool_limits

import fipfit.modelfile
from fipfit.binning import labels_within_edges, optimal_edges
from fipfit.cli import main
from fipfit.errors import FileFormatError, FipfitError, FipfitWarning
from fipfit.formats.table import read_events, write_events
from fipfit.information import partition_information
from fipfit.modelfile import load_model, save_model
from fipfit.regression import GammaRegressor
from fipfit.toymodels import generate

#: Mark of tests that run info on the training file, which is faster than
#: making another file; test_info_model_warns_on_training_file tests the warning.
ON_TRAINING_FILE = pytest.mark.filterwarnings(
    "ignore:.*biased upwards:fipfit.errors.FipfitWarning"
)


@pytest.fixture(autouse=True)
def one_thread():
    """Train with one thread: OpenMP threads competing for busy cores slow the
    small fits here several times over, and the results do not depend on it."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def peak_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("events") / "peak.parquet"
    write_events(generate("peak", 8000, random_state=2), path)
    return path


@pytest.fixture(scope="module")
def trained(peak_file, tmp_path_factory):
    """A regressor trained by the command line, and its JSON summary."""
    model = tmp_path_factory.mktemp("models") / "peak.skops"
    with threadpool_limits(limits=1):
        status, summary = run_json(
            [
                "train",
                str(peak_file),
                "--features",
                "x,eta",
                "--seed",
                "1",
                "--bootstrap",
                "20",
                "-o",
                str(model),
            ]
        )
    assert status == 0
    return model, summary


def run_json(argv):
    """Run the command line with --json and return the status and parsed output."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = main([*argv, "--json"])
    text = buffer.getvalue()
    return status, json.loads(text) if status == 0 else text


def test_train_reports_train_and_test_fip(trained):
    model, summary = trained
    assert model.is_file()
    assert summary["features"] == ["x", "eta"]
    assert summary["n_train"] + summary["n_test"] == 12_000
    row = summary["fip"][0]
    assert row["parameter"] == "theta"
    assert row["n_bins"] == 20
    # 4000 test events: FIP near the (x, eta) limit 0.32, error about 0.01.
    assert 0.2 < row["fip_test"] < 0.4
    assert 0 < row["fip_test_error"] < 0.03
    assert row["fip_train"] > 0


def test_train_records_file_checksum(trained, peak_file):
    recorded = load_model(trained[0]).metadata["training_file_fingerprint"]
    # Reference: hashlib over the whole file, independent of the chunked reader.
    expected = hashlib.sha256(peak_file.read_bytes()).hexdigest()

    assert recorded["sha256"] == expected
    assert recorded["size"] == peak_file.stat().st_size


def test_info_model_warns_on_training_file(trained, peak_file):
    argv = ["info", str(peak_file), "--model", str(trained[0]), "--bootstrap", "0"]
    with pytest.warns(FipfitWarning, match="biased upwards"):
        status, _ = run_json(argv)

    assert status == 0


def test_info_model_quiet_on_other_file(trained, tmp_path):
    path = tmp_path / "other.parquet"
    write_events(generate("peak", 2000, random_state=9), path)
    argv = ["info", str(path), "--model", str(trained[0]), "--bootstrap", "0"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", FipfitWarning)
        status, _ = run_json(argv)

    assert status == 0


@ON_TRAINING_FILE
def test_info_model_partitions_by_output(trained, peak_file):
    model, _ = trained
    status, summary = run_json(
        [
            "info",
            str(peak_file),
            "--model",
            str(model),
            "--bins",
            "10",
            "--binning",
            "optimal",
            "--bootstrap",
            "0",
        ]
    )
    assert status == 0
    assert summary["partition"]["model"] == str(model)
    assert summary["partition"]["binning"] == "optimal"
    assert summary["n_bins"] == 10

    events = read_events(peak_file)
    values = load_model(model).output(events)
    chosen = events.selected
    edges = optimal_edges(
        values[chosen], events.weight[chosen], events.dweight[chosen], 10
    )
    labels = labels_within_edges(values, edges)
    expected = partition_information(events, labels, 10).fip[0]
    assert_allclose(summary["fip"], expected, rtol=1e-12)
    assert_allclose(summary["partition"]["edges"], edges)


def test_info_by_column_with_optimal_binning(peak_file):
    status, summary = run_json(
        [
            "info",
            str(peak_file),
            "--by",
            "x",
            "--bins",
            "5",
            "--binning",
            "optimal",
            "--prebins",
            "200",
            "--bootstrap",
            "0",
        ]
    )
    assert status == 0
    events = read_events(peak_file)
    x = events.column("x")
    chosen = events.selected
    edges = optimal_edges(
        x[chosen], events.weight[chosen], events.dweight[chosen], 5, n_prebins=200
    )
    assert_allclose(summary["partition"]["edges"], edges)


@ON_TRAINING_FILE
def test_train_classifier_then_info(peak_file, tmp_path, capsys):
    model = tmp_path / "classifier.skops"
    status = main(
        [
            "train",
            str(peak_file),
            "--features",
            "x,eta",
            "--kind",
            "classifier",
            "--max-iter",
            "30",
            "--bootstrap",
            "0",
            "-o",
            str(model),
        ]
    )
    assert status == 0
    assert "test" in capsys.readouterr().out
    loaded = load_model(model)
    assert loaded.kind == "classifier"
    status, summary = run_json(
        ["info", str(peak_file), "--model", str(model), "--bootstrap", "0"]
    )
    assert status == 0
    assert 0 < summary["fip"] < 0.3


def test_train_missing_feature_fails(peak_file, tmp_path, capsys):
    status = main(
        ["train", str(peak_file), "--features", "x,et", "-o", str(tmp_path / "m.skops")]
    )
    assert status == 2
    assert "'et' not found: did you mean 'eta'?" in capsys.readouterr().err
    assert not (tmp_path / "m.skops").exists()


def test_train_too_few_events_fails(tmp_path, capsys):
    path = tmp_path / "small.parquet"
    write_events(generate("peak", 20, random_state=0), path)
    output = tmp_path / "m.skops"
    status = main(["train", str(path), "--features", "x", "-o", str(output)])
    assert status == 2
    assert "too few" in capsys.readouterr().err


def test_info_model_on_file_without_features(trained, tmp_path, capsys):
    model, _ = trained
    frame = generate("peak", 500, random_state=0).drop(columns=["eta"])
    path = tmp_path / "no_eta.parquet"
    write_events(frame, path)
    status = main(["info", str(path), "--model", str(model)])
    assert status == 2
    assert "lack ['eta']" in capsys.readouterr().err


def test_info_min_weight_too_large(peak_file, capsys):
    status = main(
        [
            "info",
            str(peak_file),
            "--by",
            "x",
            "--binning",
            "optimal",
            "--bins",
            "20",
            "--min-weight",
            "3000",
        ]
    )
    assert status == 2
    assert "cannot make 20 bins" in capsys.readouterr().err


def test_info_min_weight_needs_optimal(peak_file, capsys):
    status = main(["info", str(peak_file), "--by", "x", "--min-weight", "10"])
    assert status == 2
    assert "--binning optimal only" in capsys.readouterr().err


def test_info_model_and_by_exclusive(trained, peak_file):
    model, _ = trained
    with pytest.raises(SystemExit):
        main(["info", str(peak_file), "--by", "x", "--model", str(model)])


def test_info_corrupt_model_fails(peak_file, tmp_path, capsys):
    model = tmp_path / "broken.model"
    model.write_bytes(b"not a zip archive")
    status = main(["info", str(peak_file), "--model", str(model)])
    assert status == 2
    assert "cannot read model file" in capsys.readouterr().err


def test_truncated_model_raises(trained, tmp_path):
    model, _ = trained
    truncated = tmp_path / "truncated.model"
    content = model.read_bytes()
    truncated.write_bytes(content[: len(content) // 2])
    with pytest.raises(FileFormatError, match="corrupt, truncated"):
        load_model(truncated)


def test_model_from_other_version_raises(tmp_path, monkeypatch):
    X = np.random.default_rng(0).normal(size=(200, 2))
    regressor = GammaRegressor(max_iter=5).fit(X, X[:, 0])
    monkeypatch.setattr(fipfit.modelfile, "_version", lambda: "0.0.1")
    path = save_model(
        tmp_path / "old.model",
        regressor,
        features=["a", "b"],
        kind="regressor",
        parameters=["theta"],
    )
    monkeypatch.undo()
    with pytest.raises(FipfitError, match=r"written by fipfit 0\.0\.1"):
        load_model(path)


def test_model_feature_mismatch_raises(trained):
    model, _ = trained
    assert load_model(model, features=["x", "eta"]).features == ("x", "eta")
    with pytest.raises(FipfitError, match="trained on features"):
        load_model(model, features=["eta", "x"])


def test_model_keeps_metadata_and_predictions(trained, peak_file):
    model, summary = trained
    loaded = load_model(model)
    assert loaded.metadata["fip"] == summary["fip"]
    assert loaded.fipfit_version == fipfit.__version__
    events = read_events(peak_file)
    direct = loaded.estimator.predict(events.features(["x", "eta"]))
    assert_allclose(loaded.output(events), direct, rtol=0)


class Untrusted:
    """A class that a model file must not be allowed to instantiate."""

    def __init__(self):
        self.value = 1


def test_untrusted_type_raises(tmp_path):
    path = tmp_path / "evil.model"
    skops.io.dump({"format": "fipfit-model", "estimator": Untrusted()}, path)
    with pytest.raises(FileFormatError, match="does not trust"):
        load_model(path)


def test_save_model_checks_estimator(tmp_path):
    with pytest.raises(FipfitError, match="not fitted"):
        save_model(
            tmp_path / "m",
            GammaRegressor(),
            features=["a"],
            kind="regressor",
            parameters=["theta"],
        )
    X = np.random.default_rng(0).normal(size=(100, 2))
    fitted = GammaRegressor(max_iter=3).fit(X, X[:, 0])
    with pytest.raises(FipfitError, match="reads 2 features but 1 names"):
        save_model(
            tmp_path / "m",
            fitted,
            features=["a"],
            kind="regressor",
            parameters=["theta"],
        )
    with pytest.raises(FipfitError, match="kind must be one of"):
        save_model(
            tmp_path / "m",
            fitted,
            features=["a", "b"],
            kind="tree",
            parameters=["theta"],
        )
    assert not (tmp_path / "m").exists()


@ON_TRAINING_FILE
def test_several_parameters_need_param(tmp_path, capsys):
    path = tmp_path / "eft.parquet"
    write_events(generate("eft", 6000, random_state=1), path)
    model = tmp_path / "eft.skops"
    status = main(
        [
            "train",
            str(path),
            "--features",
            "e1,e2,phi",
            "--max-iter",
            "30",
            "--bootstrap",
            "0",
            "--bins",
            "5",
            "-o",
            str(model),
        ]
    )
    assert status == 0
    assert load_model(model).parameters == ("c1", "c2")
    capsys.readouterr()

    status = main(["info", str(path), "--model", str(model), "--bootstrap", "0"])
    assert status == 2
    assert "choose one with --param" in capsys.readouterr().err
    status, summary = run_json(
        [
            "info",
            str(path),
            "--model",
            str(model),
            "--param",
            "c2",
            "--bins",
            "5",
            "--bootstrap",
            "0",
        ]
    )
    assert status == 0
    assert summary["parameters"] == "c2"
    assert 0 < summary["fip"] < 1
