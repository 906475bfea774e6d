"""Writing the report folder: index.html, summary.json and figures/*.png.

The folder is assembled in a temporary folder beside the destination and
moved into place only when every file is written (`fipfit.atomic`), so an
interrupted or failed run leaves no half-written report.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fipfit.atomic import atomic_directory, check_replaceable
from fipfit.errors import FipfitError
from fipfit.report.html import render_page
from fipfit.report.pipeline import RunOutcome
from fipfit.report.schema import validate_summary

__all__ = ["check_destination", "write_report"]

#: The file whose presence marks a folder as a report that --force may replace.
REPORT_MARKER = "summary.json"


def check_destination(path: str | os.PathLike[str], *, overwrite: bool) -> Path:
    """Raise `FipfitError` early if the report cannot be written at `path`.

    The same checks run again when the report is written; this call lets a
    long run fail before it starts.
    """
    target = Path(path).resolve()
    if target.exists() and not overwrite:
        raise FipfitError(
            f"output folder '{target}' exists: pass --force to replace it "
            "or choose another folder with --out"
        )
    if target.exists():
        check_replaceable(target, REPORT_MARKER)
    if not target.parent.is_dir():
        raise FipfitError(
            f"parent folder '{target.parent}' of the report does not exist: "
            "create it or choose another --out"
        )
    if not os.access(target.parent, os.W_OK):
        raise FipfitError(
            f"output folder '{target.parent}' is not writable: choose another --out"
        )
    return target


def write_report(
    outcome: RunOutcome, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write the report folder atomically and return its path.

    Parameters
    ----------
    outcome : RunOutcome
        The summary and figures of a run.
    path : path-like
        Destination folder; it must not exist unless `overwrite` is true.
    overwrite : bool, default False
        Replace an existing folder, after the new one is complete.

    Raises
    ------
    FipfitError
        If `path` exists and `overwrite` is false, or its parent is missing.
    jsonschema.ValidationError
        If the summary does not match the documented schema (a bug in fipfit).
    """
    target = check_destination(path, overwrite=overwrite)
    validate_summary(outcome.summary)
    text = json.dumps(outcome.summary, indent=2, allow_nan=False) + "\n"
    page = render_page(outcome.summary, outcome.figures)
    with atomic_directory(
        target, overwrite=overwrite, marker=REPORT_MARKER
    ) as temporary:
        (temporary / "figures").mkdir()
        for record in outcome.figures:
            (temporary / record.file).write_bytes(record.png)
        (temporary / "summary.json").write_text(text, encoding="utf-8")
        (temporary / "index.html").write_text(page, encoding="utf-8")
    return target
