"""``fipfit run``: the main job, from a configuration to a report folder."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import time
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from fipfit.report.config import RunConfig
    from fipfit.report.pipeline import RunOutcome
    from fipfit.report.progress import ProgressReporter
    from fipfit.report.zmumu_config import ZmumuConfig

__all__ = ["register"]

#: Either configuration of ``fipfit run``: the general run or the zmumu example.
_Config = TypeVar("_Config", "RunConfig", "ZmumuConfig")

logger = logging.getLogger("fipfit.run")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``run`` command."""
    parser = subparsers.add_parser(
        "run",
        help="run a study and write its report (default: the 'peak' example)",
        description=(
            "Generate or read events, train the gamma regressor and the signal "
            "classifier, compare the information (FIP) of the configured "
            "partitions, validate it with fits of pseudo-experiments, and write "
            "a report folder with index.html, summary.json and figures/. "
            "Without a configuration, runs the built-in 'peak' example."
        ),
    )
    parser.add_argument(
        "config", nargs="?", metavar="CONFIG.toml", help="TOML configuration file"
    )
    parser.add_argument(
        "--example",
        metavar="NAME",
        help="run a built-in example instead of a file (peak, xsec, eft, ...)",
    )
    parser.add_argument(
        "--out",
        default="report",
        metavar="DIR",
        help="report folder to create (default: report)",
    )
    parser.add_argument(
        "--events",
        type=int,
        metavar="N",
        help="number of signal events to generate, overriding the configuration",
    )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="root seed of every random step, overriding the configuration",
    )
    parser.add_argument(
        "--lhe",
        nargs="+",
        metavar="FILE",
        help="MadGraph LHE files of the zmumu example, replacing its configured ones",
    )
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="CMS dimuon ROOT file (or converted table) of the zmumu example",
    )
    parser.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="OpenMP and BLAS threads of the run, overriding the configuration "
        "(default 1)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an existing report folder"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print neither progress nor the table"
    )
    parser.set_defaults(handler=run)


def _configuration(args: argparse.Namespace) -> RunConfig | ZmumuConfig:
    from fipfit.errors import FipfitError
    from fipfit.report.config_loader import example_config, load_config
    from fipfit.report.zmumu_config import ZmumuConfig

    if args.config is not None and args.example is not None:
        raise FipfitError("give either a configuration file or --example, not both")
    if args.config is not None:
        loaded = load_config(args.config)
    else:
        loaded = example_config(args.example or "peak")
    if isinstance(loaded, ZmumuConfig):
        return _zmumu_configuration(loaded, args)
    if args.lhe is not None or args.data is not None:
        raise FipfitError(
            "--lhe and --data set the inputs of the zmumu example: use "
            "--example zmumu, or name the event file in the configuration"
        )
    config = loaded
    if args.events is not None:
        if config.input.file is not None:
            raise FipfitError(
                "--events sets the size of generated inputs, but this "
                f"configuration reads '{config.input.file}': leave --events out"
            )
        if args.events < 100:
            raise FipfitError(f"--events must be at least 100, got {args.events}")
        config = dataclasses.replace(
            config, input=dataclasses.replace(config.input, events=args.events)
        )
    return _with_threads_and_seed(config, args)


def _zmumu_configuration(config: ZmumuConfig, args: argparse.Namespace) -> ZmumuConfig:
    from pathlib import Path

    from fipfit.errors import FipfitError

    if args.events is not None:
        raise FipfitError(
            "--events sets the size of generated inputs, but the zmumu example "
            "reads LHE files: leave --events out"
        )
    if args.lhe is not None:
        config = dataclasses.replace(config, lhe=tuple(Path(p) for p in args.lhe))
    if args.data is not None:
        config = dataclasses.replace(config, data=Path(args.data))
    return _with_threads_and_seed(config, args)


def _with_threads_and_seed(config: _Config, args: argparse.Namespace) -> _Config:
    """Apply --threads and --seed, which both kinds of run take."""
    from fipfit.errors import FipfitError

    if args.threads is not None:
        if args.threads < 1:
            raise FipfitError(f"--threads must be at least 1, got {args.threads}")
        config = dataclasses.replace(config, threads=args.threads)
    if args.seed is not None:
        if args.seed < 0:
            raise FipfitError(f"--seed must be zero or positive, got {args.seed}")
        config = dataclasses.replace(config, seed=args.seed)
    return config


def _run_pipeline(
    config: RunConfig | ZmumuConfig, progress: ProgressReporter | None
) -> RunOutcome:
    from fipfit.report.pipeline import run_pipeline
    from fipfit.report.zmumu import run_zmumu
    from fipfit.report.zmumu_config import ZmumuConfig

    if isinstance(config, ZmumuConfig):
        return run_zmumu(config, progress)
    return run_pipeline(config, progress)


