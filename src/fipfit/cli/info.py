"""``fipfit info``: information, FIP and its factorisation for one partition."""

from __future__ import annotations

import argparse

from fipfit.cli._common import add_column_options, columns_from_args, print_json
from fipfit.cli._dask import add_dask_options, dask_requested, info_with_dask

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``info`` command."""
    parser = subparsers.add_parser(
        "info",
        help="information and FIP of a partition of an event file",
        description=(
            "Print the ideal information, the information I(P) of a partition, "
            "FIP = I(P)/I_ideal with its bootstrap uncertainty, and the "
            "factorisation FIP = efficiency * sharpness * purity factor. Without "
            "--by, the partition is a single bin (a counting experiment)."
        ),
    )
    parser.add_argument(
        "file", help="event file (.parquet or .csv), or a folder of Parquet files"
    )
    parser.add_argument("--by", metavar="COLUMN", help="column to partition in")
    bins = parser.add_mutually_exclusive_group()
    bins.add_argument(
        "--bins",
        type=int,
        default=20,
        metavar="K",
        help="number of equal-weight bins of --by (default: 20)",
    )
    bins.add_argument(
        "--edges", metavar="E1,E2,...", help="bin edges of --by, increasing"
    )
    parser.add_argument("--param", metavar="NAME", help="report this parameter only")
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=200,
        metavar="N",
        help="bootstrap replicas for the uncertainty (default: 200)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the bootstrap (default: 0)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_column_options(parser)
    add_dask_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Compute and print the information of the requested partition."""
    if dask_requested(args):
        return info_with_dask(args, _print_text)

    import numpy as np

    from fipfit.binning import labels_from_edges, quantile_edges
    from fipfit.errors import FipfitError
    from fipfit.formats.table import read_events
    from fipfit.information import partition_information
    from fipfit.summary import information_summary
    from fipfit.uncertainty import bootstrap_information

    events = read_events(args.file, columns_from_args(args))
    if args.param is not None:
        events.parameter_index(args.param)

    if args.by is None:
        labels = np.zeros(len(events), dtype=np.intp)
        n_bins = 1
        edges = None
    else:
        values = events.column(args.by)
        if args.edges is not None:
            try:
                edges = np.array([float(e) for e in args.edges.split(",")])
            except ValueError:
                raise FipfitError(
                    f"--edges must be numbers separated by commas, got '{args.edges}'"
                ) from None
        else:
            if args.bins < 1:
                raise FipfitError(f"--bins must be at least 1, got {args.bins}")
            chosen = events.selected
            edges = quantile_edges(values[chosen], events.weight[chosen], args.bins)
        labels = labels_from_edges(values, edges)
        n_bins = edges.size - 1

    result = partition_information(events, labels, n_bins)
    bootstrap = None
    if args.bootstrap > 0:
        bootstrap = bootstrap_information(
            events, labels, n_bins, n_resamples=args.bootstrap, random_state=args.seed
        )
    summary = information_summary(result, bootstrap, parameter=args.param)
    summary["partition"] = {
        "by": args.by,
        "edges": None if edges is None else [float(e) for e in edges],
    }
    if args.json:
        print_json(summary)
    else:
        _print_text(summary)
    return 0


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    return str(value)


def _print_text(summary: dict[str, object]) -> None:
    by = summary["partition"]["by"] if isinstance(summary["partition"], dict) else None
    title = f"partition in '{by}'" if by else "single bin (counting)"
    rows = [
        ("partition", f"{title}, {summary['n_bins']} bins"),
        ("events in partition", summary["n_events"]),
        ("ideal information", summary["ideal_information"]),
        ("information I(P)", summary["information"]),
        ("FIP", summary["fip"]),
        ("FIP error (bootstrap)", summary["fip_error"]),
        ("efficiency", summary["efficiency"]),
        ("sharpness", summary["sharpness"]),
        ("purity factor", summary["purity_factor"]),
        ("shape-only FIP", summary["shape_fip"]),
        ("bins with W <= 0", summary["nonpositive_bins"]),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {_format(value)}")
