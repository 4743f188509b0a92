"""The `routing` suite: the learned router's RouteLLM metrics, cross-validated (`eval/routing/evaluate.py`).

It runs that script's protocol unchanged (5-fold CV repeated 5 times, a bootstrap interval for APGR,
a random router for reference) on RouteLLM's public outcomes; `--limit N` keeps the first N items of
each benchmark (a fast smoke run, far noisier). Metrics per benchmark (`mt_bench`, `gsm8k`, `mmlu`,
and `mt_bench_cross_domain`: MT-Bench scored by models that never saw it): APGR, CPT(50%), CPT(80%)
and the calls and dollars saved at 95% of the strong model's quality (means over repeats), plus the
random router's APGR. A figure the curve never reaches is reported as not measured.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from socle.eval.base import Plot, Progress, Series, SuiteOptions, SuiteResult
from socle.eval.errors import SuiteUnavailableError
from socle.eval.runner import finite

FIGURES = ("apgr", "cpt50", "cpt80", "calls_saved_at_95", "dollars_saved_at_95")
PROTOCOL = {"folds": 5, "repeats": 5, "seed": 0, "bootstrap": 1000, "random_draws": 100}


def metrics_of(report: Mapping[str, Any]) -> dict[str, float]:
    """`<benchmark>.<figure>` (the mean over repeats) for the learned router, and the random APGR."""
    out = {
        f"{bench}.{figure}": float(stats[figure]["mean"])
        for bench, stats in report["learned"].items()
        for figure in FIGURES
    }
    out |= {f"{bench}.random_apgr": float(stats["apgr"]["mean"]) for bench, stats in report["random"].items()}
    return out


def pgr_plot(report: Mapping[str, Any]) -> Plot:
    """PGR against the share of strong-model calls: the learned router per benchmark, and random."""
    curves = report["curves_first_repeat"]
    series = [
        Series(bench, tuple(map(float, c["share"])), tuple(map(float, c["pgr"])))
        for bench, c in curves.items()
    ]
    series.append(Series("random (expected)", (0.0, 1.0), (0.0, 1.0)))
    return Plot(
        "Performance gap recovered (first CV repeat)",
        "line",
        tuple(series),
        x_label="share of calls to the strong model",
        y_label="PGR",
    )


@dataclass(frozen=True, slots=True)
class RoutingSuite:
    """The learned router's cross-validated metrics; `protocol` overrides `PROTOCOL` entries."""

    options: SuiteOptions
    protocol: Mapping[str, int] | None = None

    @classmethod
    def from_options(cls, options: SuiteOptions) -> RoutingSuite:
        """The published protocol; refuses `--data` (the suite reads RouteLLM's outcomes only)."""
        if options.data is not None:
            raise SuiteUnavailableError(
                "the routing suite reads RouteLLM's outcomes only; --data is not supported"
            )
        return cls(options)

    async def run(self, progress: Progress) -> SuiteResult:
        try:
            from socle.eval.routing import evaluate  # numpy, scipy, scikit-learn: the dev extra
            from socle.eval.routing.fitting import FIT_ARGUMENTS, FitConfig
        except ImportError as e:
            raise SuiteUnavailableError(
                f"the routing suite needs numpy, scipy and scikit-learn (pip install 'socle[dev]'): {e}"
            ) from e
        config = FitConfig()
        args = argparse.Namespace(
            **(PROTOCOL | dict(self.protocol or {})),
            **{name: getattr(config, name) for name in FIT_ARGUMENTS},
            limit=self.options.limit,
        )
        progress.start(f"routing: {args.repeats} x {args.folds}-fold cross-validation")
        report: Mapping[str, Any] = evaluate.evaluate(args)
        metrics, not_measured = finite(
            metrics_of(report), "the PGR curve never reaches this point on this data"
        )
        return SuiteResult(
            "routing",
            metrics,
            not_measured=not_measured,
            details=report,
            plots=(pgr_plot(report),),
            versions={"scikit-learn": metadata.version("scikit-learn"), "features": _features_version()},
            dataset="RouteLLM outcomes: " + ", ".join(f"{b} {d['items']}" for b, d in report["data"].items()),
        )


def _features_version() -> str:
    from socle.router.features import VERSION

    return str(VERSION)
