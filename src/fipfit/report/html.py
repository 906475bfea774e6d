"""The report page: one self-contained HTML file, readable offline.

Figures are embedded as base64 PNG data URIs and the style sheet is inline, so
the page loads nothing from the network and can be mailed or archived alone.
Every number on the page comes from the summary dictionary that is also
written as ``summary.json``.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

__all__ = [
    "FigureRecord",
    "data_fit_status",
    "has_pseudoexperiments",
    "measured_error_text",
    "most_fits_failed",
    "render_page",
]


@dataclass(frozen=True)
class FigureRecord:
    """A figure of the report: its file, title, caption and PNG bytes."""

    name: str
    title: str
    caption: str
    png: bytes

    @property
    def file(self) -> str:
        """Path of the PNG file inside the report folder."""
        return f"figures/{self.name}.png"

    def data_uri(self) -> str:
        """Return the PNG as a base64 data URI."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


_CSS = """
:root { --ink:#1d2330; --muted:#5b6474; --line:#dde2ea; --accent:#2f6fde;
        --card:#f5f7fb; --good:#1f8a4c; --warn:#b86e00; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui, -apple-system, "Segoe UI", Roboto,
       "Helvetica Neue", Arial, sans-serif; color:var(--ink); background:#fff;
       line-height:1.45; }
header { background:linear-gradient(120deg,#17325f,#2f6fde); color:#fff;
         padding:28px 40px 22px; }
header h1 { margin:0 0 4px; font-size:28px; font-weight:650; }
header p { margin:0; opacity:.85; font-size:14px; }
main { max-width:1180px; margin:0 auto; padding:24px 40px 60px; }
h2 { font-size:21px; margin:38px 0 10px; padding-bottom:6px;
     border-bottom:2px solid var(--line); }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(200px,1fr));
         gap:14px; margin-top:4px; }
.card { background:var(--card); border-radius:10px; padding:14px 16px;
        border:1px solid var(--line); }
.card .label { font-size:12px; text-transform:uppercase; letter-spacing:.05em;
               color:var(--muted); }
.card .value { font-size:26px; font-weight:650; margin:2px 0; }
.card .note { font-size:13px; color:var(--muted); }
table { border-collapse:collapse; width:100%; font-size:14px; margin:8px 0; }
th, td { padding:6px 10px; border-bottom:1px solid var(--line); text-align:right; }
th { background:var(--card); font-weight:600; }
td:first-child, th:first-child { text-align:left; }
tr.best td { background:#eaf6ee; font-weight:600; }
tr.failed td { background:#fdecea; color:#8a1c12; }
.alert { color:#8a1c12; font-size:14px; max-width:900px; }
.figures { display:grid; grid-template-columns:repeat(auto-fit,minmax(500px,1fr));
           gap:22px; }
figure { margin:0; border:1px solid var(--line); border-radius:10px;
         padding:12px; background:#fff; }
figure img { width:100%; height:auto; display:block; }
figcaption { font-size:14px; color:var(--ink); margin-top:8px; }
figcaption b { display:block; margin-bottom:2px; }
.explain { color:var(--muted); font-size:14px; max-width:900px; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas,
            monospace; font-size:13px; }
pre { background:var(--card); border:1px solid var(--line); border-radius:8px;
      padding:12px; overflow-x:auto; }
details { margin:8px 0; }
summary { cursor:pointer; font-weight:600; }
.provenance td:last-child { word-break:break-all; font-family:ui-monospace,
  Menlo, Consolas, monospace; font-size:12px; }
.columns { display:grid; grid-template-columns:1fr 1fr; gap:28px;
            align-items:start; }
footer { color:var(--muted); font-size:12px; margin-top:40px; }
"""


def _format(value: Any, digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        return f"{value:.{digits}g}"
    return str(value)


def _plus_minus(value: Any, error: Any, digits: int = 3) -> str:
    if not isinstance(value, float):
        return _format(value)
    if not isinstance(error, float) or not math.isfinite(error):
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} ± {error:.{digits}f}"


