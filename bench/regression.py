"""Training a gamma regressor to 97% of the detector limit, against SALLY.

Toy model ``peak``: 10^6 training and 10^6 held-out signal events (with the
model's background). The detector limit is the model's reference
information of fine partitions of (x, eta) over its ideal information.
`fit_gamma_regressor` (defaults: histogram gradient boosting) is trained on
growing subsets of the selected training events until its held-out FIP,
with 100 equal-weight bins of its output, reaches 97% of that limit.
``fipfit_seconds`` is the training time of the subset that first reaches it.

MadMiner's SALLY score estimator (``ScoreEstimator``, every training
default: 50 epochs, batch size 128, early stopping) learns the same target,
the joint score t(x, z) = d / w, on the same selected training events of
the subset that reached 97%, in the separate MadMiner environment (see
``bench/madminer_comparison.py``). Its output is binned and scored the same way.

Usage: ``python -m bench.regression [--events N] [--python PATH] [--no-sally]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench._common import write_result
from fipfit.binning import labels_from_edges, quantile_edges
from fipfit.events import Events
from fipfit.information import partition_information
from fipfit.regression import fit_gamma_regressor
from fipfit.toymodels import generate_events, get_model

WORKER = Path(__file__).resolve().parent / "_madminer_worker.py"
FEATURES = ["x", "eta"]
N_BINS = 100
TARGET = 0.97


def held_out_fip(test: Events, score: np.ndarray) -> float:
    """Return the FIP of 100 equal-weight bins of `score` on the test events."""
    chosen = test.selected
    edges = quantile_edges(score[chosen], test.weight[chosen], N_BINS)
    labels = labels_from_edges(score, edges)
    return float(partition_information(test, labels, edges.size - 1).fip[0])


def run_sally(
    python: str, train: Events, test: Events
) -> tuple[float, np.ndarray, str]:
    """Train SALLY in the MadMiner environment; return seconds, scores, version."""
    with tempfile.TemporaryDirectory(prefix="fipfit-sally-") as name:
        folder = Path(name)
        np.savez(
            folder / "events.npz",
            x_train=train.features(FEATURES),
            t_train=train.gamma[:, :1],
            x_test=test.features(FEATURES),
        )
        completed = subprocess.run(
            [python, str(WORKER), "sally", str(folder / "events.npz"), str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            sys.stderr.write(completed.stderr[-4000:])
            raise SystemExit(f"the SALLY worker failed with {completed.returncode}")
        output = json.loads(completed.stdout.strip().splitlines()[-1])
        score = np.load(folder / "score.npy")
    return float(output["train_seconds"]), score, str(output["madminer_version"])


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10**6)
    parser.add_argument("--python", default="/work/bench-venv/bin/python")
    parser.add_argument("--no-sally", action="store_true", help="skip MadMiner")
    args = parser.parse_args(argv)

    train_all = generate_events("peak", args.events, random_state=10)
    test = generate_events("peak", args.events, random_state=11)
    # The generator lists signal before background: shuffle, so that every
    # subset has both.
    train_all = train_all.take(train_all.selected)
    train_all = train_all.take(np.random.default_rng(12).permutation(len(train_all)))
    reference = get_model("peak").reference_information(1.0)
    limit = float(reference["x_eta"][0, 0] / reference["ideal"][0, 0])

    sizes = [size for size in (30_000, 100_000, 300_000) if size < len(train_all)]
    rows = []
    for size in [*sizes, len(train_all)]:
        train = train_all.take(np.arange(size))
        start = time.perf_counter()
        regressor = fit_gamma_regressor(train, FEATURES, random_state=0)
        seconds = time.perf_counter() - start
        fip = held_out_fip(test, regressor.predict(test.features(FEATURES)))
        rows.append({"n_train": size, "seconds": seconds, "fip": fip})
        if fip >= TARGET * limit:
            break
    reached = rows[-1]

    result: dict[str, object] = {
        "fipfit_fip": reached["fip"],
        "fipfit_seconds": reached["seconds"],
        "fipfit_fraction_of_limit": reached["fip"] / limit,
        "fipfit_reached_target": reached["fip"] >= TARGET * limit,
        "fipfit_n_train": reached["n_train"],
        "fipfit_ladder": rows,
        "detector_limit_fip": limit,
        "target_fraction": TARGET,
        "n_bins": N_BINS,
        "n_events": args.events,
    }
    if not args.no_sally:
        train = train_all.take(np.arange(int(reached["n_train"])))
        sally_seconds, score, version = run_sally(args.python, train, test)
        sally_fip = held_out_fip(test, score)
        result.update(
            {
                "sally_fip": sally_fip,
                "sally_seconds": sally_seconds,
                "sally_fraction_of_limit": sally_fip / limit,
                "sally_n_train": len(train),
                "madminer_version": version,
                "speedup": sally_seconds / float(reached["seconds"]),
            }
        )
    write_result("regression", result)
    return result


if __name__ == "__main__":
    print(main())
