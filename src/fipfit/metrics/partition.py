"""All metrics of one partition, with its information."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fipfit.events import Events
from fipfit.information import partition_information
from fipfit.metrics._common import FloatArray, as_vector
from fipfit.metrics.binary import binary_fip
from fipfit.metrics.brier import murphy_decomposition, sharpness
from fipfit.metrics.scores import accuracy, roc_auc, weighted_mse

__all__ = ["PartitionMetrics", "partition_metrics"]


@dataclass(frozen=True)
class PartitionMetrics:
    """Information and classifier or regressor metrics of one partition.

    Metrics other than the information use the events of the partition: the
    selected events with a bin label >= 0. Fields that need labels, a score
    or a prediction are None without them.

    Attributes
    ----------
    parameter : str
    n_events, n_bins : int
    fip, shape_fip, information, ideal_information : float
        From `partition_information`, for `parameter`.
    mse_partition : float
        Weighted MSE of the bin means Gamma_k as a prediction of gamma.
    mse_prediction : float or None
        Weighted MSE of the given regressor prediction of gamma.
    fip1, fip2, prevalence, resolution, uncertainty : float or None
        Binary case (needs labels): counting and binned FIP of a signal
        strength, the selection's purity pi, and Murphy's resolution and
        uncertainty of the bins' purities.
    brier, reliability, sharpness, within_bin : float or None
        Of the score as a probability forecast grouped by the partition's bins
        (needs labels and a score in [0, 1]).
    roc_auc, accuracy : float or None
        Of the score (needs labels and a score).
    """

    parameter: str
    n_events: int
    n_bins: int
    fip: float
    shape_fip: float
    information: float
    ideal_information: float
    mse_partition: float
    mse_prediction: float | None = None
    fip1: float | None = None
    fip2: float | None = None
    prevalence: float | None = None
    resolution: float | None = None
    uncertainty: float | None = None
    brier: float | None = None
    reliability: float | None = None
    sharpness: float | None = None
    within_bin: float | None = None
    roc_auc: float | None = None
    accuracy: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a flat dictionary, for a table row or JSON."""
        return asdict(self)


def partition_metrics(
    events: Events,
    labels: ArrayLike,
    n_bins: int | None = None,
    *,
    parameter: str | None = None,
    score: ArrayLike | None = None,
    prediction: ArrayLike | None = None,
    threshold: float = 0.5,
) -> PartitionMetrics:
    """Compute FIP and the classifier and regressor metrics of a partition.

    Parameters
    ----------
    events : Events
    labels : array-like of int, shape (n_events,)
        Bin of each event, -1 outside the partition, as for
        `partition_information`.
    n_bins : int, optional
        Default ``max(labels) + 1``.
    parameter : str, optional
        Parameter of the per-parameter metrics; required with several.
    score : array-like of shape (n_events,), optional
        A classifier output. The Brier terms need it in [0, 1].
    prediction : array-like of shape (n_events,), optional
        A regressor's estimate of gamma for `parameter`.
    threshold : float, default 0.5
        Cut of `accuracy`.

    Returns
    -------
    PartitionMetrics
    """
    index = events.parameter_index(parameter)
    n = len(events)
    bins = np.asarray(labels)
    result = partition_information(events, bins, n_bins)
    inside = events.selected & (bins >= 0)
    w = events.weight[inside]
    gamma = events.gamma[inside, index]
    bin_mean = np.nan_to_num(result.bins.gamma_mean[bins[inside], index])
    metrics: dict[str, Any] = {
        "parameter": events.parameters[index],
        "n_events": result.n_events,
        "n_bins": len(result.bins),
        "fip": float(result.fip[index]),
        "shape_fip": float(result.shape_fip[index]),
        "information": float(result.information[index, index]),
        "ideal_information": float(result.ideal_information[index, index]),
        "mse_partition": float(weighted_mse(gamma, bin_mean, w)[0]),
    }
    if prediction is not None:
        estimate = as_vector(prediction, "prediction", n)[inside]
        metrics["mse_prediction"] = float(weighted_mse(gamma, estimate, w)[0])
    if events.label is not None:
        metrics.update(_binary_metrics(events, events.label, bins, inside))
        if score is not None:
            values = as_vector(score, "score", n)[inside]
            metrics.update(
                _score_metrics(
                    events.label[inside],
                    values,
                    events.weight[inside],
                    bins[inside],
                    threshold,
                )
            )
    return PartitionMetrics(**metrics)


def _binary_metrics(
    events: Events,
    label: NDArray[np.int8],
    bins: NDArray[Any],
    inside: NDArray[np.bool_],
) -> dict[str, float]:
    """FIP1, FIP2 and the purity terms of Murphy's decomposition."""
    fip1, fip2 = binary_fip(label, events.weight, bins, events.selected)
    # The decomposition of any forecast over these bins has the same
    # resolution and uncertainty, because both depend on the bin purities alone.
    purity_terms = murphy_decomposition(
        label[inside],
        np.full(int(inside.sum()), 0.5),
        sample_weight=events.weight[inside],
        labels=bins[inside],
    )
    return {
        "fip1": fip1,
        "fip2": fip2,
        "prevalence": purity_terms.prevalence,
        "resolution": purity_terms.resolution,
        "uncertainty": purity_terms.uncertainty,
    }


def _score_metrics(
    y: NDArray[np.int8],
    s: FloatArray,
    w: FloatArray,
    bins: NDArray[Any],
    threshold: float,
) -> dict[str, float]:
    """ROC AUC, accuracy and, for probabilities, the Brier terms of a score."""
    metrics = {
        "roc_auc": roc_auc(y, s, sample_weight=w),
        "accuracy": accuracy(y, s, threshold=threshold, sample_weight=w),
    }
    if np.all((s >= 0) & (s <= 1)):
        terms = murphy_decomposition(y, s, sample_weight=w, labels=bins)
        metrics["brier"] = terms.brier
        metrics["reliability"] = terms.reliability
        metrics["within_bin"] = terms.within_bin
        metrics["sharpness"] = sharpness(s, sample_weight=w)
    return metrics
