"""The `pii` and `pii-fr` suites: the policy's PII rail on labelled texts, scored as `training.pii.evaluate`.

The rail under test is the `pii` rail of the default tenant's `input` stage in the configured policy
(`guardrails.policy`), built as the server builds it. Built-in data: the `test` half of
presidio-research's synthetic set (`pii`) or of Socle's French set (`pii-fr`); `--data` takes a JSONL
file of `PIIRecord`s instead (every row is scored). Metrics: precision, recall and F2 overall (the
targeted entity types, and all types) and per targeted type, from span counts summed over texts,
and the analysis latency per text.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from socle.eval.base import Case, CaseResult, Dataset, Plot, Progress, Series, SuiteOptions, SuiteResult
from socle.eval.errors import EvalError
from socle.eval.evaluators.span_match import SpanMatch
from socle.eval.jsonl import load_dataset
from socle.eval.pii_scoring import Item, PIIText, eval_type, latency_summary, load_records, report
from socle.eval.runner import run_cases
from socle.eval.schemas import PIIRecord

PIICase = Case[PIIText, tuple[Item, ...]]
QUALITY = ("precision", "recall", "f2")


def record_case(name: str, record: PIIRecord) -> PIICase:
    """A case from a JSONL row: the text in, its labelled spans expected."""
    gold = tuple(Item(s.start_position, s.end_position, eval_type(s.entity_type)) for s in record.spans)
    return Case(name, PIIText(record.full_text, record.language), gold, dict(record.metadata or {}))


def builtin_dataset(name: str, language: str, limit: int | None) -> Dataset[PIIText, tuple[Item, ...]]:
    """The `test` half of a built-in set (`synth` or `french`), at most `limit` texts."""
    cases = tuple(
        Case(
            f"{name}-{i}",
            PIIText(r["full_text"], language),
            tuple(
                Item(s["start_position"], s["end_position"], eval_type(s["entity_type"])) for s in r["spans"]
            ),
        )
        for i, r in enumerate(load_records(name, "test", limit))
    )
    return Dataset(name, cases, source=f"built-in {name!r}, test split")


def counters(results: tuple[CaseResult, ...]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """The `tp.<T>`, `fp.<T>`, `fn.<T>` case scores summed into three counters by type."""
    sums: dict[str, Counter[str]] = {"tp": Counter(), "fp": Counter(), "fn": Counter()}
    for result in results:
        for key, value in result.scores.items():
            kind, entity = key.split(".", 1)
            sums[kind][entity] += int(value)
    return sums["tp"], sums["fp"], sums["fn"]


def flatten(scored: Mapping[str, Any], latency: Mapping[str, float], records: int) -> dict[str, float]:
    """The gateable metrics of a PII report: overall and per targeted type, latency, record count."""
    metrics = {
        f"{group}.{q}": float(scored[group][q])
        for group in ("overall_targeted", "overall_all")
        for q in QUALITY
    }
    for entity, row in scored["per_entity"].items():
        if row["targeted"]:
            metrics |= {f"entity.{entity}.{q}": float(row[q]) for q in QUALITY}
    return metrics | {f"latency_ms.{k}": v for k, v in latency.items()} | {"records": float(records)}


def quality_plot(scored: Mapping[str, Any]) -> Plot:
    """Precision, recall and F2 of each targeted type that occurs in the data."""
    rows = {e: r for e, r in scored["per_entity"].items() if r["targeted"]}
    return Plot(
        "PII rail per entity type",
        "bar",
        tuple(Series(q, tuple(rows), tuple(float(r[q]) for r in rows.values())) for q in QUALITY),
        y_label="score",
    )


def _versions(models: Mapping[str, str]) -> dict[str, str]:
    """Installed versions of Presidio, spaCy and each pipeline (a bundled one: its `meta.json`'s)."""
    from socle.guardrails.pii import BUNDLED_PIPELINES  # loaded by the run already

    out = {}
    for package in ("presidio-analyzer", "spacy", *models.values()):
        if package in BUNDLED_PIPELINES:
            meta = json.loads((BUNDLED_PIPELINES[package] / "meta.json").read_text(encoding="utf-8"))
            out[package] = f"{meta['version']} (bundled with Socle)"
            continue
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


@dataclass(frozen=True, slots=True)
class PIISuite:
    """The PII rail on one built-in set (`builtin`, analyzed in `language`) or on `options.data`."""

    options: SuiteOptions
    name: str = "pii"
    builtin: str = "synth"
    language: str = "en"

    @classmethod
    def from_options(cls, options: SuiteOptions) -> PIISuite:
        """On presidio-research's synthetic set, in English."""
        return cls(options)

    @classmethod
    def french(cls, options: SuiteOptions) -> PIISuite:
        """On Socle's French set, in French."""
        return cls(options, name="pii-fr", builtin="french", language="fr")

    def dataset(self) -> Dataset[PIIText, tuple[Item, ...]]:
        """`--data` if given (JSONL), else the built-in set's test half; `limit` applied."""
        if self.options.data is not None:
            return load_dataset(self.options.data, PIIRecord, record_case).head(self.options.limit)
        return builtin_dataset(self.builtin, self.language, self.options.limit)

    async def run(self, progress: Progress) -> SuiteResult:
        from socle.guardrails.policy import load_policy  # presidio + spaCy behind it
        from socle.guardrails.registry import SharedResources

        policy = load_policy(self.options.settings.guardrails.policy)
        spec = next((s for s in policy.rails_for("input") if s.rail == "pii"), None)
        if spec is None:
            raise EvalError(f"policy {str(self.options.settings.guardrails.policy)!r} has no input pii rail")
        actions, threshold = spec.entity_actions(), spec.threshold
        dataset = self.dataset()
        engine = SharedResources(policy.engine).presidio()
        progress.start("loading the PII models")
        engine.load()
        latencies: list[float] = []

        async def analyze(inputs: PIIText) -> tuple[Item, ...]:
            # Called inline, not in a worker thread: the latency is the analysis alone, as in the script.
            started = time.perf_counter()
            found = engine.analyze(
                inputs.text, language=inputs.language, entities=actions, threshold=threshold
            )
            latencies.append((time.perf_counter() - started) * 1000)
            return tuple(Item(s.start, s.end, eval_type(s.entity)) for s in found)

        results = await run_cases(dataset, analyze, [SpanMatch()], progress, describe=_describe)
        scored = report(*counters(results), {eval_type(e) for e in actions})
        latency = latency_summary(latencies)
        return SuiteResult(
            self.name,
            flatten(scored, latency, len(results)),
            cases=results,
            details={**scored, "threshold": threshold, "latency_ms": latency},
            plots=(quality_plot(scored),),
            versions=_versions(policy.engine.models),
            dataset=f"{dataset.source} ({len(dataset.cases)} texts)",
        )


def _describe(items: tuple[Item, ...]) -> str:
    return ", ".join(f"{i.type}[{i.start}:{i.end}]" for i in items) or "(nothing found)"
