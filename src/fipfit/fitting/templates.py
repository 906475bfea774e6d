"""Template yields of a partition as functions of the parameters theta.

A binned fit predicts the expected count in bin k as nu_k(theta) = L * W_k(theta),
where L is the luminosity and W_k(theta) the sum of the template events' weights
at theta in bin k. `Templates` builds W_k(theta) in one of three ways:

``exact``
    The events carry a weight model in their metadata (keys ``weight_model`` and
    ``settings``, see `fipfit.weightmodels`). W_k is computed exactly by
    reweighting every event on a grid of theta values, then interpolated: a
    cubic spline per bin for one parameter, a least-squares quadratic
    polynomial per bin for several. Valid inside the grid, which becomes the
    fit's parameter limits.
``linear``
    W_k(theta) = W_k + D_k . (theta - theta_0), from the ``dweight`` columns.
    Valid while |theta - theta_0| is small compared with the scale over which
    the per-event sensitivity gamma changes; beyond, bins can turn negative.
``quadratic``
    The linear expansion plus 1/2 (theta - theta_0)^T H_k (theta - theta_0),
    with H_k summed from second-derivative columns (``d2weight`` for a single
    parameter, ``d2weight_<name>`` for each parameter and, optionally,
    ``d2weight_<a>_<b>`` for a mixed derivative).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import CubicSpline

from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import Events, as_float_array
from fipfit.information import weighted_bincount
from fipfit.weightmodels import WeightModel, weight_model_from_metadata

__all__ = ["Templates", "bin_weights_at", "partition_labels"]

FloatArray = NDArray[np.float64]
Method = Literal["auto", "exact", "linear", "quadratic"]

#: Grid points of the exact single-parameter spline.
DEFAULT_SPLINE_POINTS = 41
#: Grid points per parameter of the exact several-parameter polynomial.
DEFAULT_POLYNOMIAL_POINTS = 5
#: Relative tolerance when checking that the weight model reproduces the weights.
MODEL_CHECK_TOLERANCE = 1e-8


class _BinModel(Protocol):
    def value(self, theta: FloatArray) -> FloatArray: ...

    def jacobian(self, theta: FloatArray) -> FloatArray: ...


@dataclass(frozen=True)
class _Polynomial:
    """W(theta) = c + J . t + 1/2 t^T H t with t = theta - theta_0, per bin."""

    theta0: FloatArray  # (p,)
    constant: FloatArray  # (K,)
    linear: FloatArray  # (K, p)
    hessian: FloatArray | None  # (K, p, p)

    def value(self, theta: FloatArray) -> FloatArray:
        t = theta - self.theta0
        result = self.constant + self.linear @ t
        if self.hessian is not None:
            result = result + 0.5 * np.einsum("kij,i,j->k", self.hessian, t, t)
        return np.asarray(result, dtype=np.float64)

    def jacobian(self, theta: FloatArray) -> FloatArray:
        if self.hessian is None:
            return self.linear
        t = theta - self.theta0
        return np.asarray(self.linear + self.hessian @ t, dtype=np.float64)


@dataclass(frozen=True)
class _Spline:
    """Per-bin cubic spline in one parameter, evaluated by Horner's rule."""

    knots: FloatArray  # (n_grid,)
    coefficients: FloatArray  # (4, n_grid - 1, K), highest power first

    def _locate(self, theta: FloatArray) -> tuple[int, float]:
        x = float(theta[0])
        index = int(np.searchsorted(self.knots, x, side="right")) - 1
        index = min(max(index, 0), self.knots.size - 2)
        return index, x - float(self.knots[index])

    def value(self, theta: FloatArray) -> FloatArray:
        index, dx = self._locate(theta)
        c = self.coefficients[:, index]
        return np.asarray(((c[0] * dx + c[1]) * dx + c[2]) * dx + c[3])

    def jacobian(self, theta: FloatArray) -> FloatArray:
        index, dx = self._locate(theta)
        c = self.coefficients[:, index]
        slope = (3.0 * c[0] * dx + 2.0 * c[1]) * dx + c[2]
        return np.asarray(slope[:, np.newaxis])


