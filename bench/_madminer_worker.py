"""Run MadMiner on given events: information, or a SALLY score estimator.

Runs in the separate benchmark environment that has MadMiner (``madminer``
needs ``torch``, which fipfit does not). ``bench/madminer.py`` starts it with
that environment's Python and reads one JSON object from its stdout;
``bench/regression.py`` starts it in ``sally`` mode.

MadMiner stores per-event weights at benchmark points of theta and morphs
between them. A linear morphing of two benchmarks, theta = 0 carrying w and
theta = 1 carrying w + d, gives weight w and derivative d at theta = 0.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np


def build_file(path: Path, x: np.ndarray, w: np.ndarray, d: np.ndarray) -> None:
    """Write a MadMiner HDF5 file with a linear morphing in one parameter."""
    from madminer.core import MadMiner
    from madminer.models import Observable
    from madminer.utils.interfaces.hdf5 import save_events

    miner = MadMiner()
    miner.add_parameter(
        lha_block="fipfit",
        lha_id=1,
        parameter_name="theta",
        morphing_max_power=1,
        parameter_range=(0.0, 1.0),
    )
    miner.add_benchmark({"theta": 0.0}, "zero")
    miner.add_benchmark({"theta": 1.0}, "one")
    miner.set_morphing(include_existing_benchmarks=True, max_overall_power=1)
    miner.save(str(path))
    save_events(
        file_name=str(path),
        file_override=True,
        observables={"x": Observable(name="x", val_expression="x")},
        observations={"x": x},
        weights={"zero": w, "one": w + d},
        sampling_benchmarks=np.zeros(x.size, dtype=int),
        num_signal_events=[x.size],
        num_background_events=0,
    )


def information(args: argparse.Namespace) -> dict[str, object]:
    """Time MadMiner's truth and histogram information of the events."""
    from madminer.fisherinformation import FisherInformation

    arrays = np.load(args.events)
    edges = np.load(args.edges)
    x, w, d = arrays["x"], arrays["weight"], arrays["dweight"]
    path = Path(args.workdir) / "events.h5"

    start = time.perf_counter()
    build_file(path, x, w, d)
    build_seconds = time.perf_counter() - start

    fisher = FisherInformation(str(path), include_nuisance_parameters=False)
    theta = np.array([0.0])
    start = time.perf_counter()
    truth, _ = fisher.truth_information(
        theta, luminosity=1.0, include_nuisance_parameters=False
    )
    truth_seconds = time.perf_counter() - start
    start = time.perf_counter()
    histogram, _ = fisher.histo_information(
        theta, luminosity=1.0, observable="x", bins=edges
    )
    histogram_seconds = time.perf_counter() - start
    return {
        "truth_information": float(truth[0, 0]),
        "histogram_information": float(histogram[0, 0]),
        "build_seconds": build_seconds,
        "truth_seconds": truth_seconds,
        "histogram_seconds": histogram_seconds,
    }


def sally(args: argparse.Namespace) -> dict[str, object]:
    """Train MadMiner's SALLY score estimator with its defaults and score x_test.

    The training events are unweighted (every weight is 1), as SALLY expects,
    and t_xz is their joint score d / w at theta_0.
    """
    from madminer.ml import ScoreEstimator

    arrays = np.load(args.events)
    folder = Path(args.workdir)
    np.save(folder / "x_train.npy", arrays["x_train"])
    np.save(folder / "t_train.npy", arrays["t_train"])
    estimator = ScoreEstimator()
    start = time.perf_counter()
    estimator.train(
        method="sally",
        x=str(folder / "x_train.npy"),
        t_xz=str(folder / "t_train.npy"),
    )
    seconds = time.perf_counter() - start
    score = np.asarray(estimator.evaluate_score(x=arrays["x_test"]))
    np.save(folder / "score.npy", score.reshape(len(arrays["x_test"]), -1)[:, 0])
    return {"train_seconds": seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="mode", required=True)
    info = subparsers.add_parser("information")
    info.add_argument("events", help=".npz file with arrays x, weight, dweight")
    info.add_argument("edges", help=".npy file with the histogram's bin edges")
    info.add_argument("workdir", help="folder for the MadMiner HDF5 file")
    score = subparsers.add_parser("sally")
    score.add_argument("events", help=".npz file with x_train, t_train, x_test")
    score.add_argument("workdir", help="folder for inputs and score.npy")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    from importlib.metadata import version

    result = information(args) if args.mode == "information" else sally(args)
    json.dump({**result, "madminer_version": version("madminer")}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
