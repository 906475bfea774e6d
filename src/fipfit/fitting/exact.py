"""Exact templates: per-bin yields reweighted with a weight model, interpolated.

`ExactWeights` reweights every template event to a point theta with the weight
model named in the events' metadata and sums the weights per bin.
`interpolate_exact` evaluates it on a grid of theta and interpolates each bin:
a cubic spline for one parameter, a least-squares quadratic polynomial for
several.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import CubicSpline

from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import Events, as_float_array
from fipfit.fitting.binmodels import BinModel, PolynomialModel, SplineModel
from fipfit.information import weighted_bincount
from fipfit.weightmodels import WeightModel

__all__ = ["ExactWeights", "grid_ranges", "interpolate_exact"]

FloatArray = NDArray[np.float64]

#: Grid points of the exact single-parameter spline.
DEFAULT_SPLINE_POINTS = 41
#: Grid points per parameter of the exact several-parameter polynomial.
DEFAULT_POLYNOMIAL_POINTS = 5
#: Relative tolerance when checking that the weight model reproduces the weights.
MODEL_CHECK_TOLERANCE = 1e-8


def _full_theta(
    reference: FloatArray, indices: NDArray[np.intp], theta: FloatArray
) -> FloatArray:
    full = reference.copy()
    full[indices] = theta
    return full


class ExactWeights:
    """Exact per-bin weights W_k(theta) from a weight model, for the inside events."""

    def __init__(
        self,
        events: Events,
        labels: NDArray[np.intp],
        n_bins: int,
        indices: NDArray[np.intp],
        found: tuple[WeightModel, dict[str, Any]],
    ) -> None:
        self.model, self.settings = found
        inside = labels >= 0
        self.frame: pd.DataFrame = events.data.loc[inside].reset_index(drop=True)
        self.bins = labels[inside]
        self.n_bins = n_bins
        self.indices = indices
        self.reference = np.asarray(self.model.theta0(self.settings), dtype=np.float64)
        self._check(events.weight[inside])

    def _check(self, weight: FloatArray) -> None:
        at_reference = self.model.weight_at(self.frame, self.reference, self.settings)
        scale = float(np.max(np.abs(weight))) if weight.size else 1.0
        deviation = float(np.max(np.abs(at_reference - weight))) if weight.size else 0
        if deviation > MODEL_CHECK_TOLERANCE * max(scale, 1e-300):
            raise InvalidEventsError(
                f"the weight model '{self.model.name}' named in the file's metadata "
                "does not reproduce the weight column at theta_0 (largest "
                f"difference {deviation:.3g}): the weights were changed after "
                "generation; use method='linear' or remove the model from the "
                "metadata"
            )

    def at(self, theta: ArrayLike) -> FloatArray:
        """Return W_k at the fitted parameters `theta`, shape (K,)."""
        full = _full_theta(
            self.reference, self.indices, np.atleast_1d(as_float_array(theta, "theta"))
        )
        weight = self.model.weight_at(self.frame, full, self.settings)
        return weighted_bincount(self.bins, np.asarray(weight), self.n_bins)


def grid_ranges(
    events: Events,
    indices: NDArray[np.intp],
    theta0: FloatArray,
    theta_range: ArrayLike | None,
) -> FloatArray:
    """Return the grid's (low, high) per fitted parameter, shape (p, 2).

    Default: theta_0 +- 0.5 / sqrt(I_ideal / sum |w|) per parameter.
    """
    p = indices.size
    if theta_range is not None:
        ranges = np.asarray(as_float_array(theta_range, "theta_range"))
        if ranges.shape == (2,):
            ranges = np.tile(ranges, (p, 1))
        if ranges.shape != (p, 2) or np.any(ranges[:, 1] <= ranges[:, 0]):
            raise FipfitError(
                f"theta_range must be (low, high) per parameter with low < high, "
                f"got {ranges.tolist()}"
            )
        outside = (theta0 < ranges[:, 0]) | (theta0 > ranges[:, 1])
        if outside.any():
            raise FipfitError(
                f"theta_range {ranges.tolist()} does not contain theta_0 = "
                f"{theta0.tolist()}: widen it"
            )
        return ranges
    w = events.weight
    nonzero = w != 0
    total = float(np.abs(w).sum())
    ideal = np.array(
        [np.sum(events.dweight[nonzero, i] ** 2 / np.abs(w[nonzero])) for i in indices]
    )
    half_width = 0.5 / np.sqrt(ideal / total)
    return np.column_stack([theta0 - half_width, theta0 + half_width])


def interpolate_exact(
    exact: ExactWeights, ranges: FloatArray, n_grid: int | None
) -> tuple[BinModel, FloatArray, float, str]:
    """Evaluate `exact` on a grid over `ranges` and interpolate each bin.

    Returns the model, its limits (p, 2), the estimated largest relative
    interpolation error and the method's name.
    """
    p = ranges.shape[0]
    if p == 1:
        points = DEFAULT_SPLINE_POINTS if n_grid is None else n_grid
        if points < 5:
            raise FipfitError(f"the spline grid needs at least 5 points, got {points}")
        if points % 2 == 0:
            points += 1  # odd, so that every other point spans the same range
        grid = np.linspace(ranges[0, 0], ranges[0, 1], points)
        values = np.vstack([exact.at([theta]) for theta in grid])
        grid, values = _positive_span(grid, values, exact.reference[exact.indices][0])
        spline = CubicSpline(grid, values, axis=0)
        coarse = CubicSpline(grid[::2], values[::2], axis=0)
        middle = grid[1::2]
        error = float(
            np.max(np.abs(coarse(middle) - values[1::2]) / np.abs(values[1::2]))
        )
        model = SplineModel(grid, np.asarray(spline.c, dtype=np.float64))
        return model, np.array([[grid[0], grid[-1]]]), error, "exact-spline"

    points = DEFAULT_POLYNOMIAL_POINTS if n_grid is None else n_grid
    if points < 3:
        raise FipfitError(f"the grid needs at least 3 points per axis, got {points}")
    axes = [np.linspace(low, high, points) for low, high in ranges]
    theta0 = exact.reference[exact.indices]
    shifts = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, p)
    values = np.vstack([exact.at(theta) for theta in shifts])
    if np.any(values <= 0):
        raise FipfitError(
            "some template bins reach W_k <= 0 inside theta_range "
            f"{ranges.tolist()}: narrow theta_range"
        )
    polynomial, residual = _fit_quadratic(shifts - theta0, values, theta0)
    return polynomial, ranges.copy(), residual, "exact-polynomial"


def _positive_span(
    grid: FloatArray, values: FloatArray, theta0: float
) -> tuple[FloatArray, FloatArray]:
    """Keep the contiguous grid points around theta_0 where every W_k > 0."""
    positive = np.all(values > 0, axis=1)
    start = int(np.argmin(np.abs(grid - theta0)))
    low = start
    while low > 0 and positive[low - 1]:
        low -= 1
    high = start
    while high < grid.size - 1 and positive[high + 1]:
        high += 1
    if high - low < 4:
        raise FipfitError(
            "template bins reach W_k <= 0 within a few grid steps of theta_0: "
            "narrow theta_range or increase the number of grid points"
        )
    if (high - low) % 2:
        high -= 1  # keep an odd number of points for the error estimate
    return grid[low : high + 1], values[low : high + 1]


def _fit_quadratic(
    shifts: FloatArray, values: FloatArray, theta0: FloatArray
) -> tuple[PolynomialModel, float]:
    """Fit c + J t + 1/2 t^T H t per bin to exact values at shifts t."""
    n, p = shifts.shape
    pairs = [(i, j) for i in range(p) for j in range(i, p)]
    design = np.column_stack(
        [np.ones(n), shifts] + [shifts[:, i] * shifts[:, j] for i, j in pairs]
    )
    solution, *_ = np.linalg.lstsq(design, values, rcond=None)
    coefficients = np.asarray(solution, dtype=np.float64)
    residual = float(np.max(np.abs(design @ coefficients - values) / np.abs(values)))
    k = values.shape[1]
    hessian = np.zeros((k, p, p))
    for column, (i, j) in enumerate(pairs, start=1 + p):
        if i == j:
            hessian[:, i, i] = 2.0 * coefficients[column]
        else:
            hessian[:, i, j] = hessian[:, j, i] = coefficients[column]
    return (
        PolynomialModel(theta0, coefficients[0], coefficients[1 : 1 + p].T, hessian),
        residual,
    )