def partition_labels(
    events: Events, labels: ArrayLike, n_bins: int | None = None
) -> tuple[NDArray[np.intp], int]:
    """Validate bin labels and set those of unselected events to -1.

    Returns the labels, shape (n_events,), and the number of bins.
    """
    bins = np.asarray(labels)
    if bins.shape != (len(events),):
        raise InvalidEventsError(
            f"labels have shape {bins.shape}, expected ({len(events)},): "
            "one bin label per event"
        )
    if not np.issubdtype(bins.dtype, np.integer):
        raise InvalidEventsError(f"labels must be integers, got {bins.dtype}")
    bins = np.where(events.selected, bins, -1).astype(np.intp)
    k = int(bins.max()) + 1 if n_bins is None else int(n_bins)
    if k <= 0:
        raise InvalidEventsError("the partition has no bins: no event is selected")
    if bins.max() >= k:
        raise InvalidEventsError(f"labels reach {bins.max()} but n_bins is {k}")
    return bins, k


def parameter_indices(
    events: Events, parameters: Sequence[str] | None
) -> NDArray[np.intp]:
    """Return the derivative columns of `parameters` (None: all of them)."""
    if parameters is None:
        return np.arange(events.n_parameters, dtype=np.intp)
    if len(parameters) == 0:
        raise FipfitError("no parameter to fit: name at least one")
    return np.array([events.parameter_index(name) for name in parameters])


def _derivative_column(parameter: str, all_parameters: Sequence[str]) -> str:
    if tuple(all_parameters) == ("theta",):
        return "dweight"
    return f"dweight_{parameter}"


def _second_derivative_column(first: str, second: str, single: bool) -> list[str]:
    """Names under which d2w / d first d second may be stored."""
    if single:
        return ["d2weight"]
    if first == second:
        return [f"d2weight_{first}"]
    return [f"d2weight_{first}_{second}", f"d2weight_{second}_{first}"]


def _second_derivatives(
    events: Events, chosen: Sequence[str], inside: NDArray[np.bool_]
) -> FloatArray | None:
    """Per-event second derivatives (n_inside, p, p), or None if none is stored."""
    single = tuple(events.parameters) == ("theta",)
    columns = set(map(str, events.data.columns))
    p = len(chosen)
    found = False
    result = np.zeros((int(inside.sum()), p, p))
    for i, first in enumerate(chosen):
        for j, second in enumerate(chosen):
            names = _second_derivative_column(first, second, single)
            present = [name for name in names if name in columns]
            if present:
                found = True
                result[:, i, j] = events.column(present[0])[inside]
    if not found:
        return None
    missing = [
        name
        for name in chosen
        if not set(_second_derivative_column(name, name, single)) & columns
    ]
    if missing:
        raise InvalidEventsError(
            f"second-derivative columns exist but none for {missing}: add "
            "'d2weight_<name>' for every fitted parameter or drop the others"
        )
    return result


def _full_theta(
    reference: FloatArray, indices: NDArray[np.intp], theta: FloatArray
) -> FloatArray:
    full = reference.copy()
    full[indices] = theta
    return full


class _ExactWeights:
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


