"""Timing, machine description and result files shared by the benchmarks."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from fipfit.atomic import atomic_file

#: Folder of the JSON results, one file per benchmark.
RESULTS = Path(__file__).resolve().parent / "results"


def best_times(
    functions: Mapping[str, Callable[[], object]], repeat: int
) -> dict[str, float]:
    """Return the fastest of `repeat` wall-clock runs of each function, in seconds.

    The functions run in turn within each round, so that a slow spell of a
    shared machine hits all of them alike, and the minimum is kept because
    noise only ever adds time.
    """
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def machine() -> dict[str, Any]:
    """Describe the machine and the software versions behind a measurement."""
    return {
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "load_average_1min": os.getloadavg()[0],
    }


def _module() -> str:
    """Return the module that runs, as ``python -m`` names it."""
    script = Path(sys.argv[0])
    return f"bench.{script.stem}" if script.suffix == ".py" else "bench"


def write_result(name: str, payload: Mapping[str, Any]) -> Path:
    """Write ``bench/results/<name>.json`` with the command and the machine."""
    record = {
        **payload,
        "command": " ".join(["python", "-m", _module(), *sys.argv[1:]]),
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    with atomic_file(path) as temporary:
        temporary.write_text(json.dumps(record, indent=2) + "\n")
    return path
