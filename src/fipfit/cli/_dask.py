"""The ``--dask`` and ``--scheduler`` options, the Dask client, and ``info`` on Dask."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fipfit.errors import FipfitError

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "add_dask_options",
    "dask_client",
    "dask_requested",
    "info_with_dask",
    "local_cluster_size",
]

logger = logging.getLogger("fipfit.cli")


def add_dask_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--dask`` and ``--scheduler ADDRESS``, which exclude each other."""
    group = parser.add_argument_group("scale-out with Dask")
    choice = group.add_mutually_exclusive_group()
    choice.add_argument(
        "--dask",
        action="store_true",
        help="compute with Dask on a local cluster started for this command: "
        "one worker process per CPU core, the machine's memory shared "
        "equally; FILE may be a folder of Parquet files",
    )
    choice.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="compute with Dask on the running cluster whose scheduler is at "
        "ADDRESS, for example tcp://127.0.0.1:8786 (connection timeout: Dask's "
        "distributed.comm.timeouts.connect setting, 30 s by default)",
    )


def dask_requested(args: argparse.Namespace) -> bool:
    """Return whether the command runs on Dask: an option or a folder input."""
    folder = Path(getattr(args, "file", "")).is_dir()
    return bool(args.dask or args.scheduler is not None or folder)


def local_cluster_size() -> tuple[int, int]:
    """Return the workers and the memory limit per worker, in bytes, of ``--dask``.

    One single-threaded worker per CPU core (``os.cpu_count()``), each with an
    equal share of the memory that `distributed` finds for this machine: the
    physical memory, or a lower cgroup or resource limit.
    """
    from distributed.system import MEMORY_LIMIT

    n_workers = os.cpu_count() or 1
    return n_workers, int(MEMORY_LIMIT // n_workers)


@contextmanager
def dask_client(args: argparse.Namespace) -> Iterator[Client | None]:
    """Start or connect the Dask client that the options request, and close it.

    Yields None where neither option is given: Dask then runs on local threads.
    """
    if not args.dask and args.scheduler is None:
        yield None
        return

    from distributed import Client, LocalCluster

    if args.scheduler is not None:
        try:
            # Client's default timeout is Dask's distributed.comm.timeouts.connect
            # setting (30 s unless configured).
            client = Client(args.scheduler)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as error:
            raise FipfitError(
                f"could not connect to the Dask scheduler at '{args.scheduler}': "
                f"{error}; check the address and that the scheduler is running"
            ) from None
        logger.info("connected to the Dask scheduler at %s", args.scheduler)
        with client:
            yield client
        return

    n_workers, memory_limit = local_cluster_size()
    logger.info(
        "starting a local Dask cluster: %d workers, %d bytes each",
        n_workers,
        memory_limit,
    )
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=n_workers,
            threads_per_worker=1,
            memory_limit=memory_limit,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client
    logger.info("stopped the local Dask cluster")


def info_with_dask(
    args: argparse.Namespace, print_text: Callable[[dict[str, Any]], None]
) -> int:
    """Run ``fipfit info`` on a Parquet file or folder through `fipfit.scaleout`.

    Quantile bins come from `approximate_quantile_edges`, whose edges lie
    within (max - min) / 4096**2 of the exact ones.
    """
    import dask
    import numpy as np

    from fipfit import scaleout
    from fipfit.cli._common import (
        check_named_columns,
        check_parameter_option,
        columns_from_args,
        print_json,
    )
    from fipfit.summary import information_summary, negative_weight_summary

    if getattr(args, "model", None) is not None:
        raise FipfitError(
            "--model is not supported with Dask: partition in a column with --by, "
            "or run without --dask on one file"
        )
    with dask_client(args):
        dataset = scaleout.read_dataset(args.file, columns_from_args(args))
        check_named_columns(args, dataset.frame.columns)
        check_parameter_option(args.param, dataset.parameters)
        edges = None
        if args.by is not None:
            if args.edges is not None:
                try:
                    edges = np.array([float(e) for e in args.edges.split(",")])
                except ValueError:
                    raise FipfitError(
                        "--edges must be numbers separated by commas, "
                        f"got '{args.edges}'"
                    ) from None
            else:
                edges = scaleout.approximate_quantile_edges(dataset, args.by, args.bins)
        if args.bootstrap > 0:
            result, bootstrap = scaleout.information_with_bootstrap(
                dataset,
                args.by,
                edges,
                n_resamples=args.bootstrap,
                random_state=args.seed,
            )
        else:
            result = scaleout.partition_information(dataset, args.by, edges)
            bootstrap = None

        weight = dataset.frame[dataset.columns.weight]
        negative = weight < 0
        n_negative, negative_weight, total_abs_weight = dask.compute(  # type: ignore[attr-defined,no-untyped-call]
            negative.sum(), -weight[negative].sum(), weight.abs().sum()
        )

    summary = information_summary(result, bootstrap, parameter=args.param)
    summary["partition"] = {
        "by": args.by,
        "edges": None if edges is None else [float(e) for e in edges],
    }
    summary["negative_weights"] = negative_weight_summary(
        int(n_negative), float(negative_weight), float(total_abs_weight)
    )
    if args.json:
        print_json(summary)
    else:
        print_text(summary)
    return 0
