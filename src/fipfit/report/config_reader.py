"""Typed access to the tables of a parsed TOML configuration.

`TableReader` reads one table of a configuration of ``fipfit run`` (the general
run or the zmumu example): each method checks a key's type and range and raises
`FipfitError` that names the key, the value and the fix.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Any

from fipfit.errors import FipfitError

__all__ = ["TableReader"]


class TableReader:
    """Typed access to one table of the configuration, naming keys in errors."""

    def __init__(self, table: Mapping[str, Any], where: str, origin: str) -> None:
        self.table = table
        self.where = where
        self.origin = origin

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def fail(self, name: str, message: str) -> FipfitError:
        return FipfitError(f"{self.origin}: key '{self.key(name)}' {message}")

    def check_keys(self, allowed: Sequence[str]) -> None:
        for name in self.table:
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else f"allowed keys are {', '.join(allowed)}"
                )
                raise FipfitError(
                    f"{self.origin}: unknown key '{self.key(name)}': {hint}"
                )

    def string(self, name: str, default: str | None) -> str | None:
        value = self.table.get(name, default)
        if value is not None and not isinstance(value, str):
            raise self.fail(
                name,
                f"must be a string, got {value!r} ({type(value).__name__}): "
                f'write {name} = "..."',
            )
        return value

    def choice(self, name: str, default: str, choices: Sequence[str]) -> str:
        value = self.string(name, default)
        if value not in choices:
            raise self.fail(name, f"must be one of {', '.join(choices)}, got {value!r}")
        return str(value)

    def integer(self, name: str, default: int, minimum: int) -> int:
        value = self.table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(
                name,
                f"must be an integer, got {value!r} ({type(value).__name__}): "
                f"write {name} = {default}",
            )
        if value < minimum:
            raise self.fail(name, f"must be at least {minimum}, got {value}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.table.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(
                name,
                f"must be true or false, got {value!r} ({type(value).__name__}): "
                f"write {name} = {str(default).lower()}",
            )
        return value

    def number(self, name: str, default: float, *, positive: bool) -> float:
        value = self.table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(
                name,
                f"must be a number, got {value!r} ({type(value).__name__}): "
                f"write {name} = {default}",
            )
        number = float(value)
        if not math.isfinite(number) or (positive and number <= 0):
            raise self.fail(name, f"must be a positive finite number, got {value}")
        return number

    def strings(self, name: str, default: Sequence[str] | None) -> tuple[str, ...]:
        value = self.table.get(name, default)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(
            isinstance(item, str) for item in value
        ):
            raise self.fail(
                name,
                f'must be a list of strings, got {value!r}: write {name} = ["a", "b"]',
            )
        return tuple(value)

    def table_of(self, name: str) -> dict[str, Any]:
        value = self.table.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(
                name,
                f"must be a table, got {value!r} ({type(value).__name__}): "
                f"write it as [{self.key(name)}] with keys below it",
            )
        return value

    def sub(self, name: str) -> TableReader:
        return TableReader(self.table_of(name), self.key(name), self.origin)
