"""Weighted regression, ranking and threshold metrics: MSE, ROC AUC, accuracy."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score, roc_curve

from fipfit.errors import InvalidEventsError
from fipfit.events import as_float_array, check_finite
from fipfit.metrics._common import FloatArray, as_binary, as_sample_weight, as_vector

__all__ = ["accuracy", "roc_auc", "weighted_mse"]


def _check_class_weights(y_true: FloatArray, weight: FloatArray) -> None:
    """Raise unless both classes have a positive total weight."""
    for value, name in ((1.0, "signal"), (0.0, "background")):
        total = float(weight[y_true == value].sum())
        if not total > 0:
            raise InvalidEventsError(
                f"the {name} events have total weight {total}: ranking and "
                "threshold metrics need events of both classes with a positive "
                "total weight"
            )


def weighted_mse(
    gamma: ArrayLike, prediction: ArrayLike, weight: ArrayLike
) -> FloatArray:
    """Compute the weighted MSE of a regressor of gamma, one per parameter.

    Parameters
    ----------
    gamma : array-like of shape (n_events,) or (n_events, n_parameters)
        Per-event sensitivity d / w.
    prediction : array-like of the same shape
        The regressor's estimate of gamma.
    weight : array-like of shape (n_events,)
        Event weights; their sum must be positive.

    Returns
    -------
    ndarray of shape (n_parameters,)
        sum_e w_e (gamma_e - prediction_e)^2 / sum_e w_e.

    Notes
    -----
    With the bin means Gamma_k = D_k / W_k as prediction on the events of a
    partition and positive weights, the MSE times sum w equals
    I_ideal(selected) - I(P): the information a fit loses is the regression
    error of its partition.
    """
    target = as_float_array(gamma, "gamma")
    estimate = as_float_array(prediction, "prediction")
    if target.ndim == 1:
        target = target[:, np.newaxis]
    if estimate.ndim == 1:
        estimate = estimate[:, np.newaxis]
    if target.ndim != 2 or estimate.shape != target.shape:
        raise InvalidEventsError(
            f"gamma has shape {np.shape(gamma)} but prediction has shape "
            f"{np.shape(prediction)}: give one prediction per event and parameter"
        )
    check_finite(target, "gamma")
    check_finite(estimate, "prediction")
    w = as_sample_weight(weight, target.shape[0])
    mse = mean_squared_error(
        target, estimate, sample_weight=w, multioutput="raw_values"
    )
    return np.asarray(mse, dtype=np.float64)


def roc_auc(
    y_true: ArrayLike, y_score: ArrayLike, *, sample_weight: ArrayLike | None = None
) -> float:
    """Compute the weighted area under the ROC curve.

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
        1 for signal, 0 for background.
    y_score : array-like of shape (n_events,)
        Any score that is larger for signal-like events.
    sample_weight : array-like of shape (n_events,), optional

    Returns
    -------
    float
        The weighted probability that a signal event scores above a background
        event, ties counting one half.

    Notes
    -----
    With non-negative weights this is `sklearn.metrics.roc_auc_score`. With
    negative weights it is the trapezoid integral of the signed weighted ROC
    curve, which scikit-learn's ``auc`` rejects because that curve need not be
    monotonic. Both classes need a positive total weight.
    """
    outcome = as_binary(y_true, "y_true")
    n = outcome.shape[0]
    score = as_vector(y_score, "y_score", n)
    weight = as_sample_weight(sample_weight, n)
    _check_class_weights(outcome, weight)
    if np.all(weight >= 0):
        return float(roc_auc_score(outcome, score, sample_weight=weight))
    fpr, tpr, _ = roc_curve(
        outcome, score, sample_weight=weight, drop_intermediate=False
    )
    return float(np.trapezoid(tpr, fpr))


def accuracy(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    threshold: float = 0.5,
    sample_weight: ArrayLike | None = None,
) -> float:
    """Compute the weighted accuracy of the cut ``y_score > threshold``.

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
        1 for signal, 0 for background.
    y_score : array-like of shape (n_events,)
        Events above `threshold` are called signal, as scikit-learn's
        classifiers call class 1 above probability 0.5.
    threshold : float, default 0.5
    sample_weight : array-like of shape (n_events,), optional
        Signed weights are used as they are; their sum must be positive.

    Returns
    -------
    float
        The weighted fraction of events classified correctly.
    """
    outcome = as_binary(y_true, "y_true")
    n = outcome.shape[0]
    score = as_vector(y_score, "y_score", n)
    weight = as_sample_weight(sample_weight, n)
    predicted = (score > threshold).astype(np.float64)
    return float(accuracy_score(outcome, predicted, sample_weight=weight))
