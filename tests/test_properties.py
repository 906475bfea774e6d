"""Property tests of the information identities, on generated weighted samples.

Generated samples have n <= 40 events with weights in [1e-3, 1e3] and
derivatives of magnitude in [1e-3, 1e3] or exactly zero (insensitive events).
Every quantity compared is a sum of at most n terms, so float64 round-off is
below about n * 2.2e-16 ~ 1e-14 of the largest term sum. The tolerances below
(1e-12 relative for a quantity compared with itself after scaling or
permutation, 1e-10 of I_ideal for differences of nearly equal sums) leave a
margin of 100 or more over that bound. Where a matrix is inverted (per-parameter
FIP), the tolerance grows with its condition number, which the test bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose
from numpy.typing import NDArray

from fipfit.events import Events
from fipfit.information import PartitionInformation, partition_information

PROPERTY_SETTINGS = settings(max_examples=80, deadline=None)

#: Relative round-off allowed between two evaluations of the same sum.
SAME_SUM_RTOL = 1e-12
#: Round-off allowed in a difference of two sums, relative to the larger sum.
DIFFERENCE_RTOL = 1e-10


@dataclass(frozen=True)
class Sample:
    """A generated event sample and a partition of it."""

    weight: NDArray[np.float64]
    dweight: NDArray[np.float64]
    labels: NDArray[np.intp]
    selected: NDArray[np.bool_]
    n_bins: int

    def events(
        self,
        weight: NDArray[np.float64] | None = None,
        dweight: NDArray[np.float64] | None = None,
    ) -> Events:
        return Events.from_arrays(
            self.weight if weight is None else weight,
            self.dweight if dweight is None else dweight,
            selected=self.selected,
        )

    def information(self) -> PartitionInformation:
        return partition_information(self.events(), self.labels, self.n_bins)


_magnitude = st.floats(1e-3, 1e3)
_derivative = st.one_of(st.floats(-1e3, -1e-3), st.floats(1e-3, 1e3))


@st.composite
def samples(
    draw: st.DrawFn,
    n_parameters: int | st.SearchStrategy[int] = 1,
    min_events: int = 1,
) -> Sample:
    """Draw positive weights, derivatives (some events insensitive), bins, selection.

    The first event is always sensitive and selected, so that I_ideal > 0 for
    every parameter and the partition is never empty.
    """
    p = n_parameters if isinstance(n_parameters, int) else draw(n_parameters)
    n = draw(st.integers(max(min_events, p), 40))
    weight = draw(arrays(np.float64, n, elements=_magnitude))
    dweight = draw(arrays(np.float64, (n, p), elements=_derivative))
    insensitive = draw(arrays(np.bool_, n))
    insensitive[0] = False
    dweight[insensitive] = 0.0
    n_bins = draw(st.integers(1, 6))
    labels = draw(arrays(np.intp, n, elements=st.integers(-1, n_bins - 1)))
    labels[0] = 0
    selected = draw(arrays(np.bool_, n))
    selected[0] = True
    return Sample(weight, dweight, labels, selected, n_bins)


def _gamma_residual_matrix(sample: Sample) -> NDArray[np.float64]:
    """Return sum_e w_e (gamma_e - Gamma_k(e))(...)^T over events in the partition.

    Computed from the definitions with a loop over bins, independently of
    `fipfit.information`.
    """
    inside = sample.selected & (sample.labels >= 0)
    w = sample.weight[inside]
    d = sample.dweight[inside]
    labels = sample.labels[inside]
    gamma = d / w[:, np.newaxis]
    p = d.shape[1]
    total = np.zeros((p, p))
    for k in np.unique(labels):
        in_bin = labels == k
        bin_gamma = d[in_bin].sum(axis=0) / w[in_bin].sum()
        residual = gamma[in_bin] - bin_gamma
        total += (residual * w[in_bin, np.newaxis]).T @ residual
    return total


def _condition(matrix: NDArray[np.float64]) -> float:
    return float(np.linalg.cond(matrix))


def _separable(sample: Sample) -> bool:
    """Return whether the ideal information matrix has full rank.

    Generated derivative columns can be linearly dependent (hypothesis favours
    repeated values); fipfit rejects such samples, tested in test_bad_input.
    """
    positive = sample.weight > 0
    d = sample.dweight[positive]
    ideal = d.T @ (d / sample.weight[positive, np.newaxis])
    return bool(np.linalg.matrix_rank(ideal) == d.shape[1])


# One parameter ---------------------------------------------------------------


@PROPERTY_SETTINGS
@given(samples())
def test_fip_between_zero_and_one(sample: Sample) -> None:
    result = sample.information()
    fip = float(result.fip[0])
    assert fip >= 0.0
    assert fip <= 1.0 + SAME_SUM_RTOL


@PROPERTY_SETTINGS
@given(samples(), st.integers(2, 4), st.data())
def test_refining_never_lowers_information(
    sample: Sample, split: int, data: st.DataObject
) -> None:
    # Bin k of the coarse partition becomes bins k * split + s, s < split.
    sub = data.draw(arrays(np.intp, sample.labels.size, elements=st.integers(0, 2)))
    sub = np.minimum(sub, split - 1)
    fine = np.where(sample.labels >= 0, sample.labels * split + sub, -1)
    events = sample.events()
    coarse = partition_information(events, sample.labels, sample.n_bins)
    refined = partition_information(events, fine, sample.n_bins * split)
    tolerance = DIFFERENCE_RTOL * coarse.ideal_information_selected[0, 0]
    assert refined.information[0, 0] >= coarse.information[0, 0] - tolerance


@PROPERTY_SETTINGS
@given(samples(), st.floats(1e-6, 1e6))
def test_scaling_weights_scales_information(sample: Sample, scale: float) -> None:
    # d^2 / w -> (c d)^2 / (c w) = c d^2 / w, for every bin sum and every event.
    base = sample.information()
    scaled = partition_information(
        sample.events(scale * sample.weight, scale * sample.dweight),
        sample.labels,
        sample.n_bins,
    )
    assert_allclose(scaled.information, scale * base.information, rtol=SAME_SUM_RTOL)
    assert_allclose(
        scaled.ideal_information, scale * base.ideal_information, rtol=SAME_SUM_RTOL
    )
    assert_allclose(scaled.fip, base.fip, rtol=SAME_SUM_RTOL)
    assert_allclose(scaled.bins.n_effective, base.bins.n_effective, rtol=1e-12)


@PROPERTY_SETTINGS
@given(samples(), st.data())
def test_permuting_events_changes_nothing(sample: Sample, data: st.DataObject) -> None:
    n = len(sample.weight)
    order = np.array(data.draw(st.permutations(range(n))), dtype=np.intp)
    base = sample.information()
    permuted = partition_information(
        Events.from_arrays(
            sample.weight[order],
            sample.dweight[order],
            selected=sample.selected[order],
        ),
        sample.labels[order],
        sample.n_bins,
    )
    assert_allclose(permuted.information, base.information, rtol=SAME_SUM_RTOL)
    assert_allclose(
        permuted.ideal_information, base.ideal_information, rtol=SAME_SUM_RTOL
    )
    assert_allclose(permuted.fip, base.fip, rtol=SAME_SUM_RTOL)
    assert_allclose(permuted.bins.weight, base.bins.weight, rtol=SAME_SUM_RTOL)
    assert permuted.n_events == base.n_events


@PROPERTY_SETTINGS
@given(samples())
def test_information_loss_is_weighted_mse(sample: Sample) -> None:
    # I_ideal(selected) - I(P) = sum_e w_e (gamma_e - Gamma_k(e))^2.
    result = sample.information()
    loss = result.ideal_information_selected - result.information
    expected = _gamma_residual_matrix(sample)
    tolerance = DIFFERENCE_RTOL * result.ideal_information_selected[0, 0]
    assert_allclose(loss, expected, rtol=DIFFERENCE_RTOL, atol=tolerance)


@PROPERTY_SETTINGS
@given(samples())
def test_fip_factorises(sample: Sample) -> None:
    result = sample.information()
    # The factors are undefined when no event in the partition is sensitive.
    assume(result.sensitive_information[0, 0] > 0)
    product = result.efficiency * result.sharpness * result.purity_factor
    assert_allclose(product, result.fip, rtol=SAME_SUM_RTOL)


@PROPERTY_SETTINGS
@given(samples(), st.floats(-1e3, 1e3))
def test_shape_information_ignores_gamma_offset(sample: Sample, offset: float) -> None:
    # d_e -> d_e + c w_e adds c to every gamma; the free normalisation absorbs
    # it: sum (D_k + c W_k)^2 / W_k - (D + c W)^2 / W = sum D_k^2 / W_k - D^2 / W.
    base = sample.information()
    shifted_dweight = sample.dweight + offset * sample.weight[:, np.newaxis]
    assume(np.all(np.any(shifted_dweight != 0, axis=0)))
    shifted = partition_information(
        sample.events(dweight=shifted_dweight), sample.labels, sample.n_bins
    )
    # The shift enters the sums squared: round-off scales with c^2 W.
    scale = base.ideal_information[0, 0] + offset**2 * sample.weight.sum()
    assert_allclose(
        shifted.shape_information,
        base.shape_information,
        atol=DIFFERENCE_RTOL * scale,
    )
    assert_allclose(
        shifted.shape_ideal_information,
        base.shape_ideal_information,
        atol=DIFFERENCE_RTOL * scale,
    )


# Several parameters -----------------------------------------------------------


@PROPERTY_SETTINGS
@given(samples(n_parameters=st.integers(2, 3)))
def test_ideal_minus_partition_is_psd(sample: Sample) -> None:
    assume(_separable(sample))
    result = sample.information()
    scale = float(np.trace(result.ideal_information))
    for difference in (
        result.ideal_information - result.information,
        result.ideal_information_selected - result.information,
        result.ideal_information - result.ideal_information_selected,
    ):
        eigenvalues = np.linalg.eigvalsh(difference)
        assert eigenvalues.min() >= -DIFFERENCE_RTOL * scale


@PROPERTY_SETTINGS
@given(samples(n_parameters=st.integers(2, 3)))
def test_matrix_loss_is_weighted_mse(sample: Sample) -> None:
    assume(_separable(sample))
    result = sample.information()
    loss = result.ideal_information_selected - result.information
    scale = float(np.trace(result.ideal_information_selected))
    assert_allclose(loss, _gamma_residual_matrix(sample), atol=DIFFERENCE_RTOL * scale)


@PROPERTY_SETTINGS
@given(samples(n_parameters=st.integers(2, 3), min_events=6))
def test_per_parameter_fip_between_zero_and_one(sample: Sample) -> None:
    assume(_separable(sample))
    result = sample.information()
    # Inverting a matrix of condition number c loses about c * 2.2e-16. A
    # rank-deficient I(P) (fewer bins than parameters) gives FIP 0.
    assume(_condition(result.ideal_information) < 1e6)
    assert np.all(result.fip >= 0.0)
    assert np.all(result.fip <= 1.0 + 1e-8)


@PROPERTY_SETTINGS
@given(
    samples(n_parameters=st.integers(2, 3)),
    st.data(),
)
def test_information_covariant_under_reparametrisation(
    sample: Sample, data: st.DataObject
) -> None:
    assume(_separable(sample))
    # theta = J phi gives dw/dphi = J^T dw/dtheta per event (row form: d @ J),
    # so every information matrix transforms as J^T I J.
    p = sample.dweight.shape[1]
    jacobian = data.draw(arrays(np.float64, (p, p), elements=st.floats(-2, 2)))
    assume(abs(np.linalg.det(jacobian)) > 1e-2)
    assume(_condition(jacobian) < 100)
    base = sample.information()
    transformed = partition_information(
        sample.events(dweight=sample.dweight @ jacobian), sample.labels, sample.n_bins
    )
    size = float(np.abs(jacobian).max()) ** 2
    for name in ("information", "ideal_information", "ideal_information_selected"):
        matrix = getattr(base, name)
        expected = jacobian.T @ matrix @ jacobian
        assert_allclose(
            getattr(transformed, name),
            expected,
            atol=DIFFERENCE_RTOL * size * float(np.abs(matrix).max()),
            err_msg=name,
        )


@PROPERTY_SETTINGS
@given(
    samples(n_parameters=st.integers(1, 3), min_events=6),
    st.data(),
)
def test_fip_invariant_under_rescaling(sample: Sample, data: st.DataObject) -> None:
    assume(_separable(sample))
    # A diagonal J scales [I^-1]_ii and [I_ideal^-1]_ii by the same 1 / J_ii^2.
    p = sample.dweight.shape[1]
    factors = data.draw(
        arrays(np.float64, p, elements=st.one_of(st.floats(-1e3, -1e-3), _magnitude))
    )
    base = sample.information()
    condition = max(_condition(base.ideal_information), _condition(base.information))
    assume(condition < 1e6)
    rescaled = partition_information(
        sample.events(dweight=sample.dweight * factors), sample.labels, sample.n_bins
    )
    # Both inversions lose up to condition * 2.2e-16 each.
    assert_allclose(rescaled.fip, base.fip, rtol=1e-8, atol=1e-12)
    assert_allclose(rescaled.efficiency, base.efficiency, rtol=1e-8, atol=1e-12)


def test_mse_identity_on_hand_sample() -> None:
    # Bins {w=1, d=1; w=1, d=3} and {w=2, d=2}: Gamma_0 = 2 and Gamma_1 = 1.
    # Loss = 1 * (1 - 2)^2 + 1 * (3 - 2)^2 + 0 = 2, I_ideal = 1 + 9 + 2 = 12,
    # I(P) = 4^2 / 2 + 2^2 / 2 = 10.
    events = Events.from_arrays([1.0, 1.0, 2.0], [1.0, 3.0, 2.0])
    result = partition_information(events, np.array([0, 0, 1]), 2)
    assert result.information[0, 0] == pytest.approx(10.0, rel=1e-15)
    assert result.ideal_information[0, 0] == pytest.approx(12.0, rel=1e-15)
    loss = result.ideal_information_selected - result.information
    assert loss[0, 0] == pytest.approx(2.0, rel=1e-15)
