"""Bad input and what fipfit does with it: one test per row of docs/bad-input.md.

Each test feeds one kind of bad input to the library and checks the exception
class and that its message names the problem, the value or count, and the fix.
The same inputs through the command line (one line on stderr, exit status 2)
are in test_cli_errors.py.
"""

from __future__ import annotations

import errno
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from numpy.testing import assert_allclose

from fipfit.atomic import atomic_directory, atomic_file
from fipfit.binning import labels_from_edges, quantile_edges
from fipfit.errors import (
    FileFormatError,
    FipfitError,
    InvalidEventsError,
    MissingColumnError,
    NonPositiveBinWarning,
)
from fipfit.events import EventColumns, Events
from fipfit.formats.table import read_events, write_events
from fipfit.information import ideal_information, partition_information
from fipfit.uncertainty import bootstrap_information

GOOD_CSV = (
    "weight,dweight,x,label\n"
    "1.0,0.5,0.1,1\n"
    "2.0,-0.3,0.7,1\n"
    "1.5,0.0,0.3,0\n"
    "0.5,0.2,0.9,1\n"
)


def write_csv(tmp_path: Path, text: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def good_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "weight": [1.0, 2.0, 1.5, 0.5],
            "dweight": [0.5, -0.3, 0.0, 0.2],
            "x": [0.1, 0.7, 0.3, 0.9],
        }
    )


def single_bin(events: Events) -> np.ndarray:
    return np.zeros(len(events), dtype=np.intp)


# Non-finite values -----------------------------------------------------------


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nonfinite_weight_rejected(value: float) -> None:
    with pytest.raises(InvalidEventsError, match="1 events have a NaN or infinite"):
        Events.from_arrays([1.0, value, 2.0], [0.1, 0.2, 0.3])


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nonfinite_derivative_rejected(value: float) -> None:
    with pytest.raises(InvalidEventsError) as caught:
        Events.from_arrays([1.0, 1.0, 2.0], [[0.1, value], [0.2, 0.0], [value, 1]])
    message = str(caught.value)
    assert "2 events have a NaN or infinite weight derivative" in message
    assert "remove or fix them" in message


def test_nonfinite_derivative_in_csv_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "weight,dweight\n1,nan\n2,1\n3,inf\n")
    with pytest.raises(InvalidEventsError, match="2 events have a NaN or infinite"):
        read_events(path)


def test_empty_csv_field_rejected(tmp_path: Path) -> None:
    # An empty field is a null in Arrow and NaN in pandas.
    path = write_csv(tmp_path, "weight,dweight\n1,\n2,1\n")
    with pytest.raises(InvalidEventsError, match="NaN or infinite weight derivative"):
        read_events(path)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nonfinite_feature_rejected(value: float) -> None:
    events = Events.from_arrays(
        [1.0, 1.0, 2.0], [0.1, 0.2, 0.3], features={"x": [0.1, value, 0.3]}
    )
    with pytest.raises(InvalidEventsError, match="1 events have a NaN or infinite"):
        events.column("x")
    with pytest.raises(InvalidEventsError, match="column 'x'"):
        events.features(["x"])


def test_nonfinite_binning_variable_rejected() -> None:
    with pytest.raises(InvalidEventsError, match="NaN or infinite value"):
        quantile_edges([0.1, np.nan, 0.3], None, 2)


@pytest.mark.parametrize("edges", [[0.0, np.nan], [0.0, np.inf]])
def test_nonfinite_bin_edge_rejected(edges: list[float]) -> None:
    with pytest.raises(FipfitError, match="bin edge"):
        labels_from_edges([0.5], edges)


def test_nonnumeric_weight_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "weight,dweight\n1,0.5\nheavy,0.2\n")
    with pytest.raises(InvalidEventsError, match="weight is not numeric"):
        read_events(path)


# Weights and derivatives -----------------------------------------------------


def test_zero_weight_with_derivative_rejected() -> None:
    with pytest.raises(InvalidEventsError) as caught:
        Events.from_arrays([0.0, 1.0, 0.0], [0.5, 0.2, 0.1])
    message = str(caught.value)
    assert "2 events have zero weight but a non-zero derivative" in message
    assert "give them a weight or drop them" in message


