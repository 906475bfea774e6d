"""The ``zmumu`` example of ``fipfit run``: the Z mass in MadGraph and CMS events.

1. Convert the CMS ROOT file (or read a converted table) and keep one pair
   per collision. Convert the MadGraph LHE files with the Z line-shape
   reweighting (`fipfit.reweighting.zlineshape`), which gives the weight
   derivatives in m_Z and sin^2 theta_eff, and with the detector model, which
   measures each generated event `smearings` times.
2. Split the generated events (not the rows: the measurements of one event
   share its truth) into train and test events.
3. Train the gamma regressor of both parameters on the measured lepton
   kinematics of the train events.
4. Partition the test events in the measured pair mass, in the true pair mass
   (with and without the selection: the ideal-detector check) and in each
   output of the regressor; bin edges come from the train events. Report I(P)
   as a 2x2 matrix, FIP of each parameter with the other free, and errors from
   a bootstrap over generated events.
5. Fit m_Z to the CMS dimuon pairs in a mass window, once binned in the
   measured pair mass and once in the regressor output, with exact templates
   of the test events and a free normalisation (`fipfit.datafit`).

`run_zmumu` returns the report's content as a `RunOutcome`, which
`fipfit.report.output.write_report` writes like any other run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fipfit.report.pipeline import RunOutcome, thread_limit
from fipfit.report.progress import ProgressReporter, SilentProgress, progress_step
from fipfit.report.zmumu_analysis import ZmumuAnalysis, ZmumuPartition, train_regressor
from fipfit.report.zmumu_config import ZmumuConfig
from fipfit.report.zmumu_datafit import fit_data
from fipfit.report.zmumu_figures import build_figures
from fipfit.report.zmumu_inputs import (
    check_columns,
    read_data,
    read_simulation,
    select_data_events,
    split_by_event,
)
from fipfit.report.zmumu_summary import build_summary

__all__ = ["run_zmumu"]


def run_zmumu(
    config: ZmumuConfig, progress: ProgressReporter | None = None
) -> RunOutcome:
    """Run the zmumu example and return the report's content.

    Notes
    -----
    OpenMP and BLAS use ``config.threads`` threads during the run (default
    1), as in `fipfit.report.pipeline.run_pipeline`.

    Raises
    ------
    FipfitError
        On missing or invalid inputs: LHE files without a lepton pair, a
        data table without the measured columns, no event in the window.
    """
    with thread_limit(config.threads):
        return _run_steps(config, progress or SilentProgress())


def _run_steps(config: ZmumuConfig, progress: ProgressReporter) -> RunOutcome:
    with tempfile.TemporaryDirectory(prefix="fipfit-zmumu-") as temporary:
        folder = Path(temporary)
        data = None
        data_record: dict[str, Any] = {}
        if config.data is not None:
            with progress_step(progress, "reading the data"):
                frame = read_data(config.data, folder)
                check_columns(frame, [*config.features, "mll", "selected"], "data")
                data, data_record = select_data_events(frame)
        with progress_step(progress, "converting the LHE files"):
            everything = read_simulation(config, folder)
    check_columns(everything.data, list(config.features), "simulated events")
    train, test = split_by_event(
        everything, config.train_fraction, random_state=config.seeds["split"]
    )
    analysis = ZmumuAnalysis(config, train, test)
    with progress_step(
        progress, f"training the gamma regressor ({config.regressor['model']})"
    ):
        analysis.regressor = train_regressor(config, train)

    specs = [
        ZmumuPartition("mll", "mll"),
        ZmumuPartition("regressor", None, component=0),
        ZmumuPartition("regressor (sin2theta output)", None, component=1),
        ZmumuPartition("true mll", "true_mll"),
        ZmumuPartition("true mll, no selection", "true_mll", all_events=True),
    ]
    with progress_step(progress, "measuring the information of the partitions"):
        measured = [analysis.measure(s, config.bins, config.bootstrap) for s in specs]
        for item in measured[:2]:
            analysis.scan(item)

    fits: list[tuple[Any, str]] = []
    if data is not None:
        with progress_step(progress, "fitting m_Z to the data"):
            fits = fit_data(config, analysis, everything, data)

    summary = build_summary(config, everything, analysis, measured, fits, data_record)
    with progress_step(progress, "drawing the figures"):
        records = build_figures(summary, analysis, measured)
    summary["figures"] = [
        {"file": r.file, "title": r.title, "caption": r.caption} for r in records
    ]
    return RunOutcome(summary=summary, figures=records)
