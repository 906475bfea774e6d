"""Figures of the ``zmumu`` example's report page, with titles and captions."""

from __future__ import annotations

from typing import Any

import numpy as np

from fipfit.report import figures as fig
from fipfit.report.html import FigureRecord
from fipfit.report.zmumu_analysis import MeasuredPartition, ZmumuAnalysis

__all__ = ["build_figures"]


#: Axis label of the data-fit figures, which show counts per unit of the
#: binned variable.
DENSITY_LABELS = {"mll": "events per GeV", "regressor": "events per GeV$^{-1}$"}


def _render(
    name: str, title: str, caption: str, figure: Any, out: list[FigureRecord]
) -> None:
    out.append(FigureRecord(name, title, caption, fig.png_bytes(figure)))


def build_figures(
    summary: dict[str, Any], analysis: ZmumuAnalysis, measured: list[MeasuredPartition]
) -> list[FigureRecord]:
    from fipfit.regression import model_output

    out: list[FigureRecord] = []
    test = analysis.test
    chosen = test.selected
    with fig.style():
        scans = {
            item.spec.name: (
                item.scan["n_bins"],
                item.scan["fip"],
                item.scan["fip_error"],
            )
            for item in measured[:2]
        }
        _render(
            "fip_vs_bins",
            "FIP for m_Z against the number of bins",
            "FIP of the measured pair mass and of the regressor output on the test "
            "events, with sin^2 theta_eff free. The grey line is the true pair mass "
            "of the selected events: a detector with perfect resolution.",
            fig.fip_scan_figure(scans, summary["reference_limits"]),
            out,
        )
        predicted = model_output(
            analysis.regressor,
            test.features(list(analysis.config.features))[chosen],
            component=0,
        )
        true_gamma = test.gamma[chosen, 0]
        weight = test.weight[chosen]
        _render(
            "regression",
            "Regressed against true gamma for m_Z",
            "Weighted 2D histogram of the regressor output against each test "
            "event's true sensitivity gamma = (dw/dm_Z)/w.",
            fig.regression_figure(true_gamma, predicted, weight, "mz"),
            out,
        )
        _render(
            "calibration",
            "Calibration of the regressor for m_Z",
            "Weighted mean true gamma in equal-weight bins of the regressor output "
            "(test events); points on the diagonal mean a calibrated output.",
            fig.calibration_figure(predicted, true_gamma, weight, "mz"),
            out,
        )
        for number, item in enumerate(summary.get("data_fit") or []):
            _render(
                f"data_fit_{number}",
                f"Fit of m_Z to CMS data: {item['partition']}",
                f"CMS dimuon pairs (points) against the fitted templates (line), "
                f"binned in {item['partition']}; m_Z = {item['m_z']:.3f} ± "
                f"{item['hesse_error']:.3f} GeV (HESSE), Fisher prediction "
                f"{item['fisher_error']:.3f} GeV, {item['n_data']} events, free "
                "normalisation. Counts are divided by the width of their "
                "equal-weight bin; the lower panel shows data over fit.",
                fig.data_fit_figure(
                    np.asarray(item["edges"]),
                    np.asarray(item["observed"]),
                    np.asarray(item["expected"]),
                    item["xlabel"],
                    f"CMS dimuon pairs binned in {item['partition']}: m_Z = "
                    f"{item['m_z']:.2f} ± {item['hesse_error']:.2f} GeV",
                    density_label=DENSITY_LABELS[item["partition"]],
                ),
                out,
            )
        _render(
            "factorisation",
            "FIP factorisation for m_Z",
            "FIP = efficiency × sharpness × purity factor per partition. The "
            "efficiency is the share of the ideal information that the selection "
            "keeps; without background the purity factor is 1.",
            fig.summary_factorisation_figure(summary["partitions"]),
            out,
        )
    return out
