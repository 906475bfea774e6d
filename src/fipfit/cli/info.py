"""``fipfit info``: information, FIP and its factorisation for one partition."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from fipfit.cli._common import (
    add_column_options,
    bootstrap_count,
    check_parameter_option,
    check_prebins,
    non_negative_float,
    non_negative_int,
    positive_int,
    print_json,
    read_events_from_args,
    warn_if_training_file,
)
from fipfit.cli._dask import add_dask_options, dask_requested, info_with_dask

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from fipfit.events import Events

__all__ = ["register"]

#: Number of bins of --by or --model when neither --bins nor --edges is given.
DEFAULT_BINS = 20


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
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--by", metavar="COLUMN", help="column to partition in")
    source.add_argument(
        "--model",
        metavar="MODEL",
        help="partition in the output of this model file (from 'fipfit train'): "
        "a regressor's estimate of gamma or a classifier's signal probability",
    )
    bins = parser.add_mutually_exclusive_group()
    bins.add_argument(
        "--bins",
        type=positive_int,
        # None, not the default itself, so that argparse rejects --bins K with
        # --edges for every K: it counts an option as given only when its value
        # is not the default object.
        default=None,
        metavar="K",
        help=f"number of bins of --by or --model (default: {DEFAULT_BINS})",
    )
    bins.add_argument(
        "--edges",
        metavar="E1,E2,...",
        help="bin edges of --by or --model, increasing (write --edges=-1,0,1 "
        "when the first edge is negative)",
    )
    parser.add_argument(
        "--binning",
        choices=("quantile", "optimal"),
        default="quantile",
        help="quantile: bins of equal weight; optimal: the bins with the most "
        "information, found by dynamic programming over --prebins equal-weight "
        "pre-bins (default: quantile)",
    )
    parser.add_argument(
        "--min-weight",
        type=non_negative_float,
        default=0.0,
        metavar="W",
        help="smallest total weight of an optimal bin, for example the minimum "
        "expected count over the luminosity (default: 0)",
    )
    parser.add_argument(
        "--prebins",
        type=positive_int,
        default=1000,
        metavar="M",
        help="number of equal-weight pre-bins of --binning optimal (default: 1000)",
    )
    parser.add_argument("--param", metavar="NAME", help="report this parameter only")
    parser.add_argument(
        "--bootstrap",
        type=bootstrap_count,
        default=200,
        metavar="N",
        help="bootstrap replicas for the uncertainty; 0 skips it (default: 200)",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the bootstrap (default: 0)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_column_options(parser)
    add_dask_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Compute and print the information of the requested partition."""
    if args.bins is None:
        args.bins = DEFAULT_BINS
    if dask_requested(args):
        _check_dask_options(args)
        return info_with_dask(args, _print_text)

    import numpy as np

    from fipfit.information import partition_information
    from fipfit.summary import information_summary, negative_weight_summary
    from fipfit.uncertainty import bootstrap_information

    events = read_events_from_args(args.file, args)
    check_parameter_option(args.param, events.parameters)

    if args.by is None and args.model is None:
        labels = np.zeros(len(events), dtype=np.intp)
        n_bins = 1
        edges = None
    else:
        labels, edges = _partition_by_values(args, events)
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
        "model": args.model,
        "binning": None if edges is None or args.edges else args.binning,
        "edges": None if edges is None else [float(e) for e in edges],
    }
    negative = events.weight < 0
    summary["negative_weights"] = negative_weight_summary(
        int(negative.sum()),
        float(-events.weight[negative].sum()),
        float(np.abs(events.weight).sum()),
    )
    if args.json:
        print_json(summary)
    else:
        _print_text(summary)
    return 0


def _check_dask_options(args: argparse.Namespace) -> None:
    from fipfit.errors import FipfitError

    if args.model is not None or args.binning != "quantile":
        raise FipfitError(
            "not supported: --model and --binning optimal read the events into "
            "memory; leave out the Dask options or convert the folder to one file"
        )