def test_zero_weight_without_derivative_accepted() -> None:
    # Such an event carries nothing: the information is that of the others.
    events = Events.from_arrays([0.0, 1.0, 2.0], [0.0, 0.5, 1.0])
    result = partition_information(events, single_bin(events))
    assert_allclose(result.ideal_information[0, 0], 0.25 + 0.5, rtol=1e-15)
    assert_allclose(result.information[0, 0], 1.5**2 / 3.0, rtol=1e-15)


def test_all_zero_derivatives_rejected() -> None:
    events = Events.from_arrays([1.0, 2.0], [0.0, 0.0])
    with pytest.raises(InvalidEventsError) as caught:
        partition_information(events, single_bin(events))
    message = str(caught.value)
    assert "ideal information is zero for ['theta']" in message
    assert "check the dweight columns" in message


def test_one_parameter_without_derivatives_rejected() -> None:
    events = Events.from_arrays(
        [1.0, 2.0], [[0.5, 0.0], [1.0, 0.0]], parameters=["mass", "width"]
    )
    with pytest.raises(InvalidEventsError, match=r"zero for \['width'\]"):
        partition_information(events, single_bin(events))


def test_linearly_dependent_parameters_rejected() -> None:
    # dweight_b = 2 dweight_a: no fit can tell a from b.
    d = np.array([0.5, -0.2, 1.0])
    events = Events.from_arrays(
        [1.0, 2.0, 3.0], np.column_stack([d, 2 * d]), parameters=["a", "b"]
    )
    with pytest.raises(InvalidEventsError) as caught:
        partition_information(events, np.array([0, 1, 1]), 2)
    message = str(caught.value)
    assert "ideal information matrix of ['a', 'b'] is singular" in message
    assert "drop or combine dweight columns" in message


