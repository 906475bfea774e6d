"""FIP1 and FIP2 of the binary case, a signal-strength measurement."""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

from fipfit.errors import FipfitError, InvalidEventsError, NonPositiveBinWarning
from fipfit.information import weighted_bincount
from fipfit.metrics._common import as_binary, as_vector

__all__ = ["binary_fip", "fip2_from_roc"]


def binary_fip(
    label: ArrayLike,
    weight: ArrayLike,
    bin_labels: ArrayLike,
    selected: ArrayLike | None = None,
) -> tuple[float, float]:
    """Compute FIP1 (one bin) and FIP2 (a fit of the bins) of a signal strength.

    For theta = mu scaling the signal yield, gamma = 1 for signal events at
    mu = 1 and 0 for background, so I_ideal is the total signal weight S and

        FIP1 = epsilon * rho                (the selected events in one bin)
        FIP2 = sum_k epsilon_k * rho_k      (a binned fit)

    with epsilon_k = s_k / S the signal efficiency and rho_k = s_k / W_k the
    purity of bin k.

    Parameters
    ----------
    label : array-like of shape (n_events,)
        1 for signal, 0 for background.
    weight : array-like of shape (n_events,)
    bin_labels : array-like of int, shape (n_events,)
        Bin of each event; -1 for events outside the partition.
    selected : array-like of bool, shape (n_events,), optional
        Events outside the selection are outside the partition but count in S.

    Returns
    -------
    fip1, fip2 : float

    Notes
    -----
    These are I(P) / I_ideal of `partition_information` for derivatives
    d_e = w_e * label_e. With pi the purity of the selection and resolution the
    weighted variance of the bin purities around it (Murphy's resolution of the
    purity forecast), FIP2 = epsilon * (pi + resolution / pi). Bins with
    W_k <= 0 are left out of FIP2 with a `NonPositiveBinWarning`.
    """
    signal = as_binary(label, "label")
    n = signal.shape[0]
    w = as_vector(weight, "weight", n)
    bins = np.asarray(bin_labels)
    if bins.shape != (n,) or not np.issubdtype(bins.dtype, np.integer):
        raise InvalidEventsError(
            f"bin_labels must be {n} integers, one per event, got shape "
            f"{bins.shape} and type {bins.dtype}"
        )
    if selected is not None:
        keep = np.asarray(selected, dtype=bool)
        if keep.shape != (n,):
            raise InvalidEventsError(
                f"selected has shape {keep.shape}, expected ({n},): one flag per event"
            )
        bins = np.where(keep, bins, -1)
    bins = bins.astype(np.intp)

    total_signal = float(np.dot(w, signal))
    if not total_signal > 0:
        raise InvalidEventsError(
            f"the signal events have total weight {total_signal}: FIP of a signal "
            "strength needs signal events (label 1) with positive total weight"
        )
    inside = bins >= 0
    n_bins = int(bins.max(initial=-1)) + 1
    bin_weight = weighted_bincount(bins[inside], w[inside], n_bins)
    bin_signal = weighted_bincount(bins[inside], (w * signal)[inside], n_bins)
    selected_weight = float(bin_weight.sum())
    if not selected_weight > 0:
        raise InvalidEventsError(
            f"the events in the partition have total weight {selected_weight}: "
            "a counting experiment needs a positive expected yield"
        )

    fip1 = float(bin_signal.sum()) ** 2 / selected_weight / total_signal
    positive = bin_weight > 0
    holding = np.bincount(bins[inside], minlength=n_bins) > 0
    nonpositive = np.flatnonzero(holding & ~positive)
    if nonpositive.size:
        warnings.warn(
            f"{nonpositive.size} bins have total weight <= 0 and are left out of "
            f"FIP2: bins {nonpositive.tolist()[:10]}",
            NonPositiveBinWarning,
            stacklevel=2,
        )
    s = bin_signal[positive]
    fip2 = float(np.dot(s, s / bin_weight[positive])) / total_signal
    return fip1, fip2


def fip2_from_roc(fpr: ArrayLike, tpr: ArrayLike, prevalence: float) -> float:
    """Compute FIP2 of a fit binned at the thresholds of a ROC curve.

    Each segment between two points of the curve is one bin of the score, with
    signal efficiency eps_k = dtpr and purity
    rho_k = pi dtpr / (pi dtpr + (1 - pi) dfpr), so FIP2 = sum_k eps_k rho_k.

    Parameters
    ----------
    fpr, tpr : array-like of shape (n_points,)
        False and true positive rates, non-decreasing, in [0, 1], as returned
        by `sklearn.metrics.roc_curve`.
    prevalence : float
        pi, the signal fraction of the events the curve describes, in (0, 1).

    Returns
    -------
    float
        FIP2 relative to the signal that the curve covers. Multiply by the
        selection efficiency when the curve describes selected events only.

    Notes
    -----
    The result equals `binary_fip` with one bin per point of the curve, so a
    curve with a point at every distinct score of a finite sample returns the
    finest binning of that sample, with its upward MC bias (a sample of
    distinct scores gives FIP2 = 1). Use a smooth curve (fitted, analytic, or
    from few thresholds) for the fine-binning limit of the population.
    Merging collinear segments leaves the result unchanged, because segments of
    equal slope have equal purity.
    """
    false_rate = as_vector(fpr, "fpr")
    true_rate = as_vector(tpr, "tpr", false_rate.shape[0])
    if false_rate.shape[0] < 2:
        raise FipfitError(
            f"a ROC curve needs at least two points, got {false_rate.shape[0]}"
        )
    for name, rate in (("fpr", false_rate), ("tpr", true_rate)):
        if np.any(rate < 0) or np.any(rate > 1) or np.any(np.diff(rate) < 0):
            raise InvalidEventsError(
                f"{name} must be non-decreasing in [0, 1]: a ROC curve with "
                "negative weights is not monotonic, so compute FIP2 from the "
                "labels with binary_fip instead"
            )
    pi = float(prevalence)
    if not 0 < pi < 1:
        raise FipfitError(f"prevalence must lie strictly between 0 and 1, got {pi}")

    signal = pi * np.diff(true_rate)
    total = signal + (1.0 - pi) * np.diff(false_rate)
    used = total > 0
    return float(np.dot(signal[used], signal[used] / total[used])) / pi
