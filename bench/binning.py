"""Speed of optimal binning: 20 bins from 1000 pre-bins of 10^6 events.

`fipfit.binning.optimal_edges` sorts the events into 1000 pre-bins of equal
|weight| and finds the 20 bins with the most information by dynamic
programming. Two baselines run on the same arrays: one ``np.cumsum`` pass
over the weights (the memory floor of any pass), and the equal-weight
`quantile_edges` with 20 bins, which sorts the events just as the pre-binning
must.

Usage: ``python -m bench.binning [--events N] [--repeat R]``
"""

from __future__ import annotations

import argparse

import numpy as np

from bench._common import best_times, write_result
from fipfit.binning import optimal_edges, quantile_edges

N_BINS = 20
N_PREBINS = 1000


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10**6)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    x_true = rng.normal(size=args.events)
    weight = rng.exponential(size=args.events)
    dweight = weight * x_true
    x = x_true + rng.normal(size=args.events)

    times = best_times(
        {
            "optimal": lambda: optimal_edges(
                x, weight, dweight, N_BINS, n_prebins=N_PREBINS
            ),
            "quantile": lambda: quantile_edges(x, weight, N_BINS),
            "cumsum": lambda: np.cumsum(weight),
        },
        args.repeat,
    )
    result = {
        "seconds": times["optimal"],
        "ratio_vs_cumsum": times["optimal"] / times["cumsum"],
        "ratio_vs_quantile": times["optimal"] / times["quantile"],
        "cumsum_seconds": times["cumsum"],
        "quantile_seconds": times["quantile"],
        "n_events": args.events,
        "n_bins": N_BINS,
        "n_prebins": N_PREBINS,
    }
    write_result("binning", result)
    return result


if __name__ == "__main__":
    print(main())