def bin_weights_at(
    events: Events,
    labels: ArrayLike,
    theta: ArrayLike,
    n_bins: int | None = None,
    *,
    parameters: Sequence[str] | None = None,
    method: Method = "auto",
) -> FloatArray:
    """Compute the per-bin weights W_k(theta) of a sample directly.

    Parameters
    ----------
    events : Events
    labels : array-like of int, shape (n_events,)
        Bin of each event, -1 outside the partition.
    theta : array-like of shape (n_parameters,)
        The point, one value per entry of `parameters`.
    n_bins : int, optional
    parameters : sequence of str, optional
        Parameters that `theta` sets; the others stay at theta_0. Default: all.
    method : {"auto", "exact", "linear", "quadratic"}
        "auto" reweights exactly when the events carry a weight model, and
        otherwise uses the quadratic expansion when second-derivative columns
        exist and the linear one if not.

    Returns
    -------
    ndarray of shape (n_bins,)
    """
    bins, k = partition_labels(events, labels, n_bins)
    indices = parameter_indices(events, parameters)
    point = np.atleast_1d(as_float_array(theta, "theta"))
    if point.shape != (indices.size,):
        raise FipfitError(
            f"theta has {point.size} values for {indices.size} parameters: give "
            "one value per fitted parameter"
        )
    found = weight_model_from_metadata(events.metadata)
    if method == "exact" or (method == "auto" and found is not None):
        if found is None:
            raise FipfitError(
                "exact templates need a weight model in the events' metadata "
                "(keys 'weight_model' and 'settings'): use method='linear'"
            )
        return _ExactWeights(events, bins, k, indices, found).at(point)
    polynomial = _expansion(events, bins, k, indices, method)
    return polynomial.value(point)


def _expansion(
    events: Events,
    bins: NDArray[np.intp],
    n_bins: int,
    indices: NDArray[np.intp],
    method: Method,
) -> _Polynomial:
    inside = bins >= 0
    b = bins[inside]
    chosen = [events.parameters[i] for i in indices]
    constant = weighted_bincount(b, events.weight[inside], n_bins)
    linear = np.column_stack(
        [weighted_bincount(b, events.dweight[inside, i], n_bins) for i in indices]
    )
    hessian = None
    if method in ("auto", "quadratic"):
        second = _second_derivatives(events, chosen, inside)
        if second is None and method == "quadratic":
            raise InvalidEventsError(
                "quadratic templates need second-derivative columns ('d2weight' "
                "or 'd2weight_<name>'): add them or use method='linear'"
            )
        if second is not None:
            p = len(chosen)
            hessian = np.zeros((n_bins, p, p))
            for i in range(p):
                for j in range(p):
                    hessian[:, i, j] = weighted_bincount(b, second[:, i, j], n_bins)
            hessian = 0.5 * (hessian + hessian.transpose(0, 2, 1))
    theta0 = _reference_point(events, indices)
    return _Polynomial(theta0, constant, linear, hessian)


def _reference_point(events: Events, indices: NDArray[np.intp]) -> FloatArray:
    """theta_0 of the fitted parameters: the weight model's, else zeros.

    Without a weight model theta_0 is not stored in the events, and the
    expansion is written in theta - theta_0: zero then stands for theta_0.
    """
    found = weight_model_from_metadata(events.metadata)
    if found is None:
        return np.zeros(indices.size)
    model, settings = found
    return np.asarray(model.theta0(settings), dtype=np.float64)[indices]


