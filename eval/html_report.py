"""`report.html`: one self-contained page per run (plots as inline PNGs), optionally beside a second run.

matplotlib is imported here only, when a report is drawn; without it the page says so and keeps
everything else. With `compared`, metrics get a second column and a difference, and each plot
overlays the compared run's series (dashed lines, hatched bars) under the same title.
"""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from socle.eval.base import Plot, Series
from socle.eval.results import RunResult, jsonable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MAX_CASES = 200
STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.pass{color:#17702b}.fail{color:#b00020;font-weight:600}
.badge{padding:.2rem .6rem;border-radius:.3rem;color:#fff}
.b-pass{background:#17702b}.b-fail{background:#b00020}
.b-none{background:#777}img{max-width:100%}
pre{background:#f6f6f6;padding:1rem;overflow:auto;max-height:30rem}
"""


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _rows(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _td(text: object, *, numeric: bool = False, css: str = "") -> str:
    classes = " ".join(c for c in ("n" if numeric else "", css) if c)
    return f"<td class='{classes}'>{escape(str(text))}</td>" if classes else f"<td>{escape(str(text))}</td>"


def _badge(run: RunResult) -> str:
    label, css = {
        True: ("gate passed", "b-pass"),
        False: ("gate FAILED", "b-fail"),
        None: ("not gated", "b-none"),
    }[run.passed]
    return f"<span class='badge {css}'>{label}</span>"


def _info(run: RunResult, compared: RunResult | None) -> str:
    fields = ("run_id", "suite", "started_at", "finished_at", "who", "git_revision", "config_hash", "target")
    runs = [run] if compared is None else [run, compared]
    rows = [[_td(f)] + [_td(getattr(r.info, f)) for r in runs] for f in fields]
    rows.append([_td("options")] + [_td(json.dumps(dict(r.info.options))) for r in runs])
    rows.append([_td("dataset")] + [_td(r.result.dataset) for r in runs])
    return _rows(rows, ["", "this run"] + ([] if compared is None else ["compared run"]))


def _gate(run: RunResult) -> str:
    if run.gate is None:
        return "<p>No gate was applied (<code>--gate FILE</code>).</p>"
    rows = []
    for c in run.gate.checks:
        bound = " ".join(
            part
            for part in (
                f"≥ {c.bound.minimum:g}" if c.bound.minimum is not None else "",
                f"≤ {c.bound.maximum:g}" if c.bound.maximum is not None else "",
            )
            if part
        )
        if c.bound.baseline is not None:
            bound += f" (baseline {c.bound.baseline:.4g})"
        verdict = _td("pass", css="pass") if c.passed else _td(c.failure, css="fail")
        rows.append([_td(c.bound.metric), _td(_number(c.value), numeric=True), _td(bound), verdict])
    table = _rows(rows, ["metric", "value", "bound", "result"])
    base = run.gate.baseline
    if base is None:
        return table
    return (
        table + f"<p>Baseline: {escape(base.source)} (run {escape(base.run_id)}, {escape(base.dataset)}).</p>"
    )


def _beside(a: float | None, b: float | None) -> list[str]:
    """Cells for another run's value of a metric and this run's difference from it."""
    delta = "—" if a is None or b is None else f"{a - b:+.4g}"
    return [_td(_number(b), numeric=True), _td(delta, numeric=True)]


def _metrics(run: RunResult, compared: RunResult | None) -> str:
    mine, theirs = run.result.metrics, compared.result.metrics if compared else {}
    baseline = run.gate.baseline.metrics if run.gate and run.gate.baseline else None
    names = list(dict.fromkeys([*mine, *theirs]))
    rows = []
    for name in names:
        row = [_td(name), _td(_number(mine.get(name)), numeric=True)]
        if compared is not None:
            row += _beside(mine.get(name), theirs.get(name))
        if baseline is not None:
            row += _beside(mine.get(name), baseline.get(name))
        rows.append(row)
    header = ["metric", "this run"] + ([] if compared is None else ["compared run", "difference"])
    header += [] if baseline is None else ["baseline", "Δ baseline"]
    missing = "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in run.result.not_measured.items())
    return _rows(rows, header) + (f"<p>Not measured:</p><ul>{missing}</ul>" if missing else "")


def _layers(plot: Plot, compared: Plot | None) -> list[tuple[Series, str, bool]]:
    """Each series with its colour (one per series name, shared by both runs) and whether it is compared."""
    names = list(dict.fromkeys(s.name for s in (*plot.series, *(compared.series if compared else ()))))
    mine = [(s, f"C{names.index(s.name) % 10}", False) for s in plot.series]
    return mine + [(s, f"C{names.index(s.name) % 10}", True) for s in (compared.series if compared else ())]


def _draw(plot: Plot, compared: Plot | None) -> str:
    from matplotlib.figure import Figure  # only the report needs matplotlib

    figure = Figure(figsize=(8, 4), dpi=100)
    axes = figure.add_subplot()
    layers = _layers(plot, compared)
    if plot.kind == "line":
        for s, colour, dashed in layers:
            label = f"{s.name} (compared)" if dashed else s.name
            axes.plot(s.x, s.y, "--" if dashed else "-", color=colour, marker="o", markersize=3, label=label)
    else:
        _bars(axes, layers)
    axes.set_title(plot.title)
    axes.set_xlabel(plot.x_label)
    axes.set_ylabel(plot.y_label)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _bars(axes: Axes, layers: Sequence[tuple[Series, str, bool]]) -> None:
    categories = list(dict.fromkeys(str(x) for s, _, _ in layers for x in s.x))
    width = 0.8 / len(layers)
    for i, (s, colour, hatched) in enumerate(layers):
        values = dict(zip(map(str, s.x), s.y, strict=True))
        xs = [c + (i - (len(layers) - 1) / 2) * width for c in range(len(categories))]
        ys = [values.get(c, math.nan) for c in categories]  # a missing bar, not a zero
        label = f"{s.name} (compared)" if hatched else s.name
        axes.bar(xs, ys, width, color=colour, label=label, hatch="//" if hatched else None, edgecolor="white")
    axes.set_xticks(range(len(categories)), categories, rotation=30, ha="right", fontsize="small")


def _plots(run: RunResult, compared: RunResult | None) -> str:
    if not run.result.plots:
        return ""
    try:
        import matplotlib  # noqa: F401 - probe only
    except ImportError:
        return "<p>Plots need matplotlib (<code>pip install matplotlib==3.11.2</code>).</p>"
    theirs = {p.title: p for p in compared.result.plots} if compared else {}
    images = (_draw(p, theirs.get(p.title)) for p in run.result.plots)
    return "".join(
        f"<p><img alt='{escape(p.title)}' src='data:image/png;base64,{png}'></p>"
        for p, png in zip(run.result.plots, images, strict=True)
    )


def _cases(run: RunResult) -> str:
    cases = sorted(run.result.cases, key=lambda c: c.error is None)[:MAX_CASES]
    if not cases:
        return ""
    rows = [
        [
            _td(c.name),
            _td(c.error or "", css="fail" if c.error else ""),
            _td(", ".join(f"{k}={v:.3g}" for k, v in c.scores.items())),
            _td(f"{c.duration_s * 1000:.1f}", numeric=True),
            _td(c.output),
        ]
        for c in cases
    ]
    note = (
        f" (first {MAX_CASES} of {len(run.result.cases)}, errors first)"
        if len(run.result.cases) > MAX_CASES
        else ""
    )
    return f"<h2>Cases{note}</h2>" + _rows(rows, ["case", "error", "scores", "ms", "output"])


def render(run: RunResult, compared: RunResult | None = None) -> str:
    """The whole page; `compared` puts a second run beside this one (A/B)."""
    title = f"Socle evaluation: {run.info.suite}"
    if compared is not None:
        title += f" (compared with run {compared.info.run_id})"
    versions = _rows(
        [[_td(k), _td(v)] for k, v in run.info.model_versions.items()], ["model or package", "version"]
    )
    details = escape(json.dumps(jsonable(run.result.details), indent=1)[:200_000])
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{escape(title)} {_badge(run)}</h1>"
        f"{_info(run, compared)}<h2>Gate</h2>{_gate(run)}<h2>Metrics</h2>{_metrics(run, compared)}"
        f"<h2>Plots</h2>{_plots(run, compared)}<h2>Models and versions</h2>{versions}"
        f"{_cases(run)}<h2>Details</h2><details><summary>suite details (JSON)</summary><pre>{details}</pre>"
        "</details></body></html>\n"
    )