def test_single_bin_several_parameters_fip_zero() -> None:
    # One bin measures one combination of two parameters: each alone, with
    # the other free, is not measured at all.
    rng = np.random.default_rng(5)
    events = Events.from_arrays(rng.uniform(1, 2, 20), rng.normal(size=(20, 2)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = partition_information(events, single_bin(events))
    assert_allclose(result.fip, [0.0, 0.0])


def test_negative_weights_accepted() -> None:
    # NLO samples carry negative weights: the information is computed as usual.
    weight = np.array([1.0, -0.2, 2.0, 1.5])
    dweight = np.array([1.0, 0.1, 1.0, -0.5])
    events = Events.from_arrays(weight, dweight)
    result = partition_information(events, np.array([0, 0, 1, 1]), 2)
    ideal = 1.0 + 0.01 / -0.2 + 0.5 + 0.25 / 1.5
    information = 1.1**2 / 0.8 + 0.5**2 / 3.5
    assert_allclose(result.ideal_information[0, 0], ideal, rtol=1e-14)
    assert_allclose(result.information[0, 0], information, rtol=1e-14)
    assert result.nonpositive_bins.tolist() == []


def test_negative_weights_fip_above_one() -> None:
    # I_ideal = 1 - 2 + 1 + 1 = 1 and I(P) = 3^2 / 1.5 + 2^2 / 4 = 7: the
    # bound FIP <= 1 holds only for positive weights.
    events = Events.from_arrays([1.0, -0.5, 1.0, 4.0], [1.0, 1.0, 1.0, 2.0])
    result = partition_information(events, np.array([0, 0, 0, 1]), 2)
    assert_allclose(result.ideal_information[0, 0], 1.0, rtol=1e-15)
    assert_allclose(result.information[0, 0], 7.0, rtol=1e-15)
    assert result.fip[0] > 1.0


def test_negative_ideal_information_rejected() -> None:
    # I_ideal = 1 / -0.5 + 1 + 1 / 2 = -0.5.
    events = Events.from_arrays([-0.5, 1.0, 2.0], [1.0, 1.0, 1.0])
    with pytest.raises(InvalidEventsError) as caught:
        partition_information(events, single_bin(events))
    message = str(caught.value)
    assert "negative for ['theta (-0.5)']" in message
    assert "check the weight signs" in message


def test_nonpositive_bin_warned_and_listed() -> None:
    events = Events.from_arrays([-3.0, 1.0, 1.0, 2.0], [1.0, 1.0, 0.5, 1.0])
    labels = np.array([0, 0, 1, 1])
    with pytest.warns(NonPositiveBinWarning, match=r"1 bins .* bins \[0\]"):
        result = partition_information(events, labels, 2)
    assert result.nonpositive_bins.tolist() == [0]
    # Bin 0 (W = -2) is left out: I(P) is bin 1 alone, 1.5^2 / 3.
    assert_allclose(result.information[0, 0], 0.75, rtol=1e-15)


def test_no_sensitive_event_selected_gives_nan_factors() -> None:
    events = Events.from_arrays(
        [1.0, 2.0, 3.0], [1.0, 0.0, 0.0], selected=[False, True, True]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = partition_information(events, single_bin(events))
    assert result.fip[0] == 0.0
    assert result.efficiency[0] == 0.0
    assert np.isnan(result.sharpness[0])
    assert np.isnan(result.purity_factor[0])


# Shapes, lengths and labels ---------------------------------------------------


def test_mismatched_lengths_rejected() -> None:
    with pytest.raises(InvalidEventsError, match="weight has 3 events but dweight"):
        Events.from_arrays([1.0, 2.0, 3.0], [0.1, 0.2])


@pytest.mark.parametrize("column", ["selected", "label", "x"])
def test_mismatched_column_length_rejected(column: str) -> None:
    arrays = {"selected": None, "label": None, "features": None}
    if column == "x":
        arrays["features"] = {"x": [0.1, 0.2, 0.3]}
    else:
        arrays[column] = [1, 0, 1]
    with pytest.raises(InvalidEventsError, match=f"'{column}' has shape \\(3,\\)"):
        Events.from_arrays([1.0, 2.0], [0.1, 0.2], **arrays)  # type: ignore[arg-type]


def test_wrongly_shaped_arrays_rejected() -> None:
    with pytest.raises(InvalidEventsError, match="expected \\(n,\\)"):
        Events.from_arrays([[1.0, 2.0]], [0.1, 0.2])
    with pytest.raises(InvalidEventsError, match="expected \\(n,\\)"):
        Events.from_arrays([1.0, 2.0], np.ones((2, 1, 1)))


def test_ragged_csv_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "weight,dweight,x\n1,0.5,0.1\n2,0.3\n")
    with pytest.raises(FileFormatError, match="Expected 3 columns, got 2"):
        read_events(path)


def test_wrong_label_count_rejected() -> None:
    events = Events.from_arrays([1.0, 2.0], [0.1, 0.2])
    with pytest.raises(InvalidEventsError, match="labels have shape \\(3,\\)"):
        partition_information(events, np.array([0, 0, 0]))
    with pytest.raises(InvalidEventsError, match="labels have shape \\(3,\\)"):
        bootstrap_information(events, np.array([0, 0, 0]), 1)


def test_noninteger_labels_rejected() -> None:
    events = Events.from_arrays([1.0, 2.0], [0.1, 0.2])
    with pytest.raises(InvalidEventsError, match="labels must be integers"):
        partition_information(events, np.array([0.0, 1.0]))


def test_label_beyond_bins_rejected() -> None:
    events = Events.from_arrays([1.0, 2.0], [0.1, 0.2])
    with pytest.raises(InvalidEventsError, match="labels reach 5 but n_bins is 2"):
        partition_information(events, np.array([0, 5]), 2)


def test_no_event_selected_rejected() -> None:
    events = Events.from_arrays([1.0, 2.0], [0.1, 0.2], selected=[False, False])
    with pytest.raises(InvalidEventsError, match="no event is selected"):
        partition_information(events, single_bin(events))


def test_empty_sample_rejected() -> None:
    events = Events.from_arrays([], [])
    with pytest.raises(InvalidEventsError, match="no events"):
        partition_information(events, np.array([], dtype=np.intp))
    with pytest.raises(FipfitError, match="needs events"):
        bootstrap_information(events, np.array([], dtype=np.intp), 1)


def test_mask_of_wrong_length_rejected() -> None:
    with pytest.raises(InvalidEventsError, match="mask has shape \\(1,\\)"):
        ideal_information([1.0, 2.0], [0.1, 0.2], mask=[True])


def test_label_other_than_zero_or_one_rejected() -> None:
    with pytest.raises(InvalidEventsError, match="1 events have a label other than"):
        Events.from_arrays([1.0, 2.0], [0.1, 0.2], label=[0, 2])


def test_selection_not_boolean_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "weight,dweight,selected\n1,0.5,1\n2,0.2,3\n")
    with pytest.raises(InvalidEventsError, match="must be boolean"):
        read_events(path)


def test_selection_with_missing_value_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "weight,dweight,selected\n1,0.5,true\n2,0.2,\n")
    with pytest.raises(InvalidEventsError, match="1 events have no value in"):
        read_events(path)


