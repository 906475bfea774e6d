"""Pseudo-experiments per second: template fits of Poisson pseudo-data.

The ``peak`` toy model with 10^5 signal events is cut into 20 equal-weight
bins of the measured mass. Half of the events build the templates, and the
other half the expected counts. `run_pseudoexperiments` then fits 1000 Poisson
pseudo-experiments. The baseline fits the same pseudo-data with a bare
iminuit `ExtendedBinnedNLL` whose model is the linear template
L (W_k + D_k (theta - theta_0)), the least a binned fit can compute.

Usage: ``python -m bench.toys [--toys N]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from iminuit import Minuit
from iminuit.cost import ExtendedBinnedNLL

from bench._common import write_result
from fipfit.binning import labels_from_edges, quantile_edges
from fipfit.fitting import Templates, expected_counts, run_pseudoexperiments
from fipfit.toymodels import generate_events


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toys", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10**5)
    args = parser.parse_args(argv)

    events = generate_events("peak", args.events, random_state=0)
    chosen = events.selected
    x = events.column("x")
    edges = quantile_edges(x[chosen], events.weight[chosen], 20)
    first, second = events.split(0.5, random_state=1)
    first_labels = labels_from_edges(first.column("x"), edges)
    second_labels = labels_from_edges(second.column("x"), edges)
    n_bins = edges.size - 1

    templates = Templates.from_events(first, first_labels, n_bins, scale=2.0)
    theta0 = templates.theta0
    expected = expected_counts(second, second_labels, theta0, 1.0, n_bins, scale=2.0)

    start = time.perf_counter()
    toys = run_pseudoexperiments(templates, expected, theta0, 1.0, args.toys)
    fipfit_seconds = time.perf_counter() - start

    # The baseline: the same Poisson draws, fitted with a linear template.
    rng = np.random.default_rng(0)
    counts = rng.poisson(expected, size=(args.toys, n_bins)).astype(float)
    weight, dweight = templates.weight, templates.dweight[:, 0]

    def model(bin_edges: np.ndarray, theta: float) -> np.ndarray:
        cumulative = np.concatenate([[0.0], np.cumsum(weight + dweight * theta)])
        return cumulative

    cost = ExtendedBinnedNLL(counts[0], np.arange(n_bins + 1.0), model)
    start = time.perf_counter()
    baseline_valid = 0
    for row in counts:
        cost.n = row
        minuit = Minuit(cost, theta=0.0)
        minuit.migrad()
        minuit.hesse()
        baseline_valid += bool(minuit.valid)
    baseline_seconds = time.perf_counter() - start

    result = {
        "fits_per_second": args.toys / fipfit_seconds,
        "baseline_fits_per_second": args.toys / baseline_seconds,
        "ratio": fipfit_seconds / baseline_seconds,
        "n_toys": args.toys,
        "n_failed": toys.n_failed,
        "baseline_n_failed": args.toys - baseline_valid,
        "n_bins": n_bins,
        "n_events": args.events,
        "template_method": templates.method,
    }
    write_result("toys", result)
    return result


if __name__ == "__main__":
    print(main())