def _partition_by_values(
    args: argparse.Namespace, events: Events
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Return the bin labels and edges of a partition in --by or --model."""
    from fipfit.binning import (
        check_edges,
        labels_from_edges,
        labels_within_edges,
        optimal_edges,
        quantile_edges,
    )
    from fipfit.errors import FipfitError

    if args.model is not None:
        # Imported here because model files need scikit-learn, whose import
        # takes longer than binning a column.
        from fipfit.modelfile import load_model

        model = load_model(args.model)
        warn_if_training_file(model.metadata, args.file, args.model)
        values = model.output(events, parameter=args.param)
    else:
        values = events.column(args.by)
    if args.edges is not None:
        try:
            numbers = [float(e) for e in args.edges.split(",")]
        except ValueError:
            raise FipfitError(
                f"--edges must be numbers separated by commas, got '{args.edges}'"
            ) from None
        edges = check_edges(numbers)
        labels = labels_from_edges(values, edges)
        _check_events_inside(args, events, values, labels, edges)
        return labels, edges
    if args.binning == "quantile" and args.min_weight != 0:
        raise FipfitError("--min-weight applies to --binning optimal only")
    chosen = events.selected
    if not chosen.any():
        raise FipfitError("no event is selected: there is nothing to partition")
    if args.binning == "quantile":
        edges = quantile_edges(values[chosen], events.weight[chosen], args.bins)
        return labels_within_edges(values, edges), edges
    check_prebins(args.prebins, args.bins)
    index = None if args.param is None else events.parameter_index(args.param)
    dweight = events.dweight[chosen] if index is None else events.dweight[chosen, index]
    edges = optimal_edges(
        values[chosen],
        events.weight[chosen],
        dweight,
        args.bins,
        n_prebins=args.prebins,
        min_weight=args.min_weight,
    )
    return labels_within_edges(values, edges), edges


def _check_events_inside(
    args: argparse.Namespace,
    events: Events,
    values: NDArray[np.float64],
    labels: NDArray[np.intp],
    edges: NDArray[np.float64],
) -> None:
    """Raise when no selected event falls inside the --edges."""
    from fipfit.errors import FipfitError

    chosen = events.selected
    if not chosen.any() or (labels[chosen] >= 0).any():
        return
    variable = f"'{args.by}'" if args.by is not None else "the model output"
    shown = ", ".join(f"{edge:g}" for edge in edges)
    low, high = values[chosen].min(), values[chosen].max()
    raise FipfitError(
        f"no selected event lies inside the edges [{shown}] of {variable} "
        f"(its values span {low:.6g}..{high:.6g}): choose edges inside that range"
    )


def _format(value: object) -> str:
    if value is None:
        # JSON null: a NaN or infinite value, or a quantity not computed.
        return "n/a"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    return str(value)


def _parameter_labels(summary: dict[str, object]) -> dict[str, str]:
    """Return the text label of each information and FIP key of `summary`.

    With several parameters, the information values are diagonal elements
    (the others fixed) while FIP is a ratio of profiled variances (the others
    free), so the labels tell the two apart.
    """
    labels = {
        "ideal_information": "ideal information",
        "information": "information I(P)",
        "fip": "FIP",
        "shape_fip": "shape-only FIP",
    }
    parameters = summary["parameters"]
    if summary.get("n_parameters", 1) == 1:
        return labels
    if isinstance(parameters, str):
        element = f"[{parameters},{parameters}]"
        labels["ideal_information"] += f" {element}"
        labels["information"] += f" {element}"
        labels["fip"] += " (other parameters free)"
        labels["shape_fip"] += " (others free)"
    else:
        labels["fip"] += " (each, others free)"
        labels["shape_fip"] += " (each, others free)"
    return labels


def _bootstrap_error(summary: dict[str, object]) -> object:
    if summary["fip_error"] is None:
        return "n/a (no bootstrap: --bootstrap 0)"
    return summary["fip_error"]


def _print_text(summary: dict[str, object]) -> None:
    partition = summary["partition"] if isinstance(summary["partition"], dict) else {}
    if partition.get("model"):
        title = f"partition in the output of model '{partition['model']}'"
    elif partition.get("by"):
        title = f"partition in '{partition['by']}'"
    else:
        title = "single bin (counting)"
    labels = _parameter_labels(summary)
    parameters = summary["parameters"]
    rows: list[tuple[str, object]] = [
        ("partition", f"{title}, {summary['n_bins']} bins"),
        ("events in partition", summary["n_events"]),
    ]
    if isinstance(parameters, list):
        rows.append(("parameters", ", ".join(str(name) for name in parameters)))
    elif summary.get("n_parameters", 1) != 1:
        rows.append(("parameter", f"{parameters} (one of {summary['n_parameters']})"))
    rows += [
        (labels["ideal_information"], summary["ideal_information"]),
        (labels["information"], summary["information"]),
        (labels["fip"], summary["fip"]),
        ("FIP error (bootstrap)", _bootstrap_error(summary)),
        ("efficiency", summary["efficiency"]),
        ("sharpness", summary["sharpness"]),
        ("purity factor", summary["purity_factor"]),
        (labels["shape_fip"], summary["shape_fip"]),
        ("bins with W <= 0", summary["nonpositive_bins"]),
    ]
    negative = summary.get("negative_weights")
    if isinstance(negative, dict) and negative["n_events"]:
        share = f"{negative['fraction_of_abs_weight']:.1%} of the sum of |w|"
        rows.append(("negative weights", f"{negative['n_events']} events, {share}"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {_format(value)}")