@dataclass(frozen=True, eq=False)
class Templates:
    """Expected yields per unit luminosity W_k(theta) of a K-bin partition.

    Build it with `Templates.from_events`. Evaluating `expected` costs a few
    microseconds whatever the number of events, so a fit can call it freely.

    Attributes
    ----------
    parameters : tuple of str
        The fitted parameters, in the order of theta.
    theta0 : ndarray of shape (n_parameters,)
        Reference point: the weight model's theta_0, else zeros (then theta is
        read as the shift from the generator's reference point).
    weight : ndarray of shape (K,)
        W_k at theta_0.
    dweight : ndarray of shape (K, n_parameters)
        D_k, the exact derivative of W_k at theta_0.
    sum_weight2 : ndarray of shape (K,)
        Sum of squared weights per bin at theta_0, for the finite-MC treatment.
    n_events : ndarray of int, shape (K,)
    method : str
        "exact-spline", "exact-polynomial", "linear" or "quadratic".
    limits : ndarray of shape (n_parameters, 2)
        Lower and upper limits of theta inside which the templates are valid
        (infinite where unbounded); fits keep theta inside them.
    interpolation_error : float
        Estimated largest relative error of the interpolated W_k against the
        exact ones on the grid (zero for the expansions, which are exact by
        construction).
    scale : float
        Factor applied to every weight (for example 1 / fraction, when the
        templates use a fraction of a sample whose weights describe the
        whole sample's yield).
    """

    parameters: tuple[str, ...]
    theta0: FloatArray
    weight: FloatArray
    dweight: FloatArray
    sum_weight2: FloatArray
    n_events: NDArray[np.int64]
    method: str
    limits: FloatArray
    interpolation_error: float
    scale: float
    _model: _BinModel

    @property
    def n_bins(self) -> int:
        """Number of bins K."""
        return int(self.weight.shape[0])

    @property
    def n_parameters(self) -> int:
        """Number of fitted parameters."""
        return len(self.parameters)

    @property
    def n_effective(self) -> FloatArray:
        """Effective number of MC events per bin, W_k^2 / sum w^2, shape (K,)."""
        return np.asarray(self.weight**2 / self.sum_weight2, dtype=np.float64)

    def expected(self, theta: ArrayLike) -> FloatArray:
        """Return W_k(theta), the yield per unit luminosity, shape (K,)."""
        point = np.atleast_1d(np.asarray(theta, dtype=np.float64))
        return self.scale * self._model.value(point)

    def jacobian(self, theta: ArrayLike) -> FloatArray:
        """Return dW_k / dtheta_i at `theta`, shape (K, n_parameters)."""
        point = np.atleast_1d(np.asarray(theta, dtype=np.float64))
        return self.scale * self._model.jacobian(point)

    @classmethod
    def from_events(
        cls,
        events: Events,
        labels: ArrayLike,
        n_bins: int | None = None,
        *,
        parameters: Sequence[str] | None = None,
        method: Method = "auto",
        theta_range: ArrayLike | None = None,
        n_grid: int | None = None,
        scale: float = 1.0,
    ) -> Templates:
        """Build the templates of the partition `labels` of `events`.

        Parameters
        ----------
        events : Events
            The template sample.
        labels : array-like of int, shape (n_events,)
            Bin of each event in [0, n_bins); -1 outside the partition.
            Unselected events are outside whatever their label.
        n_bins : int, optional
            Number of bins K; default ``max(labels) + 1``.
        parameters : sequence of str, optional
            Parameters to fit; the others stay at theta_0. Default: all.
        method : {"auto", "exact", "linear", "quadratic"}
            "auto" is "exact" when the events carry a weight model, else
            "quadratic" when second-derivative columns exist, else "linear".
        theta_range : array-like of shape (2,) or (n_parameters, 2), optional
            Grid range of the exact templates. Default: theta_0 +- half of
            ``1 / sqrt(I_ideal / sum w)``, the shift of theta that changes a
            typical event's log-weight by one half.
        n_grid : int, optional
            Grid points (per parameter): default 41 for one parameter and 5
            for several.
        scale : float
            Factor applied to every weight, default 1.

        Raises
        ------
        InvalidEventsError
            If a bin contains no events or has W_k <= 0 at theta_0 (the message
            names the bins), or if the weight model does not reproduce the
            weight column.

        Notes
        -----
        The exact single-parameter templates interpolate a cubic spline through
        W_k on an even grid. Its error is estimated by comparing with a spline
        through every other grid point (whose error is about 16 times larger
        for a smooth W_k, so the estimate is conservative); the estimate is
        stored in `interpolation_error`. Several parameters use a quadratic
        polynomial per bin, fitted by least squares to the grid: exact for
        weights quadratic in theta (effective-field-theory couplings, signal
        strengths), and the largest residual is stored otherwise. The limits
        of the fit are the grid's edges, shrunk to the range where every W_k
        stays positive.
        """
        if not scale > 0:
            raise FipfitError(f"template scale must be positive, got {scale}")
        bins, k = partition_labels(events, labels, n_bins)
        indices = parameter_indices(events, parameters)
        chosen = tuple(events.parameters[i] for i in indices)
        inside = bins >= 0
        b = bins[inside]
        w = events.weight[inside]
        counts = np.bincount(b, minlength=k).astype(np.int64)
        weight = weighted_bincount(b, w, k)
        dweight = np.column_stack(
            [weighted_bincount(b, events.dweight[inside, i], k) for i in indices]
        )
        sum_weight2 = weighted_bincount(b, w * w, k)
        _check_bins(counts, weight)

        found = weight_model_from_metadata(events.metadata)
        use_exact = method == "exact" or (method == "auto" and found is not None)
        if use_exact:
            if found is None:
                raise FipfitError(
                    "exact templates need a weight model in the events' metadata "
                    "(keys 'weight_model' and 'settings'): use method='linear'"
                )
            exact = _ExactWeights(events, bins, k, indices, found)
            theta0 = exact.reference[indices]
            ranges = _grid_ranges(events, indices, theta0, theta_range)
            model, limits, error, label = _interpolate(exact, ranges, n_grid)
        else:
            polynomial = _expansion(events, bins, k, indices, method)
            theta0 = polynomial.theta0
            model = polynomial
            limits = _positive_range(polynomial)
            error = 0.0
            label = "linear" if polynomial.hessian is None else "quadratic"

        return cls(
            parameters=chosen,
            theta0=theta0,
            weight=scale * weight,
            dweight=scale * dweight,
            sum_weight2=scale**2 * sum_weight2,
            n_events=counts,
            method=label,
            limits=limits,
            interpolation_error=error,
            scale=float(scale),
            _model=model,
        )


