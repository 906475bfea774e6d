"""``fipfit convert``: LHE or ROOT files to the canonical Parquet event format."""

from __future__ import annotations

import argparse
from typing import Any

from fipfit.cli._common import split_names

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``convert`` command."""
    parser = subparsers.add_parser(
        "convert",
        help="convert LHE or ROOT files to a Parquet event file",
        description=(
            "Convert Drell-Yan LHE files (plain or gzipped; simulation) or ROOT "
            "trees (data) into one Parquet file with the canonical columns: "
            "weight, the measured lepton-pair observables (mll, pt1, eta1, phi1, "
            "pt2, eta2, phi2, ptll, yll, cos_theta_cs), selected and, for LHE, "
            "the generator-level true_* columns and with --reweight the weight "
            "derivatives dweight_mz and dweight_sin2theta. The file is written "
            "chunk by chunk under a temporary name and renamed at the end."
        ),
    )

    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="LHE or ROOT file")
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="output .parquet file"
    )
    parser.add_argument(
        "--reweight",
        choices=["zlineshape"],
        help="add the weight derivatives of this model (LHE input only)",
    )
    parser.add_argument(
        "--smearings",
        type=int,
        default=1,
        metavar="K",
        help="detector measurements per generated event; weights are divided "
        "by K (default: 1)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the detector smearing (default: 0)"
    )
    parser.add_argument(
        "--tree", metavar="NAME", help="TTree of ROOT input (default: the only one)"
    )
    parser.add_argument(
        "--branches",
        metavar="A,B,...",
        help="comma-separated branches of ROOT input to keep (default: all)",
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=50_000,
        metavar="N",
        help="events read and written at a time (default: 50000)",
    )

    model = parser.add_argument_group(
        "line-shape reference point (only with --reweight zlineshape)"
    )
    model.add_argument(
        "--mz", type=float, metavar="GEV", help="Z mass (default: the parameter card's)"
    )
    model.add_argument(
        "--width",
        type=float,
        metavar="GEV",
        help="Z width (default: the parameter card's)",
    )
    model.add_argument(
        "--sin2theta",
        type=float,
        metavar="X",
        help="sin^2 theta_eff (default: derived from the parameter card)",
    )
    model.add_argument(
        "--width-scheme",
        choices=["fixed", "running"],
        help="Breit-Wigner with a fixed or an s-dependent width (default: fixed; "
        "needs --reweight)",
    )

    detector = parser.add_argument_group("detector")
    detector.add_argument(
        "--mll-window",
        default="60,120",
        metavar="LO,HI",
        help="selected range of the measured pair mass in GeV (default: 60,120)",
    )
    detector.add_argument(
        "--lepton-flavour",
        type=int,
        choices=[11, 13],
        help="flavour recorded for ROOT input with lepton branches (default: 13, "
        "muons); LHE input records each event's own",
    )
    detector.add_argument(
        "--all-pairs",
        action="store_true",
        help="select every pair of ROOT data that passes the selection; by "
        "default a tree with Run and Event branches gets one selected pair per "
        "collision: two global muons (Type GG) first, then the largest pt1 + pt2",
    )

    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Convert the inputs and print a one-line summary."""
    from fipfit.detector import DetectorModel
    from fipfit.errors import FipfitError
    from fipfit.formats.convert import ConvertOptions, convert_files

    try:
        low, high = (float(value) for value in args.mll_window.split(","))
    except ValueError:
        raise FipfitError(
            f"--mll-window must be two numbers LO,HI, got '{args.mll_window}'"
        ) from None
    parameters = {
        name: getattr(args, name)
        for name in ("mz", "width", "sin2theta")
        if getattr(args, name) is not None
    }
    options = ConvertOptions(
        reweight=args.reweight,
        n_smearings=args.smearings,
        random_state=args.seed,
        tree=args.tree,
        branches=split_names(args.branches),
        chunk_size=args.chunk_size,
        detector=DetectorModel(mll_min=low, mll_max=high),
        parameters=parameters,
        width_scheme=args.width_scheme,
        lepton_flavour=args.lepton_flavour,
        one_pair_per_collision=not args.all_pairs,
    )
    metadata = convert_files(args.inputs, args.output, options)
    print(_summary_line(metadata, args.output))
    return 0


def _summary_line(metadata: dict[str, Any], output: str) -> str:
    """Return the line printed after a conversion: what was read and written."""
    inputs = metadata["inputs"]
    n_read = sum(int(item["n_events"]) for item in inputs)
    unit = "events" if metadata["input_format"] == "lhe" else "tree entries"
    files = "file" if len(inputs) == 1 else "files"
    selected = metadata.get("n_selected")
    kept = "" if selected is None else f" ({selected} selected)"
    rows = f"{metadata['n_rows']} rows"
    counts = metadata.get("pair_selection", {})
    if "collisions" in counts:
        rows += f" for {counts['collisions']} collisions"
        kept = (
            f" ({selected} selected, one pair per collision; "
            f"{counts['duplicate_pairings']} other passing pairs flagged "
            "duplicate_pairing)"
        )
    return (
        f"read {n_read} {unit} from {len(inputs)} {files}; wrote {rows}{kept} "
        f"to {output}"
    )