# Bins and bootstrap settings --------------------------------------------------


@pytest.mark.parametrize(
    ("edges", "match"),
    [([1.0, 0.0], "must increase strictly"), ([0.5], "at least two values")],
)
def test_bad_bin_edges_rejected(edges: list[float], match: str) -> None:
    with pytest.raises(FipfitError, match=match):
        labels_from_edges([0.2, 0.4], edges)


def test_zero_bins_rejected() -> None:
    with pytest.raises(FipfitError, match="at least 1, got 0"):
        quantile_edges([0.1, 0.2], None, 0)


def test_single_valued_binning_variable_rejected() -> None:
    with pytest.raises(FipfitError, match="takes a single value"):
        quantile_edges([0.3, 0.3, 0.3], None, 4)


def test_bootstrap_settings_rejected() -> None:
    events = Events.from_arrays([1.0, 2.0], [0.1, 0.2])
    with pytest.raises(FipfitError, match="n_resamples must be at least 2, got 1"):
        bootstrap_information(events, single_bin(events), 1, n_resamples=1)
    with pytest.raises(FipfitError, match="n_groups=0"):
        bootstrap_information(events, single_bin(events), 1, n_groups=0)


# Columns -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            EventColumns(weight="wieght"),
            "weight column 'wieght' not found: did you mean 'weight'?",
        ),
        (
            EventColumns(dweight=("dwieght",)),
            "weight derivative 'dwieght' not found: did you mean 'dweight'?",
        ),
    ],
)
def test_misspelt_column_suggests_name(
    tmp_path: Path, columns: EventColumns, message: str
) -> None:
    path = write_csv(tmp_path, GOOD_CSV)
    with pytest.raises(MissingColumnError) as caught:
        read_events(path, columns)
    assert message in str(caught.value)


def test_misspelt_feature_suggests_name(tmp_path: Path) -> None:
    events = read_events(write_csv(tmp_path, GOOD_CSV))
    with pytest.raises(MissingColumnError, match="column 'xx' not found: did you"):
        events.column("xx")


def test_unknown_feature_lists_columns(tmp_path: Path) -> None:
    events = read_events(write_csv(tmp_path, GOOD_CSV))
    with pytest.raises(MissingColumnError) as caught:
        events.column("mass")
    assert "available columns: weight, dweight, x, label" in str(caught.value)


def test_misspelt_parameter_suggests_name() -> None:
    events = Events.from_arrays([1.0], [[0.1, 0.2]], parameters=["mass", "width"])
    with pytest.raises(MissingColumnError, match="did you mean 'width'"):
        events.parameter_index("widht")


def test_several_parameters_without_choice_rejected() -> None:
    events = Events.from_arrays([1.0], [[0.1, 0.2]], parameters=["mass", "width"])
    with pytest.raises(InvalidEventsError, match="choose one with --param"):
        events.parameter_index(None)


def test_missing_derivative_column_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "weight,x\n1,0.1\n")
    with pytest.raises(MissingColumnError, match="no weight-derivative column"):
        read_events(path)


