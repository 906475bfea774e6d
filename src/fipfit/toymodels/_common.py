"""The base class of the toy models: settings, generation, metadata, references."""

from __future__ import annotations

import abc
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import FipfitError
from fipfit.events import Events
from fipfit.information import fip_from_matrices

__all__ = [
    "RandomState",
    "ToyModel",
    "as_theta",
    "background_count",
    "check_count",
    "check_increasing",
    "check_non_negative",
    "check_positive",
    "truncated_exponential",
    "truncated_exponential_pdf",
]

FloatArray = NDArray[np.float64]
RandomState = int | np.random.Generator | None


class ToyModel(abc.ABC):
    """A toy Monte Carlo model with exact weight derivatives and references.

    Every number of a model is a setting with a default in `defaults`; the
    keyword arguments of `generate` and the other methods override them. The
    model is a `fipfit.weightmodels.WeightModel`: `weight_at` gives each
    event's weight at any theta, from the stored weight at theta_0 and the
    event's generator-level columns.
    """

    #: Registry name of the model.
    name: str
    #: Default value of every setting, by name.
    defaults: Mapping[str, float]
    #: Unit or meaning of every setting, by name, for help texts.
    units: Mapping[str, str]
    #: One-line description, printed by ``fipfit generate MODEL --show-settings``.
    summary: str

    # Settings ------------------------------------------------------------------

    def resolve_settings(self, settings: Mapping[str, Any]) -> dict[str, float]:
        """Return the defaults updated with `settings`, checked.

        Raises
        ------
        FipfitError
            For an unknown setting name, a value that is not a finite number,
            or values the model cannot use (`check_settings`).
        """
        unknown = sorted(set(settings) - set(self.defaults))
        if unknown:
            raise FipfitError(
                f"unknown setting {unknown} for toy model '{self.name}': "
                f"valid settings are {sorted(self.defaults)}"
            )
        resolved = dict(self.defaults)
        for key, value in settings.items():
            resolved[key] = _as_setting(key, value)
        self.check_settings(resolved)
        return resolved

    @abc.abstractmethod
    def check_settings(self, settings: Mapping[str, float]) -> None:
        """Raise `FipfitError` if the resolved settings are out of range."""

    # WeightModel protocol -------------------------------------------------------

    @abc.abstractmethod
    def parameter_names(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """Return the parameter names, in the order of the derivative columns."""

    @abc.abstractmethod
    def theta0(self, settings: Mapping[str, Any]) -> FloatArray:
        """Return the reference point theta_0, shape (n_parameters,)."""

    @abc.abstractmethod
    def weight_at(
        self, frame: pd.DataFrame, theta: ArrayLike, settings: Mapping[str, Any]
    ) -> FloatArray:
        """Return each event's weight at `theta`, shape (n_events,)."""

    # Generation -----------------------------------------------------------------

    @abc.abstractmethod
    def _generate(
        self, n: int, rng: np.random.Generator, settings: Mapping[str, float]
    ) -> pd.DataFrame:
        """Generate `n` signal events and the background, with resolved settings."""

    def generate(
        self, n: int, *, random_state: RandomState = 0, **settings: Any
    ) -> pd.DataFrame:
        """Generate `n` signal events (and the model's background) as a table.

        Parameters
        ----------
        n : int
            Number of generated signal events, selected or not.
        random_state : int, numpy.random.Generator or None
            Seed of the generator.
        **settings : float
            Overrides of `defaults`.

        Returns
        -------
        pandas.DataFrame
            The canonical format: ``weight``, ``dweight`` or ``dweight_<name>``,
            ``label`` (int8), ``selected`` (bool), ``true_*`` generator-level
            columns and the observables.
        """
        resolved = self.resolve_settings(settings)
        count = check_count(n)
        rng = np.random.default_rng(random_state)
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                # Non-finite results are found below and reported with the settings.
                frame = self._generate(count, rng, resolved)
        except OverflowError:
            raise _nonfinite_error(self.name, resolved) from None
        numbers = frame.select_dtypes("number").to_numpy(dtype=np.float64)
        if not np.isfinite(numbers).all():
            raise _nonfinite_error(self.name, resolved)
        return frame

    def metadata(
        self, n: int, random_state: RandomState, settings: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Return the metadata that lets a reader rebuild the weights at any theta.

        The keys are ``weight_model`` (the model name), ``settings`` (every
        setting, resolved), ``seed`` and ``n_signal``, as
        `fipfit.weightmodels.weight_model_from_metadata` expects.
        """
        # A Generator has no seed to record: the file then stores null.
        seed = int(random_state) if isinstance(random_state, numbers.Integral) else None
        return {
            "weight_model": self.name,
            "settings": self.resolve_settings(settings),
            "seed": seed,
            "n_signal": check_count(n),
        }

    def generate_events(
        self, n: int, *, random_state: RandomState = 0, **settings: Any
    ) -> Events:
        """Generate events as validated `fipfit.Events` carrying the metadata."""
        frame = self.generate(n, random_state=random_state, **settings)
        return Events.from_frame(
            frame, metadata=self.metadata(n, random_state, settings)
        )

    # References -----------------------------------------------------------------

    @abc.abstractmethod
    def reference_information(self, n: float, **settings: Any) -> dict[str, FloatArray]:
        """Compute the reference informations for `n` generated signal events.

        Returns matrices of shape (n_parameters, n_parameters), normalised as the
        generated weights: the expected value of sum_e d_e d_e^T / w_e for key
        ``ideal``, and the limits of fine partitions of observables for the
        other keys. They come from numerical integration of the model's
        densities, never from a sample.
        """

    def reference_fip(self, **settings: Any) -> dict[str, float | list[float]]:
        """Return each reference information as a FIP, relative to ``ideal``.

        One parameter gives a float per key, several give the per-parameter
        FIP_i = [I_ideal^-1]_ii / [I^-1]_ii as a list.
        """
        references = self.reference_information(1.0, **settings)
        ideal = references["ideal"]
        result: dict[str, float | list[float]] = {}
        for key, matrix in references.items():
            fip = fip_from_matrices(matrix, ideal)
            result[key] = float(fip[0]) if fip.size == 1 else fip.tolist()
        return result


def _nonfinite_error(model: str, settings: Mapping[str, float]) -> FipfitError:
    return FipfitError(
        f"toy model '{model}' gives NaN or infinite values with settings "
        f"{dict(settings)}: choose settings of ordinary size (see --show-settings "
        "for their units)"
    )


def check_count(n: object) -> int:
    """Return `n` as a positive int, or raise `FipfitError`."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        if isinstance(n, float) and n.is_integer():
            n = int(n)
        else:
            raise FipfitError(f"number of events must be a positive integer, got {n!r}")
    count = int(n)
    if count <= 0:
        raise FipfitError(f"number of events must be positive, got {count}")
    return count


def check_positive(settings: Mapping[str, float], *names: str) -> None:
    """Raise `FipfitError` unless every named setting is > 0."""
    for name in names:
        if not settings[name] > 0:
            raise FipfitError(
                f"setting '{name}' must be positive, got {settings[name]}"
            )


def check_non_negative(settings: Mapping[str, float], *names: str) -> None:
    """Raise `FipfitError` unless every named setting is >= 0."""
    for name in names:
        if not settings[name] >= 0:
            raise FipfitError(
                f"setting '{name}' must be zero or positive, got {settings[name]}"
            )


def check_increasing(settings: Mapping[str, float], low: str, high: str) -> None:
    """Raise `FipfitError` unless setting `low` is below setting `high`."""
    if not settings[low] < settings[high]:
        raise FipfitError(
            f"setting '{low}' ({settings[low]}) must be below '{high}' "
            f"({settings[high]})"
        )


def background_count(n: int, fraction: float) -> int:
    """Return the number of background events, round(fraction * n)."""
    return round(fraction * n)


def truncated_exponential(
    rng: np.random.Generator, size: int, low: float, high: float, slope: float
) -> FloatArray:
    """Draw from the density exp(-(x - low) / slope) on [low, high], by inversion."""
    u = rng.random(size)
    span = 1.0 - math.exp(-(high - low) / slope)
    return np.asarray(low - slope * np.log1p(-u * span), dtype=np.float64)


def truncated_exponential_pdf(
    x: ArrayLike, low: float, high: float, slope: float
) -> FloatArray:
    """Return the density of `truncated_exponential` at `x` (0 outside)."""
    values = np.asarray(x, dtype=np.float64)
    norm = slope * -math.expm1(-(high - low) / slope)
    density = np.exp(-(values - low) / slope) / norm
    return np.where((values >= low) & (values <= high), density, 0.0)


def as_theta(theta: ArrayLike, size: int, model: str) -> FloatArray:
    """Return `theta` as a float array of shape (size,), or raise `FipfitError`."""
    array = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    if array.shape != (size,):
        raise FipfitError(
            f"toy model '{model}' has {size} parameters, got theta of shape "
            f"{array.shape}"
        )
    return array


def _as_setting(key: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FipfitError(f"setting '{key}' must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise FipfitError(f"setting '{key}' must be finite, got {value!r}")
    return number
