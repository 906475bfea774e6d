"""Per-bin yield models W_k(theta) that a fit evaluates in microseconds.

`PolynomialModel` is a quadratic (or linear) polynomial per bin around theta_0,
`SplineModel` a cubic spline per bin in one parameter. Both return the K
yields and their derivatives in theta without touching the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = ["BinModel", "PolynomialModel", "SplineModel"]

FloatArray = NDArray[np.float64]


class BinModel(Protocol):
    """Yields W_k(theta), shape (K,), and their Jacobian, shape (K, p)."""

    def value(self, theta: FloatArray) -> FloatArray: ...

    def jacobian(self, theta: FloatArray) -> FloatArray: ...


@dataclass(frozen=True)
class PolynomialModel:
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
class SplineModel:
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