def _card(label: str, value: str, note: str) -> str:
    return (
        '<div class="card">'
        f'<div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div>'
        f'<div class="note">{escape(note)}</div>'
        "</div>"
    )


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    best: int = -1,
    failed: Collection[int] = (),
) -> str:
    """Render a table; row `best` is highlighted and rows in `failed` marked red."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for index, row in enumerate(rows):
        cells = "".join(f"<td>{escape(cell)}</td>" for cell in row)
        marker = ""
        if index in failed:
            marker = ' class="failed"'
        elif index == best:
            marker = ' class="best"'
        body.append(f"<tr{marker}>{cells}</tr>")
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def most_fits_failed(partition: Mapping[str, Any]) -> bool:
    """Return whether more than half of a partition's pseudo-experiment fits failed.

    The spread of the few valid fits is then a biased measure of the error,
    because the failures are not random: they are the fits far from the truth
    or near a limit of the templates.
    """
    fit = partition.get("fit") or {}
    failed, toys = fit.get("failed"), fit.get("toys")
    return isinstance(failed, int) and isinstance(toys, int) and 2 * failed > toys


def measured_error_text(partition: Mapping[str, Any], digits: int = 4) -> str:
    """Return the measured error ± its uncertainty, or why it is not available."""
    fit = partition.get("fit") or {}
    if "error" in fit:
        return "not run"
    if most_fits_failed(partition):
        return f"n/a ({fit['failed']}/{fit['toys']} failed)"
    value = partition.get("measured_error")
    if not isinstance(value, float):
        return "–"
    return _plus_minus(value, partition.get("measured_error_uncertainty"), digits)


def has_pseudoexperiments(summary: Mapping[str, Any]) -> bool:
    """Return whether the run fitted pseudo-experiments (it has pseudo-data)."""
    return int(summary["events"].get("pseudo_data") or 0) > 0


def data_fit_status(item: Mapping[str, Any]) -> str:
    """Return "valid", or why a data fit's value must not be used."""
    if item.get("converged") is False:
        return "FAILED: not converged"
    if item.get("valid") is False:
        return "FAILED: inaccurate covariance or parameter at a limit"
    return "valid"


def _data_fit_section(data_fit: Sequence[Mapping[str, Any]]) -> str:
    if not data_fit:
        return ""
    rows = []
    failed = []
    for index, item in enumerate(data_fit):
        status = data_fit_status(item)
        value = _plus_minus(item["value"], item["error"], 4)
        if status != "valid":
            failed.append(index)
            value = f"⚠ {value} (failed fit)"
        rows.append(
            [
                item["name"],
                value,
                _format(item.get("expected_error"), 3),
                _format(item.get("n_data"), 6),
                status,
            ]
        )
    html = "<h2>Fit to data</h2>" + _table(
        ["partition", "fitted value", "expected error", "events", "fit status"],
        rows,
        failed=failed,
    )
    if failed:
        html += (
            '<p class="alert">⚠ A failed fit (red row) did not reach a valid '
            "minimum with an accurate covariance inside the templates' range: "
            "its value and error are not a measurement.</p>"
        )
    return html


