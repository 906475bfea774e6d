"""Classifier and regressor metrics beside the information of a binned fit.

A fit's precision follows probabilistic metrics: FIP, the weighted mean squared
error (MSE) of a regressor of gamma, and for a signal-strength measurement the
Brier score and its resolution. Ranking metrics (ROC AUC) and threshold metrics
(accuracy) do not see what a distribution fit uses. This package computes all of
them with the same event weights, so that they can be compared side by side.

scikit-learn computes the Brier score, the MSE, the ROC curve and the accuracy.
This package adds what scikit-learn lacks: Murphy's decomposition of the Brier
score with its two within-bin terms, the sharpness of a forecast, FIP1 and FIP2
of the binary case, FIP2 from a ROC curve, and `partition_metrics`.

Negative weights
----------------
scikit-learn 1.9 accepts negative ``sample_weight`` in these metrics, but
``roc_auc_score`` then raises as soon as the weighted ROC curve stops being
monotonic. Here every metric uses the signed weights, because those are the
estimate of the physical distribution: `roc_auc` integrates the signed ROC
curve with the trapezoid rule, which equals the weighted pairwise (Mann-Whitney)
estimate of P(score_signal > score_background). Absolute weights would describe
another distribution. On a finite sample with negative weights a metric can
leave its usual range (an AUC above 1, a negative variance).
"""

from __future__ import annotations

from fipfit.metrics.binary import binary_fip, fip2_from_roc
from fipfit.metrics.brier import BrierDecomposition, murphy_decomposition, sharpness
from fipfit.metrics.partition import PartitionMetrics, partition_metrics
from fipfit.metrics.scores import accuracy, roc_auc, weighted_mse

__all__ = [
    "BrierDecomposition",
    "PartitionMetrics",
    "accuracy",
    "binary_fip",
    "fip2_from_roc",
    "murphy_decomposition",
    "partition_metrics",
    "roc_auc",
    "sharpness",
    "weighted_mse",
]
