"""Model files: a trained regressor or classifier with what it needs to be applied.

A model file is a skops archive: a zip of JSON and NumPy arrays, loaded without
pickle. It contains the fitted estimator, the names of the features it reads in
order, the parameter names of its outputs, the kind of model, free-form
metadata and the fipfit version that wrote it. Loading trusts only types from
fipfit's estimators and the libraries they wrap (scikit-learn, LightGBM,
XGBoost, NumPy, SciPy).
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fipfit.atomic import atomic_file
from fipfit.errors import FileFormatError, FipfitError
from fipfit.events import Events
from fipfit.regression import model_output

__all__ = ["KINDS", "LoadedModel", "load_model", "save_model"]

FloatArray = NDArray[np.float64]

#: Value of the ``format`` entry that marks a fipfit model file.
MODEL_FORMAT = "fipfit-model"

#: Kinds of model a file can hold.
KINDS = ("regressor", "classifier")

#: Modules whose types a model file may contain; anything else is rejected.
TRUSTED_MODULES = (
    "fipfit.regression.",
    "sklearn.",
    "lightgbm.",
    "xgboost.",
    "numpy.",
    "scipy.",
    "collections.OrderedDict",
)


def _version() -> str:
    from fipfit import __version__

    return __version__


@dataclass(frozen=True)
class LoadedModel:
    """A trained model read from a file.

    Attributes
    ----------
    estimator : fitted estimator
    kind : {"regressor", "classifier"}
    features : tuple of str
        Columns the estimator reads, in order.
    parameters : tuple of str
        Parameter of each regressor output (the parameters of the training
        events for a classifier).
    metadata : mapping
    fipfit_version : str
    """

    estimator: Any
    kind: str
    features: tuple[str, ...]
    parameters: tuple[str, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    fipfit_version: str = ""

    def component(self, parameter: str | None) -> int | None:
        """Return the output index of `parameter` for a regressor with several.

        None for a classifier or a single-output regressor, whose one output
        is used whatever `parameter` is.
        """
        if self.kind != "regressor" or len(self.parameters) == 1:
            return None
        if parameter is None:
            raise FipfitError(
                f"the model regresses {len(self.parameters)} parameters "
                f"{list(self.parameters)}: choose one with --param"
            )
        if parameter not in self.parameters:
            raise FipfitError(
                f"parameter '{parameter}' is not an output of the model, whose "
                f"outputs are {list(self.parameters)}"
            )
        return self.parameters.index(parameter)

    def output(self, events: Events, *, parameter: str | None = None) -> FloatArray:
        """Return the model's output for every event, shape (n_events,).

        A classifier gives the signal probability, a regressor its estimate of
        gamma for `parameter` (needed when it has several outputs).
        """
        missing = [name for name in self.features if name not in events.data.columns]
        if missing:
            raise FipfitError(
                f"the model reads features {list(self.features)} but the events "
                f"lack {missing}: apply it to a file with those columns"
            )
        X = events.features(list(self.features))
        return model_output(self.estimator, X, component=self.component(parameter))


def _check_metadata(metadata: Mapping[str, Any] | None) -> str:
    try:
        return json.dumps(dict(metadata or {}))
    except (TypeError, ValueError) as error:
        raise FipfitError(
            f"model metadata must be JSON-serialisable: {error}; convert arrays "
            "to lists and objects to strings"
        ) from None


def save_model(
    path: str | os.PathLike[str],
    estimator: Any,
    *,
    features: Sequence[str],
    kind: str,
    parameters: Sequence[str],
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write a fitted estimator and its description to a model file.

    Parameters
    ----------
    path : path-like
        Output file; written atomically (complete or not at all).
    estimator : fitted GammaRegressor or SignalClassifier
        Or any fitted scikit-learn-compatible estimator of the trusted
        libraries.
    features : sequence of str
        Feature columns in the order the estimator reads them.
    kind : {"regressor", "classifier"}
    parameters : sequence of str
        Parameter names of the regressor's outputs (for a classifier, those of
        the training events).
    metadata : mapping, optional
        JSON-serialisable provenance (training file, seed, train and test FIP).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import skops.io

    if kind not in KINDS:
        raise FipfitError(f"kind must be one of {KINDS}, got {kind!r}")
    names = [str(name) for name in features]
    if not names:
        raise FipfitError("a model needs at least one feature name")
    n_features = getattr(estimator, "n_features_in_", None)
    if n_features is None:
        raise FipfitError("the estimator is not fitted: fit it before saving")
    if n_features != len(names):
        raise FipfitError(
            f"the estimator reads {n_features} features but {len(names)} names "
            f"were given ({names}): give one name per feature, in order"
        )
    payload = {
        "format": MODEL_FORMAT,
        "fipfit_version": _version(),
        "kind": kind,
        "features": names,
        "parameters": [str(name) for name in parameters],
        "metadata": _check_metadata(metadata),
        "estimator": estimator,
    }
    target = Path(path)
    with atomic_file(target) as temporary:
        skops.io.dump(payload, temporary)
    return target


def _read_payload(source: Path) -> Any:
    import skops.io

    try:
        found = skops.io.get_untrusted_types(file=source)
        untrusted = [
            name
            for name in found
            if not any(name.startswith(module) for module in TRUSTED_MODULES)
        ]
        if untrusted:
            raise FileFormatError(
                f"model file '{source}' contains types fipfit does not trust: "
                f"{untrusted[:5]}; load only model files written by 'fipfit train'"
            )
        return skops.io.load(source, trusted=found)
    except (
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        # A damaged zip directory makes zipfile seek to a negative offset
        # (OSError) or read a damaged member (zlib.error, EOFError).
        OSError,
        EOFError,
        zlib.error,
    ) as error:
        if isinstance(error, FipfitError):
            raise
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise FileFormatError(
            f"cannot read model file '{source}': {reason}; the file is corrupt, "
            "truncated or not a fipfit model file"
        ) from None


def load_model(
    path: str | os.PathLike[str], *, features: Sequence[str] | None = None
) -> LoadedModel:
    """Read a model file written by `save_model`.

    Parameters
    ----------
    path : path-like
    features : sequence of str, optional
        The features the caller will supply, in order; a mismatch with the
        model's raises.

    Raises
    ------
    FileFormatError
        If the file is missing, corrupt, not a fipfit model or contains types
        outside the trusted libraries.
    FipfitError
        If it was written by another fipfit version, or `features` differ from
        the model's.
    """
    source = Path(path)
    if not source.is_file():
        raise FipfitError(f"model file '{source}' not found: check the path")
    payload = _read_payload(source)
    if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
        raise FileFormatError(
            f"'{source}' is not a fipfit model file: write one with 'fipfit train'"
        )
    version = payload.get("fipfit_version")
    if version != _version():
        raise FipfitError(
            f"model file '{source}' was written by fipfit {version} but this is "
            f"fipfit {_version()}: retrain it with 'fipfit train'"
        )
    try:
        model = LoadedModel(
            estimator=payload["estimator"],
            kind=str(payload["kind"]),
            features=tuple(str(name) for name in payload["features"]),
            parameters=tuple(str(name) for name in payload["parameters"]),
            metadata=json.loads(payload["metadata"]),
            fipfit_version=str(version),
        )
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise FileFormatError(
            f"model file '{source}' lacks a valid entry ({error}): it is corrupt "
            "or was not written by 'fipfit train'"
        ) from None
    if model.kind not in KINDS:
        raise FileFormatError(
            f"model file '{source}' has kind {model.kind!r}, expected one of {KINDS}"
        )
    if features is not None and tuple(features) != model.features:
        raise FipfitError(
            f"the model was trained on features {list(model.features)} but "
            f"{list(features)} were given: use the same columns in the same order"
        )
    return model
