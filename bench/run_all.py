"""Run every benchmark in turn, then regenerate docs/performance.md's table.

Each benchmark runs as its own ``python -m`` process, so that one's memory
and threads do not slow the next. A benchmark that fails is reported and the
others still run; the exit status is 1 if any failed.

Usage: ``python -m bench.run_all [--skip NAME ...]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys

BENCHMARKS = (
    "information",
    "binning",
    "toys",
    "dask_scaling",
    "madminer_comparison",
    "regression",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", nargs="*", default=[], choices=BENCHMARKS)
    args = parser.parse_args(argv)

    failed = []
    for name in BENCHMARKS:
        if name in args.skip:
            continue
        print(f"bench.{name} ...", flush=True)
        status = subprocess.run([sys.executable, "-m", f"bench.{name}"], check=False)
        if status.returncode != 0:
            failed.append(name)
    subprocess.run([sys.executable, "-m", "bench.report"], check=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
