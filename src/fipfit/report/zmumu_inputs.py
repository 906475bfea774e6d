"""Inputs of the ``zmumu`` example: simulated and recorded events.

The MadGraph LHE files are converted with the Z line-shape reweighting and the
detector model, and the CMS file is converted (or read as a table) with one
pair per collision. `split_by_event` splits the simulation by generated event,
so that the measurements of one event stay on one side.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from fipfit.errors import FipfitError
from fipfit.events import Events
from fipfit.formats.dimuon import select_one_pair_per_collision
from fipfit.report.zmumu_config import ZmumuConfig

__all__ = [
    "ELECTRON",
    "MUON",
    "check_columns",
    "event_ids",
    "read_data",
    "read_simulation",
    "select_data_events",
    "split_by_event",
]


MUON = 13
ELECTRON = 11


def read_simulation(config: ZmumuConfig, folder: Path) -> Events:
    from fipfit.formats.convert import ConvertOptions, convert_files
    from fipfit.formats.lhe import read_lhe_info
    from fipfit.formats.table import read_events

    for path in config.lhe:
        if not path.is_file():
            raise FipfitError(
                f"LHE file '{path}' not found: give the MadGraph files with --lhe "
                "or the configuration's 'lhe'"
            )
        if read_lhe_info(path).card is None:
            raise FipfitError(
                f"'{path}' has no parameter card, which the zmumu example reads "
                "m_Z, Gamma_Z and sin^2 theta_eff from: give MadGraph LHE files, "
                "or convert this one with 'fipfit convert --mz --width --sin2theta'"
            )
    target = folder / "simulation.parquet"
    options = ConvertOptions(
        reweight="zlineshape",
        n_smearings=config.smearings,
        random_state=config.seeds["smearing"],
    )
    convert_files(config.lhe, target, options)
    return read_events(target)


def read_data(path: Path, folder: Path) -> pd.DataFrame:
    """Read the data table, converting a ROOT file first."""
    from fipfit.formats.convert import convert_files
    from fipfit.formats.root import is_root_file
    from fipfit.formats.table import read_table

    if not path.is_file():
        raise FipfitError(
            f"data file '{path}' not found: give the CMS file with --data or the "
            "configuration's 'data'"
        )
    if is_root_file(path):
        target = folder / "data.parquet"
        convert_files([path], target)
        path = target
    table, _ = read_table(path)
    return table.to_pandas()


def check_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise FipfitError(
            f"the {what} lack the columns {missing}: convert the file with "
            "'fipfit convert' from a ROOT tree with both muons' E, px, py, pz and "
            "charge (or a table with the measured columns)"
        )


def select_data_events(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Keep one selected dimuon pair per recorded collision.

    Parameters
    ----------
    frame : pandas.DataFrame
        Converted data: the measured columns, ``selected``, and optionally
        ``Run``, ``Event`` and ``Type`` from the ROOT file.

    Returns
    -------
    events : pandas.DataFrame
        One row per collision that has a selected pair.
    record : dict
        Rows, collisions and kept rows, and the rule used.

    Notes
    -----
    The rule is `fipfit.formats.dimuon.select_one_pair_per_collision`, the
    one that ``fipfit convert`` applies to ROOT data.
    """
    check_columns(frame, ["selected", "pt1", "pt2", "mll"], "data")
    pairs, counts = select_one_pair_per_collision(frame)
    kept = pairs.loc[pairs["selected"].to_numpy(dtype=bool)]
    kept = kept.drop(columns="duplicate_pairing").reset_index(drop=True)
    record = {
        "rows": counts["rows"],
        "collisions": counts["collisions"],
        "kept": counts["selected"],
        "rule": counts["rule"],
    }
    return kept, record


def event_ids(events: Events) -> NDArray[np.int64]:
    """Return one integer per generated event, shared by its measurements."""
    event = events.data["event_index"].to_numpy(dtype=np.int64)
    file = events.data["file_index"].to_numpy(dtype=np.int64)
    return np.asarray(file * (int(event.max()) + 1) + event, dtype=np.int64)


def split_by_event(
    events: Events, train_fraction: float, *, random_state: int | None = 0
) -> tuple[Events, Events]:
    """Split at random into train and test events, keeping each generated event whole.

    The rows of one generated event (its measurements by the detector model)
    go to the same side, so that no test row shares its truth with a train
    row. The weights are not rescaled.
    """
    if not 0 < train_fraction < 1:
        raise FipfitError(
            f"train_fraction must be between 0 and 1, got {train_fraction}"
        )
    ids = event_ids(events)
    unique = np.unique(ids)
    order = np.random.default_rng(random_state).permutation(unique.size)
    chosen = unique[order[: round(train_fraction * unique.size)]]
    in_train = np.isin(ids, chosen)
    return events.take(in_train), events.take(~in_train)
