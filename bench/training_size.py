"""Held-out FIP against the training size of a gamma regressor, on Dask.

The ``peak`` toy model writes a training dataset (10^6 signal events with the
model's background, 10 Parquet files) and a held-out one (2 x 10^5 signal
events). `fipfit.scaleout.training_size_study` draws weighted subsamples of
growing size from the training dataset, trains `fit_gamma_regressor` on each,
and computes the FIP of 20 equal-weight bins of its output on the held-out
dataset with the Dask path. FIP levels off once the subsample is large
enough: the training size worth paying for.

Usage: ``python -m bench.training_size``
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench._common import write_result
from fipfit import scaleout
from fipfit.events import Events
from fipfit.formats.table import write_events
from fipfit.regression import GammaRegressor, fit_gamma_regressor
from fipfit.toymodels import generate, get_model

SIZES = (1_000, 3_000, 10_000, 30_000, 100_000, 300_000)
N_FILES = 10


def write_dataset(folder: Path, n_events: int, seed: int) -> None:
    folder.mkdir()
    for index in range(N_FILES):
        frame = generate("peak", n_events // N_FILES, random_state=seed * 100 + index)
        write_events(frame, folder / f"part-{index}.parquet")


def fit(events: Events, features: Sequence[str]) -> GammaRegressor:
    return fit_gamma_regressor(events, features, random_state=0)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10**6)
    parser.add_argument("--test-events", type=int, default=2 * 10**5)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="fipfit-training-") as name:
        root = Path(name)
        write_dataset(root / "train", args.events, seed=1)
        write_dataset(root / "test", args.test_events, seed=2)
        train = scaleout.read_dataset(root / "train")
        test = scaleout.read_dataset(root / "test")
        sizes = [size for size in SIZES if size <= args.events]
        # One small fit first, so that the first size's time includes no imports.
        fit(scaleout.weighted_subsample(train, 500, features=["x", "eta"]), ["x"])
        rows = scaleout.training_size_study(train, test, ["x", "eta"], sizes, fit)

    reference = get_model("peak").reference_information(1.0)
    limit = float(reference["x_eta"][0, 0] / reference["ideal"][0, 0])
    result: dict[str, object] = {
        "rows": rows,
        "detector_limit_fip": limit,
        "n_events": args.events,
        "n_test_events": args.test_events,
        "n_bins": 20,
    }
    write_result("training_size", result)
    return result


if __name__ == "__main__":
    print(main())
