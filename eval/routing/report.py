"""The markdown table of an `evaluate.py` report (also pasted into docs/routing.md)."""

from __future__ import annotations

import math
from collections.abc import Mapping

NAMES = {
    "mt_bench": "MT-Bench",
    "gsm8k": "GSM8K",
    "mmlu": "MMLU",
    "mt_bench_cross_domain": "MT-Bench, cross-domain",
}
COLUMNS = ("apgr", "cpt50", "cpt80", "calls_saved_at_95", "dollars_saved_at_95")
HEADER = (
    "| benchmark | router | APGR | CPT(50%) | CPT(80%) | saved at 95% quality: calls | dollars |\n"
    "|---|---|---|---|---|---|---|\n"
)


def _cell(stats: Mapping[str, float], key: str) -> str:
    mean, std, reached = stats["mean"], stats["std"], stats["reached"]
    if math.isnan(mean):
        return "not reached"
    text = f"{mean:.3f} ± {std:.3f}" if key == "apgr" else f"{100 * mean:.1f}% ± {100 * std:.1f}"
    return text if reached == 1.0 else f"{text} (reached in {100 * reached:.0f}% of runs)"


def _row(
    bench: str, router: str, stats: Mapping[str, Mapping[str, float]], interval: list[float] | None
) -> str:
    cells = [_cell(stats[key], key) for key in COLUMNS]
    if interval is not None:
        cells[0] += f" [{interval[0]:.2f}, {interval[1]:.2f}]"
    return f"| {NAMES.get(bench, bench)} | {router} | " + " | ".join(cells) + " |\n"


def markdown(report: Mapping[str, object]) -> str:
    """One row per benchmark and router: mean ± sd over CV repeats; [bootstrap 95% interval] for APGR."""
    learned: Mapping[str, Mapping[str, Mapping[str, float]]] = report["learned"]  # type: ignore[assignment]
    random: Mapping[str, Mapping[str, Mapping[str, float]]] = report["random"]  # type: ignore[assignment]
    intervals: Mapping[str, list[float]] = report["apgr_bootstrap_95"]  # type: ignore[assignment]
    published: Mapping[str, Mapping[str, float]] = report["published"]  # type: ignore[assignment]
    lines = [HEADER]
    for bench in ("mt_bench", "mt_bench_cross_domain", "gsm8k", "mmlu"):
        lines.append(_row(bench, "learned (CV)", learned[bench], intervals.get(bench)))
        if bench in random:
            lines.append(_row(bench, "random", random[bench], None))
        if bench in published:
            ref = published[bench]
            lines.append(
                f"| {NAMES[bench]} | RouteLLM best (paper) | {ref['apgr']:.3f} | {100 * ref['cpt50']:.1f}% "
                "| n/a | n/a | n/a |\n"
            )
    return "".join(lines)
