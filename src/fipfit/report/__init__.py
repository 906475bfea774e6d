"""The main job, ``fipfit run``: configuration, pipeline, figures and report page.

`load_config` or `example_config` give a `RunConfig`; `run_pipeline` computes
the content of the report; `write_report` writes ``index.html``,
``summary.json`` and ``figures/*.png`` into a folder, atomically.
"""

from __future__ import annotations

from fipfit.report.config import RunConfig
from fipfit.report.config_loader import example_config, load_config
from fipfit.report.output import write_report
from fipfit.report.pipeline import RunOutcome, run_pipeline

__all__ = [
    "RunConfig",
    "RunOutcome",
    "example_config",
    "load_config",
    "run_pipeline",
    "write_report",
]
