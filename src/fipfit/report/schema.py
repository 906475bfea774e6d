"""The JSON schema of ``summary.json`` and its validation.

The schema (``summary_schema.json`` beside this module, JSON Schema draft
2020-12) describes every key of the summary; ``docs/report.md`` explains them.
`write_report` validates each summary before writing it, so a report whose
numbers do not match the documented layout is never written.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema

__all__ = ["summary_schema", "validate_summary"]


@cache
def summary_schema() -> dict[str, Any]:
    """Return the JSON schema of ``summary.json`` as a dictionary."""
    text = files("fipfit.report").joinpath("summary_schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_summary(summary: Any) -> None:
    """Raise `jsonschema.ValidationError` if `summary` does not match the schema."""
    jsonschema.validate(summary, summary_schema(), cls=jsonschema.Draft202012Validator)
