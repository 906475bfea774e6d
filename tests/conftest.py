"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

#: Real generator output and CMS data, read-only, beside the repository.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """Return the folder of real event files, skipping where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real event files not found at {SHARED_DATA}")
    return SHARED_DATA
