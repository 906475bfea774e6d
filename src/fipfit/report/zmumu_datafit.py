"""Fit of m_Z to the CMS dimuon pairs in the ``zmumu`` example.

The fit runs in a pair-mass window, once binned in the measured pair mass and
once in the regressor output, with exact templates of the test events and a
free normalisation (`fipfit.datafit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from fipfit.binning import quantile_edges
from fipfit.errors import FipfitError
from fipfit.events import Events
from fipfit.report.zmumu_analysis import ZmumuAnalysis, ZmumuPartition
from fipfit.report.zmumu_config import ZmumuConfig
from fipfit.report.zmumu_inputs import ELECTRON, MUON

__all__ = ["fit_data"]


def _in_window(
    events: Events, window: tuple[float, float], flavours: Sequence[int]
) -> NDArray[np.bool_]:
    mll = events.column("mll")
    flavour = events.data["lepton_flavour"].to_numpy()
    return np.asarray(
        events.selected
        & (mll > window[0])
        & (mll < window[1])
        & np.isin(flavour, flavours)
    )


def _template_scale(
    everything: Events, test: Events, flavours: Sequence[int], n_files: int
) -> float:
    """Return the factor that makes the test events' templates one flavour's yield.

    Each input file's weights add up to its cross section of e+ e- and
    mu+ mu- together. Scaled by this factor, the templates describe the cross
    section of one lepton flavour, so the fitted L_eff is a luminosity in
    pb^-1.
    """
    flavour = everything.data["lepton_flavour"].to_numpy()
    present = [f for f in flavours if np.any(flavour == f)]
    chosen = np.isin(flavour, flavours)
    per_flavour = everything.weight[chosen].sum() / (n_files * max(len(present), 1))
    test_flavour = test.data["lepton_flavour"].to_numpy()
    total = test.weight[np.isin(test_flavour, flavours)].sum()
    return float(per_flavour / total)


def fit_data(
    config: ZmumuConfig,
    analysis: ZmumuAnalysis,
    everything: Events,
    data: pd.DataFrame,
) -> list[tuple[Any, str]]:
    """Fit m_Z to the data in the measured pair mass and the regressor output."""
    from fipfit.datafit import fit_partition

    settings = config.data_fit
    flavours = (MUON, ELECTRON) if settings.electrons else (MUON,)
    low, high = settings.window
    mll = data["mll"].to_numpy(dtype=np.float64)
    data_window = data.loc[(mll > low) & (mll < high)].reset_index(drop=True)
    if data_window.empty:
        raise FipfitError(
            f"no data event has {low} < mll < {high} GeV: check the data file "
            "and data_fit.window"
        )
    train = analysis.train.take(_in_window(analysis.train, settings.window, flavours))
    test = analysis.test.take(_in_window(analysis.test, settings.window, flavours))
    if len(train) == 0 or len(test) == 0:
        names = "muon or electron" if settings.electrons else "muon"
        raise FipfitError(
            f"no simulated {names} event lies in the window {low} to {high} GeV: "
            "give a Z -> mu mu sample or set data_fit.electrons = true"
        )
    scale = _template_scale(everything, analysis.test, flavours, len(config.lhe))
    mz0 = float(test.metadata["settings"]["mz"])
    fits = []
    for spec, label in (
        (ZmumuPartition("mll", "mll"), "measured pair mass m(μμ) [GeV]"),
        (ZmumuPartition("regressor", None), "regressor output r(x) for m_Z [1/GeV]"),
    ):
        train_values = analysis.values(spec, train)
        edges = quantile_edges(train_values, train.weight, settings.bins)
        try:
            result = fit_partition(
                test,
                analysis.values(spec, test),
                analysis.frame_values(spec, data_window),
                edges,
                parameters=["mz"],
                scale=scale,
                theta_range=(mz0 - settings.mz_range, mz0 + settings.mz_range),
                partition=spec.name,
            )
        except FipfitError as error:
            raise type(error)(f"data fit binned in '{spec.name}': {error}") from None
        fits.append((result, label))
    return fits