def _headline(summary: Mapping[str, Any]) -> str:
    partitions = summary["partitions"]
    cards = []
    best = summary.get("best_partition")
    chosen = next((p for p in partitions if p["name"] == best), None)
    if chosen is not None:
        cards.append(
            _card(
                "best FIP",
                _plus_minus(chosen["fip"], chosen["fip_error"]),
                f"{chosen['name']}, {chosen['n_bins']} bins, on test events"
                + ("; ⚠ see the warnings below" if chosen.get("warnings") else ""),
            )
        )
    limits = summary.get("reference_limits") or {}
    if limits:
        name, value = max(limits.items(), key=lambda item: item[1])
        cards.append(
            _card(
                "detector limit",
                f"{value:.3f}",
                f"FIP of the finest partition of ({name}), from the model",
            )
        )
    if chosen is not None and isinstance(chosen.get("expected_error"), float):
        note = "expected"
        if has_pseudoexperiments(summary):
            note += f"; pseudo-experiments: {measured_error_text(chosen, 3)}"
        cards.append(
            _card(
                f"error on {summary['parameter']}",
                f"{_format(chosen['expected_error'], 3)}",
                note,
            )
        )
    ideal = summary.get("ideal_information")
    if isinstance(ideal, float):
        cards.append(
            _card(
                "ideal information",
                f"{ideal:.4g}",
                "per unit luminosity: every event resolved, no background",
            )
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def _partition_table(summary: Mapping[str, Any]) -> str:
    headers = [
        "partition",
        "binning",
        "bins",
        "FIP (test)",
        "FIP (train)",
        "shape-only FIP",
        "expected error",
    ]
    toys = has_pseudoexperiments(summary)
    if toys:
        headers += ["measured error", "mean pull", "pull std", "failed fits"]
    rows = []
    best_index = -1
    for index, p in enumerate(summary["partitions"]):
        if p["name"] == summary.get("best_partition"):
            best_index = index
        fit = p.get("fit") or {}
        row = [
            f"⚠ {p['name']}" if p.get("warnings") else p["name"],
            p["binning"],
            str(p["n_bins"]),
            _plus_minus(p["fip"], p["fip_error"]),
            _format(p["train_fip"], 3),
            _format(p.get("shape_fip"), 3),
            _format(p["expected_error"], 3),
        ]
        if toys:
            row += [
                measured_error_text(p),
                _format(fit.get("pull_mean"), 2),
                _format(fit.get("pull_std"), 2),
                "not run" if "error" in fit else _format(fit.get("failed"), 3),
            ]
        rows.append(row)
    table = _table(headers, rows, best=best_index)
    if any(most_fits_failed(p) for p in summary["partitions"]):
        table += (
            '<p class="alert">⚠ n/a: more than half of the partition\'s '
            "pseudo-experiment fits failed, so the spread of the rest does not "
            "measure its error.</p>"
        )
    warnings = [
        f"<li>{escape(p['name'])}: {escape(text)}</li>"
        for p in summary["partitions"]
        for text in p.get("warnings") or []
    ]
    if warnings:
        table += (
            '<p class="alert">⚠ Warnings:</p><ul class="alert">'
            + "".join(warnings)
            + "</ul>"
        )
    notes = [
        f"<li>{escape(p['name'])}: {escape(p['fit']['error'])}</li>"
        for p in summary["partitions"]
        if p.get("fit") and "error" in p["fit"]
    ]
    if notes:
        table += (
            '<p class="explain">Fits not run:</p><ul class="explain">'
            + "".join(notes)
            + "</ul>"
        )
    return table


_STUDY_HEADERS = {
    "partition": "candidate",
    "n_bins": "bins",
    "fip": "FIP",
    "fip_error": "FIP error",
    "mse_partition": "MSE of bin means",
    "brier": "Brier",
    "resolution": "resolution",
    "roc_auc": "ROC AUC",
    "accuracy": "accuracy",
    "error": "fit error",
}


def _study_section(study: Mapping[str, Any] | None) -> str:
    if not study or not study.get("rows"):
        return ""
    columns = list(study["columns"])
    headers = [_STUDY_HEADERS.get(column, column) for column in columns]
    rows = [
        [_format(row.get(column), 3) for column in columns] for row in study["rows"]
    ]
    p_values = study.get("p_values") or {}
    correlation_rows = [
        [name, _format(value, 3), _format(p_values.get(name), 2)]
        for name, value in study["correlations"].items()
    ]
    return (
        "<h2>Metrics study</h2>"
        '<p class="explain">Candidate partitions, from useless to the best the '
        "observables allow, trained and binned on one half of a share of the "
        "train events and measured on the other half. The fit error is the "
        f"{escape(study['error_source'])}. A metric that predicts a fit's "
        "precision ranks the candidates as the fit error does: its Spearman "
        "correlation with the error is close to -1 (larger is better) or +1 "
        "(smaller is better).</p>"
        + _table(headers, rows)
        + '<div class="columns">'
        + _table(["metric", "Spearman correlation", "p-value"], correlation_rows)
        + "<div></div></div>"
    )


def _figure(record: FigureRecord) -> str:
    return (
        "<figure>"
        f'<img src="{record.data_uri()}" alt="{escape(record.title)}">'
        f"<figcaption><b>{escape(record.title)}</b>{escape(record.caption)}"
        "</figcaption></figure>"
    )


def _provenance(summary: Mapping[str, Any]) -> str:
    provenance = summary["provenance"]
    versions = provenance["versions"]
    seeds = provenance["seeds"]
    parts = [
        '<div class="columns">',
        _table(["software", "version"], [[k, str(v)] for k, v in versions.items()]),
        _table(
            ["random step", "seed"],
            [["root (config 'seed')", str(provenance["root_seed"])]]
            + [[k, str(v)] for k, v in seeds.items()],
        ),
        "</div>",
    ]
    rows = []
    for item in provenance["inputs"]:
        if item["kind"] == "generated":
            origin = (
                f"toy model '{item['model']}', {item['n_signal']} signal events, "
                f"seed {item['seed']}"
            )
        else:
            origin = str(item["path"])
        rows.append([item["role"], origin, str(item["rows"]), item["sha256"]])
    parts.append(_table(["input", "origin", "rows", "sha256"], rows))
    generated = [i for i in provenance["inputs"] if i["kind"] == "generated"]
    for item in generated:
        parts.append(
            "<details><summary>generator settings</summary>"
            f"<pre>{escape(json.dumps(item['settings'], indent=2))}</pre></details>"
        )
    parts.append(
        "<details><summary>run settings (the validated configuration)</summary>"
        f"<pre>{escape(json.dumps(summary['config'], indent=2))}</pre></details>"
    )
    return f'<div class="provenance">{"".join(parts)}</div>'


def _information_section(details: Mapping[str, Any] | None) -> str:
    """Show the information on every parameter (the zmumu example's ``zmumu``)."""
    if not details:
        return ""
    names = list(details["parameters"])

    def matrix(values: Sequence[Sequence[Any]]) -> str:
        return "; ".join(", ".join(_format(v, 4) for v in row) for row in values)

    rows = [
        [
            p["name"],
            p["events"],
            str(p["n_bins"]),
            *[_plus_minus(p["fip"][n], p["fip_error"][n], 4) for n in names],
            matrix(p["information"]),
            _format(len(p["nonpositive_bins"])),
        ]
        for p in details["partitions"]
    ]
    return (
        "<h2>Information on every parameter</h2>"
        f'<p class="explain">FIP of each of {escape(", ".join(names))} with the '
        "other free, on the test events, and the information matrix I(P) per "
        "unit luminosity (rows and columns in that order). I<sub>ideal</sub> = "
        f"{escape(matrix(details['ideal_information']))}.</p>"
        + _table(
            [
                "partition",
                "events",
                "bins",
                *[f"FIP {n}" for n in names],
                "I(P)",
                "bins with W ≤ 0",
            ],
            rows,
        )
    )


def _wall_time(summary: Mapping[str, Any]) -> str:
    seconds = summary["provenance"].get("wall_time_seconds")
    if not isinstance(seconds, int | float):
        return ""
    return f" The run took {seconds:.0f} s of wall time."


def render_page(summary: Mapping[str, Any], figures: Sequence[FigureRecord]) -> str:
    """Render the report page from the summary and the figures.

    Parameters
    ----------
    summary : mapping
        The content of ``summary.json``.
    figures : sequence of FigureRecord
        Figures in display order; each is embedded as a data URI.
    """
    events = summary["events"]
    title = escape(summary["title"])
    split_note = (
        f"{events['total']} events: {events['train']} train the regressor and the "
        f"classifier and place the optimal bin edges; {events['test']} (test) "
        "give every FIP, information and expected error unless marked train"
    )
    measured_note = ""
    if has_pseudoexperiments(summary):
        split_note += (
            f"; {events['pseudo_data']} (pseudo-data) are the source of the "
            "pseudo-experiments that the fits measure the error on"
        )
        measured_note = (
            " The measured error is the spread of the values fitted to "
            "pseudo-experiments."
        )
    split_note += "."
    figure_html = "".join(_figure(record) for record in figures)
    study_html = _study_section(summary.get("metrics_study"))
    data_html = _data_fit_section(summary.get("data_fit") or [])
    data_html += _information_section(summary.get("zmumu"))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>fipfit {escape(summary["fipfit_version"])} · parameter
<b>{escape(str(summary["parameter"]))}</b> · observables
{escape(", ".join(summary["features"]))} · created {escape(summary["created"])}</p>
</header>
<main>
{_headline(summary)}
<h2>Partitions</h2>
<p class="explain">FIP = I(P) / I<sub>ideal</sub> is the fraction of the
information on {escape(str(summary["parameter"]))} that a binned fit in the
partition keeps. The expected error is 1/√(I(P)·L) at luminosity
L = {_format(summary["luminosity"])}.{measured_note} {escape(split_note)}</p>
{_partition_table(summary)}
{data_html}
<h2>Figures</h2>
<div class="figures">{figure_html}</div>
{study_html}
<h2>Provenance</h2>
{_provenance(summary)}
<footer>Every number on this page is in summary.json beside it.
{_wall_time(summary)}</footer>
</main>
</body>
</html>
"""