def _check_bins(counts: NDArray[np.int64], weight: FloatArray) -> None:
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        raise InvalidEventsError(
            f"{empty.size} template bins contain no MC events (bins "
            f"{empty.tolist()[:10]}): use fewer bins, or bin edges chosen so that "
            "each bin contains a minimum count of events"
        )
    nonpositive = np.flatnonzero(weight <= 0)
    if nonpositive.size:
        raise InvalidEventsError(
            f"{nonpositive.size} template bins have a total weight <= 0 (bins "
            f"{nonpositive.tolist()[:10]}, weights "
            f"{[float(f'{v:.3g}') for v in weight[nonpositive][:10]]}): a Poisson "
            "fit needs positive expected counts; use fewer bins or a minimum "
            "weight per bin"
        )


def _grid_ranges(
    events: Events,
    indices: NDArray[np.intp],
    theta0: FloatArray,
    theta_range: ArrayLike | None,
) -> FloatArray:
    """Grid range per fitted parameter, shape (p, 2)."""
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


def _interpolate(
    exact: _ExactWeights, ranges: FloatArray, n_grid: int | None
) -> tuple[_BinModel, FloatArray, float, str]:
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
        model = _Spline(grid, np.asarray(spline.c, dtype=np.float64))
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
) -> tuple[_Polynomial, float]:
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
        _Polynomial(theta0, coefficients[0], coefficients[1 : 1 + p].T, hessian),
        residual,
    )


def _positive_range(polynomial: _Polynomial) -> FloatArray:
    """Limits of a one-parameter expansion inside which every W_k > 0.

    Several parameters get no limits: the positive region is not a box.
    """
    p = polynomial.theta0.size
    if p != 1:
        return np.tile([-np.inf, np.inf], (p, 1))
    c = polynomial.constant
    b = polynomial.linear[:, 0]
    a = (
        np.zeros_like(c)
        if polynomial.hessian is None
        else 0.5 * polynomial.hessian[:, 0, 0]
    )
    low, high = -np.inf, np.inf
    for ak, bk, ck in zip(a, b, c, strict=True):
        roots = (
            np.roots([ak, bk, ck])
            if ak != 0
            else (np.array([-ck / bk]) if bk != 0 else np.array([]))
        )
        for root in roots:
            if abs(root.imag) > 0:
                continue
            if root.real > 0:
                high = min(high, float(root.real))
            elif root.real < 0:
                low = max(low, float(root.real))
    theta0 = float(polynomial.theta0[0])
    return np.array([[theta0 + low, theta0 + high]])
