"""The JSON schema of summary.json: valid, strict, documented, and met by a run."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from fipfit.report.config import parse_config
from fipfit.report.pipeline import RunOutcome, run_pipeline
from fipfit.report.schema import summary_schema, validate_summary

DOCS = Path(__file__).resolve().parents[1] / "docs" / "report.md"

SMALL = {
    "title": "Schema test",
    "seed": 8,
    "features": ["x1", "x2", "x3"],
    "input": {"model": "xsec", "events": 4000},
    "partitions": [
        {"name": "x1", "kind": "column", "column": "x1", "bins": 5},
        {"name": "regressor", "kind": "regressor", "bins": 5},
    ],
    "fit": {"toys": 10, "luminosity": 0.05, "normalisation": "free"},
    "scan": {"bins": [1, 3]},
    "bootstrap": {"resamples": 10},
    "study": {"run": False},
    "regressor": {"max_iter": 30},
}


@pytest.fixture(scope="module")
def outcome() -> RunOutcome:
    return run_pipeline(parse_config(SMALL, origin="schema test"))


def properties(schema: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (dotted path, sub-schema) of every named property in `schema`."""
    if isinstance(schema, dict):
        for name, sub in schema.get("properties", {}).items():
            where = f"{path}.{name}" if path else name
            yield where, sub
            yield from properties(sub, where)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                yield from properties(schema[key], path)
        for key in ("oneOf", "anyOf"):
            for option in schema.get(key, []):
                yield from properties(option, path)


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(summary_schema())


def test_run_summary_validates(outcome: RunOutcome) -> None:
    validate_summary(outcome.summary)


def test_every_property_has_description() -> None:
    missing = [
        path for path, sub in properties(summary_schema()) if "description" not in sub
    ]
    assert missing == []


def test_every_key_is_documented() -> None:
    text = DOCS.read_text()
    documented = set(re.findall(r"`([A-Za-z_0-9]+)`", text))
    names = {path.rsplit(".", 1)[-1] for path, _ in properties(summary_schema())}
    assert sorted(names - documented) == []


def test_unknown_top_key_rejected(outcome: RunOutcome) -> None:
    summary = copy.deepcopy(outcome.summary)
    summary["fip_total"] = 1.0
    with pytest.raises(jsonschema.ValidationError, match="fip_total"):
        validate_summary(summary)


def test_missing_partition_key_rejected(outcome: RunOutcome) -> None:
    summary = copy.deepcopy(outcome.summary)
    del summary["partitions"][0]["measured_error"]
    with pytest.raises(jsonschema.ValidationError, match="measured_error"):
        validate_summary(summary)


def test_wrong_type_rejected(outcome: RunOutcome) -> None:
    summary = copy.deepcopy(outcome.summary)
    summary["partitions"][0]["n_bins"] = "five"
    with pytest.raises(jsonschema.ValidationError, match="five"):
        validate_summary(summary)


def test_study_absent_when_off(outcome: RunOutcome) -> None:
    assert outcome.summary["metrics_study"] is None


def test_shape_only_fit_reported(outcome: RunOutcome) -> None:
    # With a free normalisation the expected error uses the shape-only
    # information I - (sum D)^2 / sum W, as the fit profiles the normalisation.
    for entry in outcome.summary["partitions"]:
        expected = (entry["shape_information"] * 0.05) ** -0.5
        assert entry["expected_error"] == pytest.approx(expected, rel=1e-9)
