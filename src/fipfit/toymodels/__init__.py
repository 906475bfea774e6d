"""Toy Monte Carlo models with exact weight derivatives and analytic references.

Each model generates weighted events in the canonical format, rebuilds their
weights at any theta (`fipfit.weightmodels.WeightModel`), and computes by
numerical integration the reference informations that fine partitions of its
generator-level and detector-level variables approach.

- ``peak``: a resonance mass measured with an eta-dependent resolution;
- ``xsec``: a signal strength measured with three correlated observables;
- ``eft``: two EFT couplings with a falling energy spectrum and an angle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from fipfit.errors import FipfitError
from fipfit.events import Events
from fipfit.toymodels import eft, peak, xsec
from fipfit.toymodels._common import RandomState, ToyModel

__all__ = ["MODELS", "ToyModel", "generate", "generate_events", "get_model"]

#: The toy models by name.
MODELS: Mapping[str, ToyModel] = {
    "peak": peak.MODEL,
    "xsec": xsec.MODEL,
    "eft": eft.MODEL,
}


def get_model(name: str) -> ToyModel:
    """Return the toy model `name`, or raise `FipfitError` listing the choices."""
    if name not in MODELS:
        raise FipfitError(f"unknown toy model '{name}': choose one of {sorted(MODELS)}")
    return MODELS[name]


def generate(
    name: str, n: int, *, random_state: RandomState = 0, **settings: Any
) -> pd.DataFrame:
    """Generate `n` signal events of toy model `name`, with its background."""
    return get_model(name).generate(n, random_state=random_state, **settings)


def generate_events(
    name: str, n: int, *, random_state: RandomState = 0, **settings: Any
) -> Events:
    """Generate toy events as `fipfit.Events`, with the model's metadata."""
    return get_model(name).generate_events(n, random_state=random_state, **settings)
