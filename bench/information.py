"""Speed of I(P) against the bare numpy computation of the same numbers.

Two cases, 100 bins of 10^7 events each: labels given, and labels from a
column and bin edges. The baseline computes the same FIP with nothing but
numpy: two weighted ``np.bincount`` passes for W_k and D_k, and
``np.dot(d, d / w)`` for I_ideal (plus ``np.searchsorted`` for the edges
case). That is close to the memory-bandwidth floor, so the ratio measures
what fipfit's validation and diagnostics (sum of w^2 per bin, counts,
sensitive-only sums, shape-only terms) cost on top. Target: at most 3.

Usage: ``python -m bench.information [--events N] [--repeat R]``
"""

from __future__ import annotations

import argparse

import numpy as np

from bench._common import best_times, write_result
from fipfit.binning import labels_from_edges
from fipfit.events import Events
from fipfit.information import partition_information

N_BINS = 100


def numpy_fip(labels: np.ndarray, w: np.ndarray, d: np.ndarray) -> float:
    """Return I(P) / I_ideal from two bincounts and one dot product."""
    bin_weight = np.bincount(labels, weights=w, minlength=N_BINS)
    bin_dweight = np.bincount(labels, weights=d, minlength=N_BINS)
    information = float(np.sum(bin_dweight * (bin_dweight / bin_weight)))
    return information / float(np.dot(d, d / w))


def numpy_fip_edges(
    x: np.ndarray, edges: np.ndarray, w: np.ndarray, d: np.ndarray
) -> float:
    """Return the FIP of bins of `x`, events outside the edges dropped."""
    labels = np.searchsorted(edges, x, side="right") - 1
    inside = (labels >= 0) & (labels < N_BINS)
    bin_weight = np.bincount(labels[inside], weights=w[inside], minlength=N_BINS)
    bin_dweight = np.bincount(labels[inside], weights=d[inside], minlength=N_BINS)
    information = float(np.sum(bin_dweight * (bin_dweight / bin_weight)))
    return information / float(np.dot(d, d / w))


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10**7)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    x_true = rng.normal(size=args.events)
    w = rng.exponential(size=args.events)
    d = w * x_true
    x = x_true + rng.normal(size=args.events)
    events = Events.from_arrays(w, d, features={"x": x})
    labels = rng.integers(0, N_BINS, size=args.events).astype(np.intp)
    edges = np.linspace(-4.0, 4.0, N_BINS + 1)

    fipfit_fip = float(partition_information(events, labels, N_BINS).fip[0])
    assert abs(fipfit_fip - numpy_fip(labels, w, d)) <= 1e-9 * fipfit_fip
    fipfit_edges = float(
        partition_information(events, labels_from_edges(x, edges), N_BINS).fip[0]
    )
    assert abs(fipfit_edges - numpy_fip_edges(x, edges, w, d)) <= 1e-9 * fipfit_edges

    times = best_times(
        {
            "fipfit": lambda: partition_information(events, labels, N_BINS),
            "numpy": lambda: numpy_fip(labels, w, d),
            "dot": lambda: np.dot(d, d / w),
            "fipfit_edges": lambda: partition_information(
                events, labels_from_edges(events.column("x"), edges), N_BINS
            ),
            "numpy_edges": lambda: numpy_fip_edges(x, edges, w, d),
        },
        args.repeat,
    )
    result = {
        "ratio": times["fipfit"] / times["numpy"],
        "ratio_edges": times["fipfit_edges"] / times["numpy_edges"],
        "ratio_vs_dot": times["fipfit"] / times["dot"],
        "seconds": times["fipfit"],
        "seconds_edges": times["fipfit_edges"],
        "baseline_seconds": times["numpy"],
        "baseline_seconds_edges": times["numpy_edges"],
        "dot_seconds": times["dot"],
        "n_events": args.events,
        "n_bins": N_BINS,
        "target_ratio": 3.0,
    }
    write_result("information", result)
    return result


if __name__ == "__main__":
    print(main())