def test_duplicate_columns_in_csv_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "weight,dweight,x,x\n1,0.5,0.1,0.2\n")
    with pytest.raises(InvalidEventsError) as caught:
        read_events(path)
    assert "duplicate column names ['x']" in str(caught.value)
    assert "rename them" in str(caught.value)


def test_duplicate_columns_in_frame_rejected() -> None:
    frame = pd.DataFrame([[1.0, 0.5, 0.5]], columns=["weight", "dweight", "dweight"])
    with pytest.raises(InvalidEventsError, match="duplicate column names"):
        Events.from_frame(frame)


def test_duplicate_columns_in_parquet_rejected(tmp_path: Path) -> None:
    table = pa.table(
        [[1.0], [0.5], [0.1], [0.2]], names=["weight", "dweight", "x", "x"]
    )
    path = tmp_path / "events.parquet"
    pq.write_table(table, path)
    with pytest.raises(InvalidEventsError, match="duplicate column names \\['x'\\]"):
        read_events(path)


def test_non_utf8_column_name_rejected(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(b"we\xddght,dweight\n1,0.5\n")
    with pytest.raises(FileFormatError, match="not valid UTF-8"):
        read_events(path)


# Files -----------------------------------------------------------------------


def test_missing_input_file_rejected(tmp_path: Path) -> None:
    with pytest.raises(FipfitError, match="not found: check the path"):
        read_events(tmp_path / "absent.parquet")


def test_folder_as_input_rejected(tmp_path: Path) -> None:
    with pytest.raises(FipfitError, match="is a folder"):
        read_events(tmp_path)


def test_unknown_suffix_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, GOOD_CSV, name="events.txt")
    with pytest.raises(FileFormatError, match=r"suffix '\.txt'"):
        read_events(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_empty_file_rejected(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"events{suffix}"
    path.write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty, truncated or not in that"):
        read_events(path)


def test_csv_with_only_header_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "weight,dweight,x\n")
    with pytest.raises(FileFormatError, match="contains no events"):
        read_events(path)


def test_parquet_without_rows_rejected(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    write_events(good_frame().iloc[:0], path)
    with pytest.raises(FileFormatError, match="contains no events"):
        read_events(path)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated_parquet_rejected(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "events.parquet"
    write_events(good_frame(), path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(FileFormatError, match=r"cannot read .* as parquet"):
        read_events(path)


def test_corrupt_parquet_footer_rejected(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    write_events(good_frame(), path)
    data = bytearray(path.read_bytes())
    # The footer length and magic sit in the last 8 bytes.
    data[-8:-4] = b"\xff\xff\xff\x7f"
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="cannot read"):
        read_events(path)


def test_csv_named_parquet_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, GOOD_CSV, name="events.parquet")
    with pytest.raises(FileFormatError, match="as parquet"):
        read_events(path)


def test_corrupt_metadata_rejected(tmp_path: Path) -> None:
    table = pa.Table.from_pandas(good_frame(), preserve_index=False)
    table = table.replace_schema_metadata({b"fipfit": b"{not json"})
    path = tmp_path / "events.parquet"
    pq.write_table(table, path)
    with pytest.raises(FileFormatError, match="cannot read"):
        read_events(path)


# Outputs ---------------------------------------------------------------------


def _enter_atomic_directory(target: Path) -> None:
    with atomic_directory(target):
        pass


def _fill_disk_in_atomic_file(target: Path) -> None:
    with atomic_file(target) as temporary:
        temporary.write_text('{"partial": ')
        raise OSError(errno.ENOSPC, "No space left on device")


def _fill_disk_in_atomic_directory(target: Path) -> None:
    with atomic_directory(target) as temporary:
        (temporary / "index.html").write_text("<html>")
        raise OSError(errno.ENOSPC, "No space left on device")


def test_missing_output_folder_rejected(tmp_path: Path) -> None:
    with pytest.raises(FipfitError, match="does not exist: create it"):
        write_events(good_frame(), tmp_path / "absent" / "events.parquet")


def test_unwritable_output_folder_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root can write to any folder, so the permission check is simulated.
    monkeypatch.setattr("fipfit.atomic.os.access", lambda path, mode: False)
    with pytest.raises(FipfitError, match="is not writable"):
        write_events(good_frame(), tmp_path / "events.parquet")
    with pytest.raises(FipfitError, match="is not writable"):
        _enter_atomic_directory(tmp_path / "report")
    assert list(tmp_path.iterdir()) == []


def test_read_only_output_folder_rejected(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(FipfitError, match="is not writable"):
            write_events(good_frame(), folder / "events.parquet")
    finally:
        folder.chmod(0o700)


def test_existing_report_folder_kept(tmp_path: Path) -> None:
    target = tmp_path / "report"
    target.mkdir()
    with pytest.raises(FipfitError, match="exists: pass --force"):
        _enter_atomic_directory(target)


def test_disk_full_during_parquet_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.parquet"
    write_events(good_frame(), path)
    before = path.read_bytes()

    def write_half_then_fail(table: pa.Table, where: Path, **kwargs: object) -> None:
        Path(where).write_bytes(b"PAR1" + b"\0" * 100)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", write_half_then_fail)
    with pytest.raises(OSError, match="No space left on device") as caught:
        write_events(good_frame().iloc[:2], path)
    assert caught.value.errno == errno.ENOSPC
    # The old file is untouched and no temporary file is left behind.
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.parquet"]


def test_disk_full_inside_atomic_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    with pytest.raises(OSError, match="No space"):
        _fill_disk_in_atomic_file(target)
    assert list(tmp_path.iterdir()) == []


def test_disk_full_inside_atomic_directory(tmp_path: Path) -> None:
    target = tmp_path / "report"
    with pytest.raises(OSError, match="No space"):
        _fill_disk_in_atomic_directory(target)
    assert list(tmp_path.iterdir()) == []


# Extreme magnitudes -----------------------------------------------------------


def _extreme_sample(scale: float) -> tuple[Events, np.ndarray]:
    rng = np.random.default_rng(11)
    n = 60
    weight = rng.uniform(0.5, 2.0, n)
    weight[:5] *= -0.2  # a few negative weights, as in NLO samples
    dweight = rng.normal(size=(n, 2))
    labels = rng.integers(0, 4, n)
    events = Events.from_arrays(scale * weight, scale * dweight)
    return events, labels


@pytest.mark.parametrize("scale", [1e-300, 1e-150, 1e150, 1e300])
def test_extreme_magnitudes_keep_precision(scale: float) -> None:
    # Weights and derivatives scaled by c: I scales by c exactly in real
    # arithmetic and every ratio stays. Squaring d ~ 1e300 (or 1e-300) first
    # would overflow (or underflow to 0); the computation must avoid it. The
    # tolerance 1e-12 is round-off over 60 events with a margin of 1000.
    reference_events, labels = _extreme_sample(1.0)
    events, _ = _extreme_sample(scale)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", NonPositiveBinWarning)
        reference = partition_information(reference_events, labels, 4)
        result = partition_information(events, labels, 4)
        reference_bootstrap = bootstrap_information(
            reference_events, labels, 4, n_resamples=20, random_state=3
        )
        bootstrap = bootstrap_information(
            events, labels, 4, n_resamples=20, random_state=3
        )

    for name in (
        "information",
        "ideal_information",
        "shape_information",
        "shape_ideal_information",
        "sensitive_information",
    ):
        assert_allclose(
            getattr(result, name) / scale,
            getattr(reference, name),
            rtol=1e-12,
            atol=1e-12 * np.abs(reference.ideal_information).max(),
            err_msg=name,
        )
    for name in ("fip", "shape_fip", "efficiency", "sharpness", "purity_factor"):
        assert_allclose(
            getattr(result, name), getattr(reference, name), rtol=1e-9, err_msg=name
        )

    assert_allclose(result.bins.n_effective, reference.bins.n_effective, rtol=1e-12)
    assert_allclose(result.bins.share, reference.bins.share, rtol=1e-12)
    assert_allclose(result.bins.gamma_mean, reference.bins.gamma_mean, rtol=1e-12)

    assert_allclose(
        bootstrap.information_error / scale,
        reference_bootstrap.information_error,
        rtol=1e-9,
    )
    assert_allclose(bootstrap.fip_error, reference_bootstrap.fip_error, rtol=1e-9)


def test_information_overflow_rejected() -> None:
    # d^2 / w = 1e200^2 / 1e-300 is far beyond float64's 1.8e308.
    events = Events.from_arrays([1e-300, 1.0], [1e200, 1.0])
    with pytest.raises(InvalidEventsError, match="overflows float64"):
        partition_information(events, single_bin(events))


# Model files -----------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_regressor() -> object:
    from fipfit.regression import GammaRegressor

    rng = np.random.default_rng(2)
    return GammaRegressor(max_iter=5).fit(
        rng.normal(size=(200, 2)), rng.normal(size=200)
    )


def _save(path: Path, estimator: object) -> Path:
    from fipfit.modelfile import save_model

    return save_model(
        path, estimator, features=["x", "eta"], kind="regressor", parameters=["theta"]
    )


def test_model_from_other_version_rejected(
    tmp_path: Path, trained_regressor: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fipfit.modelfile
    from fipfit.modelfile import load_model

    with monkeypatch.context() as patch:
        patch.setattr(fipfit.modelfile, "_version", lambda: "0.0.1")
        path = _save(tmp_path / "old.skops", trained_regressor)
    with pytest.raises(FipfitError) as caught:
        load_model(path)
    message = str(caught.value)
    assert "written by fipfit 0.0.1" in message
    assert "retrain it with 'fipfit train'" in message


def test_model_with_other_features_rejected(
    tmp_path: Path, trained_regressor: object
) -> None:
    from fipfit.modelfile import load_model

    path = _save(tmp_path / "model.skops", trained_regressor)
    with pytest.raises(FipfitError, match=r"trained on features \['x', 'eta'\]"):
        load_model(path, features=["eta", "x"])
    model = load_model(path)
    events = Events.from_arrays([1.0, 2.0], [0.1, 0.2], features={"x": [0.0, 1.0]})
    with pytest.raises(FipfitError, match=r"the events lack \['eta'\]"):
        model.output(events)


@pytest.mark.parametrize("keep", [0.0, 0.3, 0.9])
def test_truncated_model_file_rejected(
    tmp_path: Path, trained_regressor: object, keep: float
) -> None:
    from fipfit.modelfile import load_model

    path = _save(tmp_path / "model.skops", trained_regressor)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(FileFormatError, match="cannot read model file"):
        load_model(path)


def test_event_file_as_model_rejected(tmp_path: Path) -> None:
    from fipfit.modelfile import load_model

    path = tmp_path / "events.parquet"
    write_events(good_frame(), path)
    with pytest.raises(FileFormatError, match="not a fipfit model file"):
        load_model(path)


# Report folder ----------------------------------------------------------------


def canned_outcome() -> object:
    """Return a run outcome with one figure, as the pipeline would."""
    from fipfit.report.html import FigureRecord
    from fipfit.report.pipeline import RunOutcome

    figure = FigureRecord(name="fip", title="FIP", caption="FIP", png=b"\x89PNG")
    return RunOutcome(summary={"title": "canned", "provenance": {}}, figures=[figure])


@pytest.fixture
def plain_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the schema check and the page template, which need a full summary."""
    import fipfit.report.output

    monkeypatch.setattr(
        fipfit.report.output, "validate_summary", lambda summary: None, raising=False
    )
    monkeypatch.setattr(
        fipfit.report.output, "render_page", lambda summary, figures: "<html>"
    )


def fill_disk_at(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make writing the file `name` fail half-way with ENOSPC."""
    write_text = Path.write_text

    def write_then_fail(self: Path, data: str, *args: object, **kwargs: object) -> int:
        if self.name != name:
            return write_text(self, data, *args, **kwargs)  # type: ignore[arg-type]
        write_text(self, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", write_then_fail)


@pytest.mark.usefixtures("plain_report")
def test_disk_full_during_report_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fipfit.report.output import write_report

    fill_disk_at(monkeypatch, "index.html")
    with pytest.raises(OSError, match="No space left on device") as caught:
        write_report(canned_outcome(), tmp_path / "report")
    assert caught.value.errno == errno.ENOSPC
    # No report folder, complete or partial, and no temporary folder remain.
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("plain_report")
def test_disk_full_keeps_old_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fipfit.report.output import write_report

    target = tmp_path / "report"
    write_report(canned_outcome(), target)
    before = {p.name: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    fill_disk_at(monkeypatch, "summary.json")
    with pytest.raises(OSError, match="No space left on device"):
        write_report(canned_outcome(), target, overwrite=True)
    after = {p.name: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_disk_full_during_conversion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # convert writes chunk by chunk; the second chunk finds the disk full.
    from fipfit.formats.convert import ConvertOptions, convert_files

    source = Path(__file__).resolve().parents[2] / "shared" / "data"
    lhe = source / "pylhe-testfile-powheg-box-v2-Z.lhe"
    write_table = pq.ParquetWriter.write_table
    calls = []

    def fail_second_chunk(
        self: pq.ParquetWriter, table: pa.Table, **kwargs: object
    ) -> None:
        calls.append(table.num_rows)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        write_table(self, table, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pq.ParquetWriter, "write_table", fail_second_chunk)
    with pytest.raises(OSError, match="No space left on device"):
        convert_files([lhe], tmp_path / "z.parquet", ConvertOptions(chunk_size=40))
    assert calls == [40, 40]
    assert list(tmp_path.iterdir()) == []


def test_fip_independent_of_parameter_units() -> None:
    # Parameters on scales 1e5 apart (a mass in MeV beside a coupling) once
    # made a well-determined I(P) look rank-deficient: FIP came back 0. With
    # theta_i -> c_i theta_i each FIP_i stays; see test_properties for the
    # general property. rtol 1e-9 covers inverting 2x2 matrices of condition
    # number below 1e4 after scaling to unit diagonal.
    weight = np.ones(9)
    dweight = np.full((9, 2), -1.0)
    dweight[0, 1] = -344.0
    labels = np.array([0, 1, 0, 0, 0, 0, 0, 0, 0])
    base = partition_information(Events.from_arrays(weight, dweight), labels, 2)
    rescaled = partition_information(
        Events.from_arrays(weight, dweight * [-1e-3, -374.0]), labels, 2
    )
    assert base.fip[0] > 0.1
    assert_allclose(rescaled.fip, base.fip, rtol=1e-9)


@pytest.mark.parametrize("width", [1e-300, 1e300])
def test_toy_settings_giving_nan_rejected(width: float) -> None:
    # The peak's derivative is (x - theta0) / width^2: 0/0-like for a width
    # of 1e-300 and an OverflowError for 1e300.
    from fipfit.toymodels import get_model

    with pytest.raises(FipfitError, match="gives NaN or infinite values"):
        get_model("peak").generate(50, width=width)


def test_negative_weights_reported_by_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from fipfit.cli import main

    # Weights -3, 1, 1, 2: one negative event, 3 / 7 of the sum of |w|. Bin
    # [0, 0.5) has W = -3 + 1 = -2 and is listed with a warning; that the
    # command line prints it on one line is checked by test_cli_info.py's
    # test_installed_script_warning_one_line.
    path = write_csv(
        tmp_path, "weight,dweight,x\n-3,1,0.2\n1,1,0.3\n1,0.5,0.8\n2,1,0.9\n"
    )
    argv = ["info", str(path), "--by", "x", "--edges", "0,0.5,1", "--json"]
    with pytest.warns(NonPositiveBinWarning, match=r"bins \[0\]"):
        status = main([*argv, "--bootstrap", "0"])
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["negative_weights"]["n_events"] == 1
    assert summary["negative_weights"]["fraction_of_abs_weight"] == pytest.approx(3 / 7)
    assert summary["nonpositive_bins"] == [0]
