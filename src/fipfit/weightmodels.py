"""Weight models: event weights as exact functions of the parameters.

A file whose events come from a toy model or a reweighting model records the
model's name and settings in its metadata (keys ``weight_model`` and
``settings``). The fit then rebuilds templates at any theta exactly, with
`WeightModel.weight_at`, instead of the linear expansion W + D (theta - theta_0).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import FipfitError

__all__ = ["WeightModel", "weight_model", "weight_model_from_metadata"]

#: Where each model is defined, as "module:attribute".
REGISTRY: dict[str, str] = {
    "peak": "fipfit.toymodels.peak:MODEL",
    "xsec": "fipfit.toymodels.xsec:MODEL",
    "eft": "fipfit.toymodels.eft:MODEL",
    "zlineshape": "fipfit.reweighting.zlineshape:MODEL",
}


class WeightModel(Protocol):
    """Per-event weights as a function of the parameters theta."""

    @property
    def name(self) -> str:
        """Registry name of the model."""
        ...

    def parameter_names(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """Return the parameter names, in the order of the derivative columns."""
        ...

    def theta0(self, settings: Mapping[str, Any]) -> NDArray[np.float64]:
        """Return the reference point theta_0, shape (n_parameters,)."""
        ...

    def weight_at(
        self, frame: pd.DataFrame, theta: ArrayLike, settings: Mapping[str, Any]
    ) -> NDArray[np.float64]:
        """Return each event's weight at `theta`, shape (n_events,).

        At theta_0 this equals the ``weight`` column, and its derivative there
        equals the ``dweight`` columns.
        """
        ...


def weight_model(name: str) -> WeightModel:
    """Return the registered weight model `name`."""
    if name not in REGISTRY:
        raise FipfitError(
            f"unknown weight model '{name}': choose one of {sorted(REGISTRY)}"
        )
    module_name, attribute = REGISTRY[name].split(":")
    model: WeightModel = getattr(importlib.import_module(module_name), attribute)
    return model


def weight_model_from_metadata(
    metadata: Mapping[str, Any],
) -> tuple[WeightModel, dict[str, Any]] | None:
    """Return the weight model and settings a file's metadata names, if any."""
    name = metadata.get("weight_model")
    if name is None:
        return None
    settings = dict(metadata.get("settings", {}))
    return weight_model(str(name)), settings
