"""Throughput of the Dask path with one and two workers, and its peak memory.

A Parquet dataset of 20 files (10^7 events by default: weight, dweight and
one observable) is written to a temporary folder. I(P) in 8 bins of the
observable is computed on a local cluster of one and then two
single-threaded worker processes. Events per second is the number of events
over the best of three wall-clock runs. The in-memory path on the same events
(read with pandas, then `partition_information`) is the baseline. A last run
on one worker with a 64 MiB memory limit records the worker's peak resident
memory against the size of the dataset.

Usage: ``python -m bench.dask_scaling [--events N]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import dask
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster

from bench._common import write_result
from fipfit import scaleout
from fipfit.binning import labels_from_edges
from fipfit.events import Events
from fipfit.formats.table import write_events
from fipfit.information import partition_information

EDGES = np.linspace(-2.0, 2.0, 9)
N_FILES = 20
MEMORY_LIMIT = 64 * 2**20


def write_dataset(folder: Path, n_events: int) -> None:
    per_file = n_events // N_FILES
    for index in range(N_FILES):
        rng = np.random.default_rng(index)
        x_true = rng.normal(size=per_file)
        weight = rng.exponential(size=per_file)
        frame = pd.DataFrame(
            {
                "weight": weight,
                "dweight": weight * x_true,
                "x": x_true + rng.normal(size=per_file),
            }
        )
        write_events(frame, folder / f"part-{index:02d}.parquet")


def peak_memory() -> int:
    """Return this process's peak resident memory in bytes (Linux's VmHWM).

    VmHWM starts afresh when a process executes a new program, unlike
    ``getrusage``'s ru_maxrss, which a spawned worker inherits from its parent.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("VmHWM not found in /proc/self/status: Linux only")


def best_seconds(folder: Path, repeat: int = 3) -> tuple[float, float]:
    """Return the best time of I(P) on the active client, and the FIP."""
    best = float("inf")
    fip = float("nan")
    for _ in range(repeat):
        start = time.perf_counter()
        result = scaleout.partition_information(
            scaleout.read_dataset(folder), "x", EDGES
        )
        best = min(best, time.perf_counter() - start)
        fip = float(result.fip[0])
    return best, fip


def in_memory_seconds(folder: Path, repeat: int = 3) -> tuple[float, float]:
    best = float("inf")
    fip = float("nan")
    for _ in range(repeat):
        start = time.perf_counter()
        frame = pd.concat(
            [pd.read_parquet(path) for path in sorted(folder.glob("*.parquet"))],
            ignore_index=True,
        )
        events = Events.from_frame(frame)
        labels = labels_from_edges(events.column("x"), EDGES)
        fip = float(partition_information(events, labels, EDGES.size - 1).fip[0])
        best = min(best, time.perf_counter() - start)
    return best, fip


def cluster(n_workers: int, memory_limit: int | str = "auto") -> LocalCluster:
    """Start single-threaded worker processes on the loopback address."""
    return LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        host="127.0.0.1",
        dashboard_address=None,
    )


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10**7)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="fipfit-bench-") as name:
        folder = Path(name)
        write_dataset(folder, args.events)
        n_events = (args.events // N_FILES) * N_FILES
        dataset_bytes = sum(path.stat().st_size for path in folder.glob("*.parquet"))

        memory_seconds, memory_fip = in_memory_seconds(folder)
        seconds = {}
        for n_workers in (1, 2):
            with cluster(n_workers) as local, Client(local):
                seconds[n_workers], fip = best_seconds(folder)
            assert abs(fip - memory_fip) <= 1e-12 * memory_fip

        # The worker process itself (interpreter, numpy, pandas, dask) passes
        # 64 MiB, so the nanny's pause and terminate thresholds are off and
        # the limit applies to the data that the worker keeps.
        no_pause = {
            "distributed.worker.memory.pause": False,
            "distributed.worker.memory.terminate": False,
        }
        with (
            dask.config.set(no_pause),
            cluster(1, MEMORY_LIMIT) as local,
            Client(local) as client,
        ):
            (before,) = client.run(peak_memory).values()
            scaleout.partition_information(scaleout.read_dataset(folder), "x", EDGES)
            (after,) = client.run(peak_memory).values()

    result = {
        "events_per_second_1": n_events / seconds[1],
        "events_per_second_2": n_events / seconds[2],
        "speedup_2_workers": seconds[1] / seconds[2],
        "in_memory_events_per_second": n_events / memory_seconds,
        "peak_memory_bytes": int(after),
        "worker_memory_before_bytes": int(before),
        "memory_limit_bytes": MEMORY_LIMIT,
        "in_memory_dataset_bytes": n_events * 3 * 8,
        "parquet_bytes": dataset_bytes,
        "n_events": n_events,
        "n_files": N_FILES,
    }
    write_result("dask", result)
    return result


if __name__ == "__main__":
    print(main())
