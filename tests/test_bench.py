"""The benchmark scripts still import and agree with fipfit on tiny inputs.

The benchmarks themselves are not part of the test suite: they take minutes
and their numbers depend on the machine. No test here measures time.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest

from fipfit.events import Events
from fipfit.information import partition_information

ROOT = Path(__file__).resolve().parents[1]
MODULES = [
    "bench.information",
    "bench.binning",
    "bench.toys",
    "bench.dask_scaling",
    "bench.madminer_comparison",
    "bench.regression",
    "bench.training_size",
    "bench.report",
    "bench.run_all",
]


@pytest.fixture(autouse=True)
def repository_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))


@pytest.mark.parametrize("name", MODULES)
def test_benchmark_imports(name: str) -> None:
    module = importlib.import_module(name)

    assert callable(module.main)


def test_numpy_baseline_matches_fipfit() -> None:
    information = importlib.import_module("bench.information")
    rng = np.random.default_rng(0)
    w = rng.exponential(size=5000)
    d = w * rng.normal(size=5000)
    labels = rng.integers(0, information.N_BINS, size=5000).astype(np.intp)

    baseline = information.numpy_fip(labels, w, d)

    expected = partition_information(Events.from_arrays(w, d), labels, 100).fip[0]
    assert baseline == pytest.approx(expected, rel=1e-12)


def test_report_table_lists_every_benchmark() -> None:
    report = importlib.import_module("bench.report")

    lines = report.table().splitlines()

    assert len(lines) == 2 + len(report.ROWS)
