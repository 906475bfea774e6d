"""``fipfit fit``: validate the information with template fits of pseudo-data.

Templates come from one MC sample, Poisson pseudo-data from another (a second
file, or the other half of the first), and the spread and pulls of the fitted
theta are compared with the Fisher prediction 1 / sqrt(I(P) L).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from typing import TYPE_CHECKING, Any

from fipfit.cli._common import (
    add_column_options,
    check_parameter_option,
    non_negative_int,
    positive_int,
    print_json,
    read_events_from_args,
    toy_count,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from fipfit.events import Events
    from fipfit.fitting.validation import FitValidation, TruthOutsideRangeError

    FloatArray = NDArray[np.float64]

__all__ = ["register"]

logger = logging.getLogger(__name__)

#: pyhf's alpha = +-1 stands for theta0 +- this many expected errors.
PYHF_DELTA_IN_ERRORS = 5.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``fit`` command."""
    parser = subparsers.add_parser(
        "fit",
        help="template fits of pseudo-data: spread and pulls against the Fisher error",
        description=(
            "Build templates of a partition from one MC sample (--templates FILE2, "
            "or a random half of FILE), draw Poisson pseudo-experiments from the "
            "other sample at --truth and --luminosity, fit each with iminuit, and "
            "compare the spread of the fitted theta and the HESSE errors with the "
            "Fisher prediction 1/sqrt(I(P) L). Weights give the yield at L = 1 of "
            "the sample they belong to; when FILE is split, each half's weights "
            "are scaled by 1 / (its fraction of the events) so that L refers to "
            "the whole file."
        ),
    )
    parser.add_argument("file", help="event file (.parquet or .csv)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--by", metavar="COLUMN", help="column to partition in")
    source.add_argument(
        "--model",
        metavar="MODEL",
        help="trained model file whose output to partition in (fipfit train)",
    )
    parser.add_argument(
        "--bins",
        type=positive_int,
        default=20,
        metavar="K",
        help="number of bins (default: 20)",
    )
    parser.add_argument(
        "--binning",
        choices=("quantile", "optimal"),
        default="quantile",
        help="equal-weight bins, or the edges that maximise I(P) (default: quantile)",
    )
    parser.add_argument(
        "--toys",
        type=toy_count,
        default=500,
        metavar="N",
        help="number of pseudo-experiments, at least 2 (default: 500)",
    )
    parser.add_argument(
        "--luminosity",
        type=float,
        required=True,
        metavar="L",
        help="integrated luminosity of the pseudo-data, in units of the weights",
    )
    parser.add_argument(
        "--truth",
        metavar="THETA",
        help="true value(s) of the fitted parameter(s), comma-separated "
        "(default: theta_0 of the templates)",
    )
    parser.add_argument(
        "--templates",
        metavar="FILE2",
        help="independent MC file for the templates (default: half of FILE)",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the split and of the pseudo-experiments (default: 0)",
    )
    parser.add_argument(
        "--param", metavar="NAME", help="fit this parameter only, others at theta_0"
    )
    parser.add_argument(
        "--method",
        choices=("auto", "exact", "linear", "quadratic"),
        default="auto",
        help="templates: exact reweighting with the file's weight model, or the "
        "linear or quadratic expansion in theta (default: auto, exact when possible)",
    )
    parser.add_argument(
        "--minos", action="store_true", help="run MINOS on the Asimov fit"
    )
    parser.add_argument(
        "--free-norm",
        action="store_true",
        help="fit a free normalisation (shape-only fit)",
    )
    parser.add_argument(
        "--barlow-beeston",
        action="store_true",
        help="account for the templates' finite MC sample (Barlow-Beeston lite)",
    )
    parser.add_argument(
        "--pyhf",
        metavar="OUT.json",
        help="write the Asimov model as a HistFactory (pyhf) workspace",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="hide the progress bar (it shows only on a terminal anyway)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_column_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Build templates, fit pseudo-experiments and print the comparison."""
    import numpy as np

    from fipfit.binning import MAX_PREBINS
    from fipfit.errors import FipfitError
    from fipfit.fitting.validation import TruthOutsideRangeError

    if not (np.isfinite(args.luminosity) and args.luminosity > 0):
        raise FipfitError(
            f"--luminosity must be a positive number, got {args.luminosity}"
        )
    events = read_events_from_args(args.file, args)
    if args.templates is not None:
        template_events = read_events_from_args(args.templates, args)
        data_events = events
        template_scale = data_scale = 1.0
    else:
        template_events, data_events = events.split(0.5, random_state=args.seed)
        # Each half stands for the whole file's yield at the same luminosity.
        template_scale = len(events) / len(template_events)
        data_scale = len(events) / len(data_events)
    for sample in (template_events, data_events):
        check_parameter_option(args.param, sample.parameters)
    truth = _parse_truth(args.truth)
    fitted = template_events.parameters if args.param is None else [args.param]
    if truth is not None and len(truth) != len(fitted):
        raise FipfitError(
            f"--truth gives {len(truth)} values for the fitted parameters "
            f"{list(fitted)}: give one value per fitted parameter, separated "
            "by commas"
        )
    if args.binning == "optimal" and args.bins > MAX_PREBINS:
        raise FipfitError(
            f"--binning optimal makes at most {MAX_PREBINS} bins, got --bins "
            f"{args.bins}: use fewer bins or --binning quantile"
        )

    scales = (template_scale, data_scale)
    try:
        result = _validate(args, template_events, data_events, scales, truth)
    except TruthOutsideRangeError as error:
        raise FipfitError(_truth_outside_message(error)) from None
    _check_toys_valid(result, args)
    summary = result.summary()
    summary["partition"] = {
        "variable": args.by if args.by is not None else f"model:{args.model}",
        "binning": args.binning,
        "n_bins": int(result.edges.size - 1),
        "edges": [float(e) for e in result.edges],
    }
    summary["templates"]["source"] = (
        args.templates if args.templates is not None else f"half of {args.file}"
    )
    summary["seed"] = args.seed
    summary["minos"] = args.minos
    summary["pyhf"] = None
    if args.pyhf is not None:
        summary["pyhf"] = _write_pyhf(result, args)

    if args.json:
        print_json(summary)
    else:
        _print_text(summary)
    return 0


def _validate(
    args: argparse.Namespace,
    template_events: Events,
    data_events: Events,
    scales: tuple[float, float],
    truth: list[float] | None,
) -> FitValidation:
    """Run `validate_partition` with the command's options."""
    from fipfit.fitting.validation import validate_partition

    template_values = _partition_values(template_events, args)
    data_values = _partition_values(data_events, args)
    logger.info("fitting %d pseudo-experiments of %d bins", args.toys, args.bins)
    return validate_partition(
        template_events,
        template_values,
        data_events,
        data_values,
        luminosity=args.luminosity,
        n_toys=args.toys,
        n_bins=args.bins,
        binning=args.binning,
        theta_true=truth,
        parameters=None if args.param is None else [args.param],
        method=args.method,
        template_scale=scales[0],
        data_scale=scales[1],
        free_norm=args.free_norm,
        barlow_beeston=args.barlow_beeston,
        minos=args.minos,
        random_state=args.seed,
        progress=not args.no_progress and sys.stderr.isatty(),
    )


def _truth_outside_message(error: TruthOutsideRangeError) -> str:
    """Reword the library's error in terms of the --truth option."""
    outside = [
        (name, value, low, high)
        for name, value, (low, high) in zip(
            error.parameters, error.truth, error.limits, strict=True
        )
        if not low <= value <= high
    ]
    if len(error.parameters) == 1:
        _, value, low, high = outside[0]
        return (
            f"--truth {value:g} is outside the range [{low:.4g}, {high:.4g}] where "
            "the templates are valid: choose a value inside it"
        )
    parts = [
        f"{name} = {value:g} is outside [{low:.4g}, {high:.4g}]"
        for name, value, low, high in outside
    ]
    return (
        f"--truth: {', '.join(parts)}, the range where the templates are valid: "
        "choose values inside it"
    )


def _check_toys_valid(result: FitValidation, args: argparse.Namespace) -> None:
    """Raise when fewer than two pseudo-experiments gave a valid fit.

    The spread and pulls need two valid fits. Without them, every statistic
    would print as n/a.
    """
    from fipfit.errors import FipfitError

    n_valid = result.toys.n_toys - result.toys.n_failed
    if n_valid >= 2:
        return
    expected = result.expected
    counted = "all" if n_valid == 0 else f"{result.toys.n_failed} of"
    raise FipfitError(
        f"{counted} {result.toys.n_toys} pseudo-experiments failed (no valid "
        f"minimum, an inaccurate covariance or theta at a template limit), with "
        f"{expected.sum():.3g} expected events in total and {expected.min():.3g} "
        f"in the emptiest of {expected.size} bins at luminosity {args.luminosity:g}: "
        "raise --luminosity or use fewer --bins"
    )


def _parse_truth(text: str | None) -> list[float] | None:
    from fipfit.errors import FipfitError

    if text is None:
        return None
    try:
        values = [float(value) for value in text.split(",")]
    except ValueError:
        raise FipfitError(
            f"--truth must be numbers separated by commas, got '{text}'"
        ) from None
    if not all(math.isfinite(value) for value in values):
        raise FipfitError(f"--truth must be finite numbers, got '{text}'")
    return values


def _partition_values(events: Events, args: argparse.Namespace) -> FloatArray:
    """Return the variable to partition in: a column, or a trained model's output.

    A regressor gives its estimate of gamma (of --param when it has several
    outputs), a classifier its signal probability.
    """
    if args.by is not None:
        return events.column(args.by)
    from fipfit.modelfile import load_model

    model = load_model(args.model)
    return model.output(events, parameter=args.param)


def _write_pyhf(result: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Write the Asimov workspace at theta_true and describe it."""
    import numpy as np

    from fipfit.atomic import atomic_file
    from fipfit.fitting.pyhf_export import export_pyhf, pyhf_expected_errors

    delta = PYHF_DELTA_IN_ERRORS * result.fisher_errors
    if not np.all(np.isfinite(delta)):
        from fipfit.errors import FipfitError

        raise FipfitError(
            "the partition has no information on theta, so no histosys step can be "
            "chosen for --pyhf: use a partition with I(P) > 0"
        )
    spec = export_pyhf(
        result.templates,
        result.theta_true,
        delta,
        result.luminosity,
        free_norm=args.free_norm,
        mc_stat=args.barlow_beeston,
    )
    with atomic_file(args.pyhf) as temporary:
        temporary.write_text(json.dumps(spec, indent=2) + "\n")
    expected = pyhf_expected_errors(
        result.templates,
        result.luminosity,
        delta,
        theta0=result.theta_true,
        free_norm=args.free_norm,
    )
    return {
        "path": args.pyhf,
        "delta": [float(v) for v in delta],
        "expected_error": [float(v) for v in expected],
    }


def _format(value: Any) -> str:
    if value is None:
        # JSON null: a NaN or infinite value, or a quantity not computed.
        return "n/a"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def _minos_rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the row of the Asimov MINOS errors, lower and upper, if they ran."""
    if not summary.get("minos"):
        return []
    minos = summary["asimov_minos_error"]
    if minos is None:
        return [("Asimov MINOS error", "n/a (the Asimov fit is not valid)")]
    if not isinstance(minos[0], list):
        low, high = minos
        return [("Asimov MINOS error", f"{_format(low)} +{_format(high)}")]
    shown = ", ".join(f"{_format(low)} +{_format(high)}" for low, high in minos)
    return [("Asimov MINOS error", f"[{shown}]")]


def _toy_count(summary: dict[str, Any]) -> str:
    n_failed = summary["n_failed"]
    if n_failed == 0:
        return f"{summary['n_toys']} (all fits valid)"
    return f"{summary['n_toys']} ({n_failed} failed, left out of the statistics)"


def _print_text(summary: dict[str, Any]) -> None:
    partition = summary["partition"]
    rows = [
        (
            "partition",
            f"{partition['variable']}, {partition['n_bins']} bins "
            f"({partition['binning']})",
        ),
        (
            "templates",
            f"{summary['templates']['method']}, "
            f"{summary['templates']['n_events']} events",
        ),
        ("luminosity", summary["luminosity"]),
        ("theta true", summary["theta_true"]),
        ("Fisher error 1/sqrt(I L)", summary["fisher_error"]),
        ("Asimov HESSE error", summary["asimov_hesse_error"]),
        *_minos_rows(summary),
        ("pseudo-experiments", _toy_count(summary)),
        ("theta-hat mean", summary["theta_hat_mean"]),
        ("theta-hat spread", summary["theta_hat_std"]),
        ("mean HESSE error", summary["hesse_error_mean"]),
        (
            "pull mean",
            f"{_format(summary['pull_mean'])} +- {_format(summary['pull_mean_error'])}",
        ),
        (
            "pull width",
            f"{_format(summary['pull_std'])} +- {_format(summary['pull_std_error'])}",
        ),
        (
            "MC shift of the mean",
            f"{_format(summary['mc_shift'])} Fisher errors "
            f"(expected spread {_format(summary['mc_shift_scale'])})",
        ),
        ("fits per second", summary["toys_per_second"]),
    ]
    if summary.get("pyhf") is not None:
        rows.append(("pyhf workspace", summary["pyhf"]["path"]))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {_format(value)}")
