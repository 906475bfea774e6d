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
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fipfit.errors import FipfitError, InvalidEventsError
from fipfit.events import Events, as_float_array
from fipfit.fitting.binmodels import BinModel, PolynomialModel
from fipfit.fitting.exact import ExactWeights, grid_ranges, interpolate_exact
from fipfit.information import weighted_bincount
from fipfit.weightmodels import weight_model_from_metadata

__all__ = ["Templates", "bin_weights_at", "partition_labels"]

FloatArray = NDArray[np.float64]
Method = Literal["auto", "exact", "linear", "quadratic"]


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
        return ExactWeights(events, bins, k, indices, found).at(point)
    polynomial = _expansion(events, bins, k, indices, method)
    return polynomial.value(point)


def _expansion(
    events: Events,
    bins: NDArray[np.intp],
    n_bins: int,
    indices: NDArray[np.intp],
    method: Method,
) -> PolynomialModel:
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
    return PolynomialModel(theta0, constant, linear, hessian)


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
    _model: BinModel

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
            exact = ExactWeights(events, bins, k, indices, found)
            theta0 = exact.reference[indices]
            ranges = grid_ranges(events, indices, theta0, theta_range)
            model, limits, error, label = interpolate_exact(exact, ranges, n_grid)
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


def _positive_range(polynomial: PolynomialModel) -> FloatArray:
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
