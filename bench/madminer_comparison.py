"""Ideal and histogram information against MadMiner on the same 10^6 events.

MadMiner (PyPI ``madminer``) needs PyTorch, which is no dependency of fipfit,
so it lives in a separate environment: by default ``/work/bench-venv``,
made with ``python3.11 -m venv /work/bench-venv``, then
``/work/bench-venv/bin/pip install torch==2.13.0`` (the CPU wheel) and
``/work/bench-venv/bin/pip install madminer``. This script, run with the
project's Python, writes the events, times fipfit on them, and runs
``bench/_madminer_worker.py`` with that environment's Python, which builds
the MadMiner HDF5 file and times ``FisherInformation.truth_information`` and
``histo_information``.

Both codes must agree to 1e-9 relative. ``speedup`` is MadMiner's time over
fipfit's for the same two numbers (truth plus histogram information; building
the HDF5 file is not counted).

Usage: ``python -m bench.madminer_comparison [--events N] [--python PATH]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench._common import best_times, write_result
from fipfit.binning import labels_from_edges
from fipfit.events import Events
from fipfit.information import ideal_information, partition_information

WORKER = Path(__file__).resolve().parent / "_madminer_worker.py"
N_BINS = 20


def make_events(n_events: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return x, w and d of a shuffled sample: half with gamma = x_true."""
    rng = np.random.default_rng(0)
    x_true = rng.normal(size=n_events)
    weight = rng.exponential(size=n_events)
    sensitive = rng.random(n_events) < 0.5
    dweight = np.where(sensitive, weight * x_true, 0.0)
    x = x_true + rng.normal(scale=0.5, size=n_events)
    order = rng.permutation(n_events)
    return x[order], weight[order], dweight[order]


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10**6)
    parser.add_argument(
        "--python",
        default="/work/bench-venv/bin/python",
        help="Python of the environment with MadMiner",
    )
    args = parser.parse_args(argv)

    x, w, d = make_events(args.events)
    # Edges wider than the data leave MadMiner's overflow bins empty, and no
    # event lies on a round edge, so both codes bin every event alike.
    low, high = np.floor(x.min()) - 1.0, np.ceil(x.max()) + 1.0
    edges = np.linspace(low, high, N_BINS + 1)
    assert not np.isin(x, edges).any()

    def fipfit_numbers() -> tuple[float, float]:
        events = Events.from_arrays(w, d)
        result = partition_information(events, labels_from_edges(x, edges), N_BINS)
        return float(result.ideal_information[0, 0]), float(result.information[0, 0])

    fipfit_ideal, fipfit_histogram = fipfit_numbers()
    assert fipfit_ideal == float(ideal_information(w, d)[0, 0])
    fipfit_seconds = best_times({"fipfit": fipfit_numbers}, 5)["fipfit"]

    with tempfile.TemporaryDirectory(prefix="fipfit-madminer-") as name:
        folder = Path(name)
        np.savez(folder / "events.npz", x=x, weight=w, dweight=d)
        np.save(folder / "edges.npy", edges)
        completed = subprocess.run(
            [
                args.python,
                str(WORKER),
                "information",
                str(folder / "events.npz"),
                str(folder / "edges.npy"),
                str(folder),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"the MadMiner worker failed with {completed.returncode}")
    madminer = json.loads(completed.stdout)

    madminer_seconds = madminer["truth_seconds"] + madminer["histogram_seconds"]
    differences = [
        abs(madminer["truth_information"] / fipfit_ideal - 1.0),
        abs(madminer["histogram_information"] / fipfit_histogram - 1.0),
    ]
    result = {
        "speedup": madminer_seconds / fipfit_seconds,
        "max_rel_diff": max(differences),
        "fipfit_seconds": fipfit_seconds,
        "madminer_seconds": madminer_seconds,
        "madminer_truth_seconds": madminer["truth_seconds"],
        "madminer_histogram_seconds": madminer["histogram_seconds"],
        "madminer_build_seconds": madminer["build_seconds"],
        "fipfit_ideal_information": fipfit_ideal,
        "madminer_truth_information": madminer["truth_information"],
        "fipfit_histogram_information": fipfit_histogram,
        "madminer_histogram_information": madminer["histogram_information"],
        "madminer_version": madminer["madminer_version"],
        "n_events": args.events,
        "n_bins": N_BINS,
    }
    write_result("madminer", result)
    if result["max_rel_diff"] > 1e-9:
        raise SystemExit(f"fipfit and MadMiner differ by {result['max_rel_diff']:.3g}")
    return result


if __name__ == "__main__":
    print(main())
