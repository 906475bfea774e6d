"""``fipfit train``: train a gamma regressor or a signal classifier and save it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fipfit.cli._common import (
    add_column_options,
    bootstrap_count,
    check_prebins,
    file_fingerprint,
    non_negative_float,
    non_negative_int,
    positive_int,
    print_json,
    read_events_from_args,
    split_names,
)

if TYPE_CHECKING:
    from fipfit.events import Events

__all__ = ["register"]

#: Suffix of the model files that ``train`` writes.
MODEL_SUFFIX = ".skops"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``train`` command."""
    parser = subparsers.add_parser(
        "train",
        help="train a regressor of gamma (or a signal classifier) on an event file",
        description=(
            "Split the events into a training and a test sample, train a "
            "regressor of the per-event sensitivity gamma = dweight/weight (or a "
            "signal-versus-background classifier) on the selected training "
            "events with sample weights |weight|, and save it. Prints FIP of "
            "--bins bins of the model's output, with edges found on the training "
            "sample, on the test sample (with its bootstrap error) and on the "
            "training sample (a test FIP well below it means overtraining). "
            "Apply the model with 'fipfit info FILE --model MODEL'."
        ),
    )
    parser.add_argument("file", help="event file (.parquet or .csv)")
    parser.add_argument(
        "--features",
        required=True,
        metavar="A,B,...",
        help="comma-separated observable columns the model reads",
    )
    parser.add_argument(
        "--model",
        choices=("hgb", "lightgbm", "xgboost", "mlp"),
        default="hgb",
        help="backend: scikit-learn's histogram gradient boosting (hgb), "
        "LightGBM, XGBoost, or a multi-layer perceptron (default: hgb)",
    )
    parser.add_argument(
        "--kind",
        choices=("regressor", "classifier"),
        default="regressor",
        help="regressor of gamma, or classifier of the signal label "
        "(default: regressor)",
    )
    parser.add_argument(
        "--max-iter",
        type=positive_int,
        default=200,
        metavar="N",
        help="boosting iterations, or training epochs of mlp; early stopping on "
        "a validation split ends training sooner for 10000 events or more "
        "(default: 200)",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the split, the training and the bootstrap (default: 0)",
    )
    parser.add_argument(
        "--test-fraction",
        type=float,
        default=0.5,
        metavar="F",
        help="fraction of the events kept out of training to measure FIP "
        "(default: 0.5)",
    )
    parser.add_argument(
        "--bins",
        type=positive_int,
        default=20,
        metavar="K",
        help="number of bins of the model output for the reported FIP (default: 20)",
    )
    parser.add_argument(
        "--binning",
        choices=("quantile", "optimal"),
        default="optimal",
        help="bins of the reported FIP: equal weight, or the most information "
        "(default: optimal)",
    )
    parser.add_argument(
        "--min-weight",
        type=non_negative_float,
        default=0.0,
        metavar="W",
        help="smallest total weight of an optimal bin in the training sample "
        "(default: 0)",
    )
    parser.add_argument(
        "--prebins",
        type=positive_int,
        default=1000,
        metavar="M",
        help="equal-weight pre-bins of the optimal binning (default: 1000)",
    )
    parser.add_argument(
        "--bootstrap",
        type=bootstrap_count,
        default=100,
        metavar="N",
        help="bootstrap replicas for the error of the test FIP; 0 skips it "
        "(default: 100)",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="MODEL",
        help="output model file, a skops archive ending in .skops; its folder "
        "must exist",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_column_options(parser)
    parser.set_defaults(handler=run)


def _check_arguments(args: argparse.Namespace) -> tuple[str, ...]:
    from fipfit.errors import FipfitError

    features = split_names(args.features) or ()
    if not features:
        raise FipfitError("--features names no column: give them as A,B,...")
    if len(set(features)) != len(features):
        raise FipfitError(f"--features lists a column twice: {list(features)}")
    if not 0 < args.test_fraction < 1:
        raise FipfitError(
            f"--test-fraction must be between 0 and 1, got {args.test_fraction}"
        )
    if args.binning == "optimal":
        check_prebins(args.prebins, args.bins)
    output = Path(args.output)
    if output.suffix.lower() != MODEL_SUFFIX:
        raise FipfitError(
            f"output model file '{output}' must end in {MODEL_SUFFIX}: fipfit "
            "saves models as skops archives"
        )
    parent = output.parent
    if not parent.is_dir():
        raise FipfitError(
            f"output folder '{parent}' does not exist: create it or choose another path"
        )
    return features


def _check_sample(train: Events, test: Events, bins: int) -> None:
    from fipfit.errors import FipfitError

    n_train, n_test = int(train.selected.sum()), int(test.selected.sum())
    if n_train < 2 * bins or n_test < 1:
        raise FipfitError(
            f"{n_train} selected training events and {n_test} test events are too "
            f"few to train a model and fill {bins} bins: use more events, fewer "
            "--bins or another --test-fraction"
        )


def run(args: argparse.Namespace) -> int:
    """Train the model, measure its train and test FIP, and save it."""
    import numpy as np

    from fipfit.errors import FipfitError
    from fipfit.modelfile import save_model
    from fipfit.regression import (
        fit_gamma_regressor,
        fit_signal_classifier,
        model_output,
    )
    from fipfit.study import fip_versus_bins

    features = _check_arguments(args)
    events = read_events_from_args(args.file, args)
    for name in features:
        events.column(name)
    test, train = events.split(args.test_fraction, random_state=args.seed)
    _check_sample(train, test, args.bins)

    fit = fit_gamma_regressor if args.kind == "regressor" else fit_signal_classifier
    estimator = fit(
        train,
        features,
        model=args.model,
        random_state=args.seed,
        max_iter=args.max_iter,
    )

    rows: list[dict[str, Any]] = []
    for index, parameter in enumerate(events.parameters):
        regressor_component = args.kind == "regressor" and events.n_parameters > 1
        component = index if regressor_component else None
        train_values = model_output(
            estimator, train.features(list(features)), component=component
        )
        if np.ptp(train_values[train.selected]) == 0:
            raise FipfitError(
                "the trained model gives the same output for every training event, "
                "so it cannot make a partition: use more events, other --features "
                "or a larger --max-iter"
            )
        table = fip_versus_bins(
            test,
            model_output(estimator, test.features(list(features)), component=component),
            [args.bins],
            binning=args.binning,
            parameter=parameter,
            train_events=train,
            train_values=train_values,
            n_prebins=args.prebins,
            min_weight=args.min_weight,
            n_resamples=args.bootstrap,
            random_state=args.seed,
        )
        row = table.iloc[0]
        rows.append(
            {
                "parameter": parameter,
                "n_bins": int(row["n_bins_made"]),
                "fip_train": float(row["fip_train"]),
                "fip_test": float(row["fip"]),
                "fip_test_error": None
                if np.isnan(row["fip_error"])
                else float(row["fip_error"]),
            }
        )

    summary: dict[str, Any] = {
        "model": str(args.output),
        "kind": args.kind,
        "backend": args.model,
        "features": list(features),
        "parameters": list(events.parameters),
        "training_file": str(args.file),
        "training_file_fingerprint": file_fingerprint(args.file),
        "seed": args.seed,
        "test_fraction": args.test_fraction,
        "n_train": len(train),
        "n_test": len(test),
        "n_iter": estimator.n_iter_,
        "binning": args.binning,
        "fip": rows,
    }
    save_model(
        args.output,
        estimator,
        features=features,
        kind=args.kind,
        parameters=events.parameters,
        metadata=summary,
    )
    if args.json:
        print_json(summary)
    else:
        _print_text(summary)
    return 0


def _print_text(summary: dict[str, Any]) -> None:
    features = ", ".join(summary["features"])
    print(
        f"trained a {summary['backend']} {summary['kind']} on {features} "
        f"({summary['n_train']} training events, {summary['n_test']} test events)"
    )
    print(f"FIP of {summary['binning']} bins of the model output:")
    print(f"{'parameter':<12} {'bins':>5} {'train':>9} {'test':>9} {'error':>9}")
    for row in summary["fip"]:
        error = row["fip_test_error"]
        shown = "-" if error is None else f"{error:.4f}"
        print(
            f"{row['parameter']:<12} {row['n_bins']:>5} {row['fip_train']:>9.4f} "
            f"{row['fip_test']:>9.4f} {shown:>9}"
        )
    print(f"wrote model to {summary['model']}")
