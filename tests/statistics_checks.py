"""Binned information estimates of one parameter, with errors, for the toy model tests.

The estimates compare a sample with an integral of a model's densities: the
influence of each event gives the standard deviation of I(P), and the MC bias
and a Richardson step remove the bias of finite samples and finite bins.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["BinnedEstimate", "binned_estimate", "extrapolated_information"]


class BinnedEstimate(NamedTuple):
    """I(P) of a sample, each event's influence on it, and its MC bias."""

    information: float
    influence: NDArray[np.float64]
    bias: float


def binned_estimate(
    labels: NDArray[np.intp],
    n_bins: int,
    weight: NDArray[np.float64],
    dweight: NDArray[np.float64],
) -> BinnedEstimate:
    """Return I(P) of one parameter with its per-event influence and MC bias.

    An extra copy of event e in bin k moves I(P) by 2 Gamma_k d_e - Gamma_k^2 w_e
    (delta method), so for Poisson-distributed events the variance of I(P) is
    the sum of the squared influences. The bias is the second-order term
    sum_e (d_e - Gamma_k w_e)^2 / W_k, about the number of bins over the number
    of events, relative.
    """
    bin_weight = np.bincount(labels, weight, n_bins)
    bin_dweight = np.bincount(labels, dweight, n_bins)
    filled = bin_weight > 0
    gamma = np.zeros(n_bins)
    gamma[filled] = bin_dweight[filled] / bin_weight[filled]
    information = float(np.sum(bin_dweight[filled] ** 2 / bin_weight[filled]))
    event_gamma = gamma[labels]
    influence = 2.0 * event_gamma * dweight - event_gamma**2 * weight
    residual = dweight - event_gamma * weight
    bias = float(np.sum(residual**2 / bin_weight[labels]))
    return BinnedEstimate(information, influence, bias)


def extrapolated_information(
    coarse: BinnedEstimate, fine: BinnedEstimate
) -> tuple[float, float]:
    """Return the bias-corrected fine-binning limit and its standard deviation.

    The loss of a partition with bin width h is proportional to h^2 for smooth
    densities, so halving the width leaves a third of the change between the
    two partitions still to gain (Richardson extrapolation). The estimate
    (4 fine - coarse) / 3 has the influence (4 u_fine - u_coarse) / 3 per event.
    """
    coarse_value = coarse.information - coarse.bias
    fine_value = fine.information - fine.bias
    limit = fine_value + (fine_value - coarse_value) / 3.0
    influence = (4.0 * fine.influence - coarse.influence) / 3.0
    return limit, float(np.sqrt(np.sum(influence**2)))
