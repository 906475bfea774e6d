"""Regenerate the tables of docs/performance.md from bench/results.

Each table sits between two marker comments in the page; everything else in
the page is left as written.

Usage: ``python -m bench.report``
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench._common import RESULTS
from fipfit.atomic import atomic_file

PAGE = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
BEGIN = "<!-- bench-table-begin (bench/report.py writes this table) -->"
END = "<!-- bench-table-end -->"
TRAINING_BEGIN = (
    "<!-- training-size-begin (numbers from bench/results/training_size.json) -->"
)
TRAINING_END = "<!-- training-size-end -->"

#: One row per benchmark: (result file, what is measured, key of the headline
#: number, how to print it, keys of the baseline numbers shown beside it).
ROWS: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    (
        "information",
        "I(P) + FIP, 1e7 events, 100 bins, time over bare numpy",
        "ratio",
        "{:.2f}",
        ("ratio_edges", "ratio_vs_dot"),
    ),
    (
        "madminer",
        "ideal + histogram information, 1e6 events, MadMiner time over fipfit",
        "speedup",
        "{:.0f}",
        ("max_rel_diff",),
    ),
    (
        "regression",
        "peak: training to 97% of the detector limit, SALLY time over fipfit",
        "speedup",
        "{:.1f}",
        ("fipfit_fip", "fipfit_seconds", "sally_fip", "sally_seconds"),
    ),
    (
        "binning",
        "optimal binning, 1e6 events, 1000 pre-bins to 20 bins, seconds",
        "seconds",
        "{:.3g}",
        ("ratio_vs_quantile", "ratio_vs_cumsum"),
    ),
    (
        "toys",
        "pseudo-experiments per second (20 bins)",
        "fits_per_second",
        "{:.0f}",
        ("ratio",),
    ),
    (
        "dask",
        "Dask events per second, 1 worker",
        "events_per_second_1",
        "{:.3g}",
        ("events_per_second_2", "in_memory_events_per_second", "peak_memory_bytes"),
    ),
]


def _format(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def table() -> str:
    """Return the Markdown table of every result file present."""
    lines = [
        "| benchmark | measures | value | beside it | command | machine load |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, what, key, style, extra in ROWS:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            lines.append(f"| {name} | {what} | not run | | | |")
            continue
        record = json.loads(path.read_text())
        value = record.get(key)
        shown = "missing" if value is None else style.format(value)
        beside = ", ".join(
            f"{item} {_format(record[item])}" for item in extra if item in record
        )
        load = record.get("machine", {}).get("load_average_1min")
        lines.append(
            f"| {name} | {what} | {key} {shown} | {beside} | "
            f"`{record.get('command', '')}` | {_format(load)} |"
        )
    return "\n".join(lines)


def training_table() -> str:
    """Return the held-out FIP against training size, or a note if not run."""
    path = RESULTS / "training_size.json"
    if not path.exists():
        return "Not run yet: `python -m bench.training_size`."
    record = json.loads(path.read_text())
    limit = record["detector_limit_fip"]
    lines = [
        f"Detector limit of the `peak` model: FIP {limit:.4f}. "
        f"Held-out events: {record['n_test_events']}, {record['n_bins']} "
        f"equal-weight bins; command `{record['command']}`.",
        "",
        "| requested size | events drawn | held-out FIP | bootstrap error "
        "| fraction of limit | seconds (draw + fit) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in record["rows"]:
        lines.append(
            f"| {row['size']:.0f} | {row['n_train']:.0f} | {row['fip']:.4f} "
            f"| {row['fip_error']:.4f} | {row['fip'] / limit:.3f} "
            f"| {row['seconds']:.1f} |"
        )
    return "\n".join(lines)


def _replace(text: str, begin: str, end: str, body: str) -> str:
    if begin not in text or end not in text:
        raise SystemExit(f"{PAGE} has no markers {begin} and {end}: add them")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def main() -> None:
    text = PAGE.read_text()
    text = _replace(text, BEGIN, END, table())
    text = _replace(text, TRAINING_BEGIN, TRAINING_END, training_table())
    with atomic_file(PAGE) as temporary:
        temporary.write_text(text)


if __name__ == "__main__":
    main()
