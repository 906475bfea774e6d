"""Events: validation of weights, derivatives, labels, selection and features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fipfit.errors import FipfitError, InvalidEventsError, MissingColumnError
from fipfit.events import EventColumns, Events


def frame(**columns: object) -> pd.DataFrame:
    base: dict[str, object] = {
        "weight": [1.0, 2.0, 0.5],
        "dweight": [0.5, -1.0, 0.0],
        "x": [0.1, 0.2, 0.3],
    }
    base.update(columns)
    return pd.DataFrame(base)


# Reading the canonical columns ---------------------------------------------


def test_from_frame_defaults() -> None:
    events = Events.from_frame(frame())
    assert len(events) == 3
    assert events.parameters == ("theta",)
    assert_allclose(events.weight, [1.0, 2.0, 0.5])
    assert events.dweight.shape == (3, 1)
    assert events.selected.all()
    assert events.label is None


def test_gamma_is_dweight_over_weight() -> None:
    events = Events.from_frame(frame())
    assert_allclose(events.gamma[:, 0], [0.5, -0.5, 0.0])


def test_zero_weight_zero_derivative_allowed() -> None:
    events = Events.from_frame(frame(weight=[1.0, 0.0, 0.5], dweight=[1.0, 0.0, 0.0]))
    assert events.gamma[1, 0] == 0.0


def test_several_parameters_found_by_prefix() -> None:
    data = pd.DataFrame(
        {
            "weight": [1.0, 2.0],
            "dweight_mass": [0.1, 0.2],
            "dweight_width": [0.3, 0.4],
            "x": [0.0, 1.0],
        }
    )
    events = Events.from_frame(data)
    assert events.parameters == ("mass", "width")
    assert events.n_parameters == 2
    assert events.parameter_index("width") == 1


def test_plain_dweight_preferred_over_prefixed() -> None:
    events = Events.from_frame(frame(dweight_other=[1.0, 1.0, 1.0]))
    assert events.parameters == ("theta",)


def test_explicit_columns() -> None:
    data = pd.DataFrame(
        {"w": [1.0, 2.0], "dw": [0.5, 0.5], "is_sig": [1, 0], "pass": [True, False]}
    )
    columns = EventColumns(weight="w", dweight=("dw",), label="is_sig", selected="pass")
    events = Events.from_frame(data, columns)
    assert events.parameters == ("dw",)
    assert events.label is not None
    assert events.label.tolist() == [1, 0]
    assert events.selected.tolist() == [True, False]


def test_selection_as_zero_and_one() -> None:
    events = Events.from_frame(frame(selected=[1, 0, 1]))
    assert events.selected.tolist() == [True, False, True]


def test_from_arrays_multi_parameter_names() -> None:
    events = Events.from_arrays(
        [1.0, 2.0], [[0.1, 0.2], [0.3, 0.4]], parameters=["a", "b"]
    )
    assert events.parameters == ("a", "b")
    assert list(events.data.columns) == ["weight", "dweight_a", "dweight_b"]


def test_features_checked_for_nan() -> None:
    events = Events.from_frame(frame(x=[0.1, np.nan, 0.3]))
    with pytest.raises(InvalidEventsError, match="1 events have a NaN or infinite"):
        events.features(["x"])


def test_features_stacked() -> None:
    events = Events.from_frame(frame(y=[1.0, 2.0, 3.0]))
    assert events.features(["x", "y"]).shape == (3, 2)


def test_take_and_split_keep_columns() -> None:
    rng = np.random.default_rng(0)
    weight = rng.exponential(size=100) + 0.1
    events = Events.from_arrays(
        weight, weight * rng.normal(size=100), features={"x": np.arange(100.0)}
    )
    first, second = events.split(0.3, random_state=1)
    assert len(first) == 30
    assert len(second) == 70
    together = np.sort(np.concatenate([first.column("x"), second.column("x")]))
    assert_array_equal(together, np.arange(100.0))
    mask = events.column("x") < 10
    assert len(events.take(mask)) == 10
    assert_allclose(events.take(mask).weight, weight[:10])


def test_split_reproducible() -> None:
    events = Events.from_arrays(np.ones(50), np.ones(50), features={"x": np.arange(50)})
    a, _ = events.split(0.5, random_state=3)
    b, _ = events.split(0.5, random_state=3)
    assert_array_equal(a.column("x"), b.column("x"))


# Bad input -----------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_weight_rejected(bad: float) -> None:
    with pytest.raises(
        InvalidEventsError, match="1 events have a NaN or infinite weight"
    ):
        Events.from_frame(frame(weight=[1.0, bad, 0.5]))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_dweight_rejected(bad: float) -> None:
    with pytest.raises(
        InvalidEventsError, match="1 events have a NaN or infinite weight derivative"
    ):
        Events.from_frame(frame(dweight=[bad, 1.0, 0.0]))


def test_nonfinite_feature_rejected_by_column() -> None:
    events = Events.from_frame(frame(x=[np.inf, 0.0, 0.0]))
    with pytest.raises(InvalidEventsError, match="value in column 'x'"):
        events.column("x")


def test_zero_weight_nonzero_derivative_rejected() -> None:
    with pytest.raises(
        InvalidEventsError, match="1 events have zero weight but a non-zero derivative"
    ):
        Events.from_frame(frame(weight=[1.0, 0.0, 0.5], dweight=[1.0, 0.3, 0.0]))


def test_mismatched_lengths_rejected() -> None:
    with pytest.raises(
        InvalidEventsError, match="weight has 3 events but dweight has 2"
    ):
        Events.from_arrays([1.0, 2.0, 3.0], [1.0, 2.0])


def test_mismatched_feature_length_rejected() -> None:
    with pytest.raises(InvalidEventsError, match="'x' has shape \\(2,\\)"):
        Events.from_arrays([1.0, 2.0, 3.0], [1.0, 2.0, 0.0], features={"x": [1, 2]})


def test_missing_weight_column_suggests_name() -> None:
    with pytest.raises(MissingColumnError, match="did you mean 'weight'"):
        Events.from_frame(frame(), EventColumns(weight="wieght"))


def test_missing_dweight_column_suggests_name() -> None:
    with pytest.raises(MissingColumnError, match="did you mean 'dweight'"):
        Events.from_frame(frame(), EventColumns(dweight=("dwieght",)))


def test_missing_column_lists_available() -> None:
    with pytest.raises(MissingColumnError, match="available columns: weight, dweight"):
        Events.from_frame(frame(), EventColumns(weight="zzz"))


def test_no_derivative_column_rejected() -> None:
    data = pd.DataFrame({"weight": [1.0], "x": [0.0]})
    with pytest.raises(MissingColumnError, match="no weight-derivative column"):
        Events.from_frame(data)


def test_missing_feature_suggests_name() -> None:
    events = Events.from_frame(frame(mass=[1.0, 2.0, 3.0]))
    with pytest.raises(MissingColumnError, match="did you mean 'mass'"):
        events.column("mas")


def test_duplicate_columns_rejected() -> None:
    data = pd.DataFrame([[1.0, 0.5, 0.1, 0.2]], columns=["weight", "dweight", "x", "x"])
    with pytest.raises(InvalidEventsError, match=r"duplicate column names \['x'\]"):
        Events.from_frame(data)


def test_non_numeric_weight_rejected() -> None:
    with pytest.raises(InvalidEventsError, match="weight is not numeric"):
        Events.from_frame(frame(weight=["a", "b", "c"]))


def test_bad_label_rejected() -> None:
    with pytest.raises(
        InvalidEventsError, match="1 events have a label other than 0 or 1"
    ):
        Events.from_frame(frame(label=[0, 1, 2]))


def test_bad_selection_rejected() -> None:
    with pytest.raises(InvalidEventsError, match="must be boolean"):
        Events.from_frame(frame(selected=[0, 1, 3]))


def test_missing_selection_value_rejected() -> None:
    with pytest.raises(
        InvalidEventsError, match="1 events have no value in 'selected'"
    ):
        Events.from_frame(frame(selected=[True, None, False]))


def test_unknown_parameter_rejected() -> None:
    events = Events.from_frame(frame())
    with pytest.raises(MissingColumnError, match="parameter 'thta' not found"):
        events.parameter_index("thta")


def test_parameter_required_with_several() -> None:
    events = Events.from_arrays([1.0, 1.0], [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(InvalidEventsError, match="choose one with --param"):
        events.parameter_index(None)


def test_split_fraction_out_of_range() -> None:
    events = Events.from_frame(frame())
    with pytest.raises(FipfitError, match=r"between 0 and 1, got 1\.5"):
        events.split(1.5)


def test_errors_are_value_errors() -> None:
    """Callers that catch ValueError also catch fipfit's input errors."""
    with pytest.raises(ValueError, match="NaN or infinite weight"):
        Events.from_frame(frame(weight=[np.nan, 1.0, 1.0]))