class _RichProgress:
    """Shows each pipeline step as a rich progress bar on stderr."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def start(self, description: str, total: int) -> None:
        self.task = self.progress.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)

    def finish(self) -> None:
        if self.task is not None:
            task = self.progress.tasks[-1]
            self.progress.update(self.task, completed=task.total)
            self.task = None


def _print_table(summary: dict[str, Any], out: str, seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    from fipfit.report.html import has_pseudoexperiments, measured_error_text

    def number(value: Any, digits: int = 3) -> str:
        return "–" if value is None else f"{value:.{digits}g}"

    toys = has_pseudoexperiments(summary)
    headers = ["partition", "bins", "FIP (test)", "expected error"]
    if toys:
        headers += ["measured error", "failed fits"]
    table = Table(title=summary["title"], title_justify="left")
    for header in headers:
        table.add_column(header, justify="left" if header == "partition" else "right")
    for p in summary["partitions"]:
        fip = "–" if p["fip"] is None else f"{p['fip']:.3f}"
        if p["fip_error"] is not None:
            fip += f" ± {p['fip_error']:.3f}"
        row = [
            f"⚠ {p['name']}" if p.get("warnings") else p["name"],
            str(p["n_bins"]),
            fip,
            number(p["expected_error"]),
        ]
        if toys:
            row += [measured_error_text(p, 3), _failed_fits(p.get("fit"))]
        table.add_row(*row)
    console = Console()
    console.print(table)
    _print_partition_notes(console, summary)
    _print_data_fits(console, summary)
    limits = summary.get("reference_limits") or {}
    if limits:
        shown = ", ".join(f"{k} {v:.3f}" for k, v in limits.items())
        console.print(f"reference limits (FIP): {shown}", soft_wrap=True)
    console.print(
        f"report written to {out}/index.html in {seconds:.0f} s", soft_wrap=True
    )


def _print_partition_notes(console: Console, summary: dict[str, Any]) -> None:
    """Print each partition's warnings and why its fits could not run."""
    from rich.text import Text

    for p in summary["partitions"]:
        for warning in p.get("warnings") or []:
            console.print(
                Text(f"⚠ {p['name']}: {warning}", style="bold yellow"), soft_wrap=True
            )
        fit = p.get("fit") or {}
        if "error" in fit:
            console.print(
                Text(f"{p['name']}: fits not run: {fit['error']}"), soft_wrap=True
            )


def _failed_fits(fit: dict[str, Any] | None) -> str:
    if not fit:
        return "–"
    if "error" in fit:
        return "not run"
    return f"{fit['failed']}/{fit['toys']}"


def _print_data_fits(console: Console, summary: dict[str, Any]) -> None:
    """Print one line per data fit: value ± HESSE error, prediction, status."""
    from rich.text import Text

    from fipfit.report.html import data_fit_status

    parameter = summary["parameter"]
    for item in summary.get("data_fit") or []:
        value, error = item["value"], item["error"]
        fitted = "–" if value is None else f"{value:.4f}"
        if error is not None:
            fitted += f" ± {error:.4f}"
        expected = item.get("expected_error")
        prediction = "–" if expected is None else f"{expected:.4f}"
        converged = item.get("converged")
        status = data_fit_status(item)
        line = (
            f"data fit in {item['partition']}: {parameter} = {fitted} "
            f"(Fisher prediction {prediction}), {item.get('n_data')} events, "
            f"converged {'–' if converged is None else _yes_no(converged)}, "
            f"valid {_yes_no(item.get('valid', False))}"
        )
        if status != "valid":
            console.print(Text(f"⚠ {line}: {status}", style="bold red"), soft_wrap=True)
        else:
            console.print(line, soft_wrap=True, markup=False)


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def run(args: argparse.Namespace) -> int:
    """Run the configured study and write its report."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from fipfit.report.output import check_destination, write_report

    start = time.perf_counter()
    config = _configuration(args)
    check_destination(args.out, overwrite=args.force)
    logger.info("running %s from %s", config.title, config.source)
    if args.quiet:
        outcome = _run_pipeline(config, None)
    else:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=Console(stderr=True)) as progress:
            outcome = _run_pipeline(config, _RichProgress(progress))
    elapsed = time.perf_counter() - start
    outcome.summary["provenance"]["wall_time_seconds"] = round(elapsed, 1)
    write_report(outcome, args.out, overwrite=args.force)
    if not args.quiet:
        _print_table(outcome.summary, args.out, elapsed)
    return 0
