"""The `toxicity` suite (and `ClassifierSuite`, shared with `injection`): a classifier rail on labelled texts.

The rail under test is the policy's `<task>` rail on the default tenant's `input` stage (its
threshold), scored with the packaged artifact as the server scores it. Built-in data: the test-side
`test.jsonl` of `eval/datasets/<task>/` (split by group, never used for training or tuning); `--data`
takes JSONL rows `{"text", "label": 0|1}` instead. Metrics: accuracy, precision, recall, F1 and
false-positive rate at the policy threshold, ROC AUC, recall at 1 % false positives, latency per text
(p50/p95), and, for `injection`, recall on the out-of-distribution set (`ood.jsonl`, a second source)
and recall and false-positive rate on long chunks with a hidden attack (`indirect.jsonl`, retrieval
stage). The same binary metrics on the further test files of `EXTRA_SPLITS`, prefixed: for
`toxicity`, `fr.` (MLMA's French tweets), `en_authored.` and `fr_authored.` (hand-written families
and rows never trained on); for `injection`, `authored.` (and `authored_en.`, `authored_fr.`); for
both, `probe.` (`probe_en.`, `probe_fr.`): the held-out workplace probe written before training
(`probe.jsonl`), each scored whole (no `limit`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from socle.eval.base import CaseResult, Plot, Progress, Series, SuiteOptions, SuiteResult
from socle.eval.classifiers.metrics import decision_report
from socle.eval.errors import EvalError
from socle.eval.jsonl import read_rows
from socle.eval.pii_scoring import latency_summary
from socle.eval.schemas import LabelledText

if TYPE_CHECKING:
    from socle.guardrails.base import Guardrail, Stage

DATASETS = Path(__file__).resolve().parent.parent / "datasets"
EXTRA_SPLITS = {
    "toxicity": {
        "test_fr": "fr",
        "test_authored": "en_authored",
        "test_fr_authored": "fr_authored",
        "probe": "probe",
    },
    "injection": {"test_authored": "authored", "probe": "probe"},
}
"""Task -> further labelled test files of its folder (when present) -> the prefix of their metrics.
A file holding both languages is also scored per language (`<prefix>_en.`, `<prefix>_fr.`)."""


def load_by_language(path: Path) -> dict[str, list[tuple[str, int]]]:
    """`(text, label)` rows of a `LabelledText` file, by language of their source (`en` / `fr`)."""
    from socle.eval.classifiers.sources import language

    out: dict[str, list[tuple[str, int]]] = {}
    for _, row in read_rows(path, LabelledText):
        out.setdefault(language({"source": row.source or ""}), []).append((row.text, int(row.label)))
    return out


def load_labelled(path: Path, limit: int | None = None) -> list[tuple[str, int]]:
    """`(text, label)` rows of a `LabelledText` JSONL file, at most `limit`.

    Raises:
        DatasetError: the file is missing or empty, or rows do not follow the schema.
    """
    return [(row.text, int(row.label)) for _, row in read_rows(path, LabelledText)][:limit]


def roc_plot(labels: list[int], scores: list[float], points: int = 50) -> Plot:
    """The ROC curve (recall against false-positive rate), at most `points` thresholds."""
    positives = sum(labels) or 1
    negatives = (len(labels) - sum(labels)) or 1
    ranked = sorted(set(scores), reverse=True)
    step = max(1, len(ranked) // points)
    fpr, tpr = [0.0], [0.0]
    for threshold in [*ranked[::step], -1.0]:
        fpr.append(
            sum(1 for s, y in zip(scores, labels, strict=True) if not y and s >= threshold) / negatives
        )
        tpr.append(sum(1 for s, y in zip(scores, labels, strict=True) if y and s >= threshold) / positives)
    return Plot(
        "ROC curve",
        "line",
        (Series("rail", tuple(fpr), tuple(tpr)),),
        x_label="false-positive rate",
        y_label="recall",
    )


@dataclass(frozen=True, slots=True)
class ClassifierSuite:
    """The policy's `task` rail on `eval/datasets/<task>/test.jsonl` (or `options.data`)."""

    options: SuiteOptions
    task: str = "toxicity"

    @classmethod
    def toxicity(cls, options: SuiteOptions) -> ClassifierSuite:
        """The `toxicity` rail on Davidson et al. tweets, benign prompts and French rows (and French sets)."""
        return cls(options, "toxicity")

    def rows(self) -> tuple[list[tuple[str, int]], str]:
        """The labelled texts and a description of where they come from."""
        if self.options.data is not None:
            return load_labelled(self.options.data, self.options.limit), str(self.options.data)
        path = DATASETS / self.task / "test.jsonl"
        return load_labelled(path, self.options.limit), f"eval/datasets/{self.task}/test.jsonl"

    async def run(self, progress: Progress) -> SuiteResult:
        from socle.guardrails.base import RailContext
        from socle.guardrails.policy import load_policy
        from socle.guardrails.registry import SharedResources, build_rail

        policy = load_policy(self.options.settings.guardrails.policy)
        spec = next((s for s in policy.rails_for("input") if s.rail == self.task), None)
        if spec is None:
            raise EvalError(
                f"policy {str(self.options.settings.guardrails.policy)!r} has no input {self.task} rail"
            )
        rail = build_rail(spec, SharedResources(policy.engine))
        rows, source = self.rows()
        progress.start(f"{self.task}: texts", len(rows))
        context = RailContext("input")
        scores, flags, latencies, cases = [], [], [], []
        for i, (text, label) in enumerate(rows):
            started = time.perf_counter()
            verdict = await rail.check(text, context=context)
            latencies.append((time.perf_counter() - started) * 1000)
            scores.append(verdict.score)
            flags.append(verdict.action != "allow")
            flagged = float(flags[-1])
            cases.append(
                CaseResult(
                    f"{self.task}-{i}",
                    {"score": verdict.score, "label": float(label), "correct": float(flagged == label)},
                    latencies[-1] / 1000,
                    output=verdict.reason,
                )
            )
            progress.advance()
        labels = [label for _, label in rows]
        if not 0 < sum(labels) < len(labels):
            raise EvalError(f"{source!r}: the {len(rows)} texts need both labels to be scored")
        metrics = decision_report(labels, scores, flags)
        latency = latency_summary(latencies)
        metrics |= {f"latency_ms.{k}": v for k, v in latency.items()} | {"records": float(len(rows))}
        metrics |= await self._ood(rail)
        metrics |= await self._extra_splits(rail)
        return SuiteResult(
            self.task,
            metrics,
            cases=tuple(cases),
            details={"threshold": spec.threshold, "thresholds": dict(spec.thresholds), "action": spec.action},
            plots=(roc_plot(labels, scores),),
            dataset=f"{source} ({len(rows)} texts)",
        )

    async def _ood(self, rail: Guardrail) -> dict[str, float]:
        """Recall on `ood.jsonl` and recall / FPR on `indirect.jsonl`, when the task has them."""
        from socle.guardrails.base import RailContext

        if self.options.data is not None:
            return {}
        context = RailContext("retrieval")
        metrics: dict[str, float] = {}
        for split in ("ood", "indirect"):
            path = DATASETS / self.task / f"{split}.jsonl"
            if not path.exists():
                continue
            rows = load_labelled(path)
            hits = [
                ((await rail.check(text, context=context)).action != "allow", label) for text, label in rows
            ]
            positives = [hit for hit, label in hits if label == 1]
            negatives = [hit for hit, label in hits if label == 0]
            metrics |= {
                f"{split}.recall": sum(positives) / len(positives),
                f"{split}.records": float(len(rows)),
            }
            if negatives:
                metrics[f"{split}.fpr"] = sum(negatives) / len(negatives)
        return metrics

    async def _extra_splits(self, rail: Guardrail) -> dict[str, float]:
        """`decision_report` on each `EXTRA_SPLITS` file of the task, its keys prefixed (input stage)."""
        if self.options.data is not None:
            return {}
        metrics: dict[str, float] = {}
        for split, prefix in EXTRA_SPLITS.get(self.task, {}).items():
            path = DATASETS / self.task / f"{split}.jsonl"
            if not path.exists():
                continue
            by_language = load_by_language(path)
            parts = {prefix: [r for rows in by_language.values() for r in rows]}
            if len(by_language) > 1:
                parts |= {f"{prefix}_{lang}": rows for lang, rows in sorted(by_language.items())}
            for name, rows in parts.items():
                metrics |= await score_rows(rail, rows, name, "input")
        return metrics


async def score_rows(
    rail: Guardrail, rows: list[tuple[str, int]], prefix: str, stage: Stage
) -> dict[str, float]:
    """`decision_report` of `rail`'s verdicts on `(text, label)` rows at `stage`, keys `<prefix>.`.

    Each text is held to its language's threshold, as the server holds it.
    """
    from socle.guardrails.base import RailContext

    context = RailContext(stage)
    verdicts = [await rail.check(text, context=context) for text, _ in rows]
    flagged = [v.action != "allow" for v in verdicts]
    report = decision_report([label for _, label in rows], [v.score for v in verdicts], flagged)
    return {f"{prefix}.{k}": v for k, v in report.items()} | {f"{prefix}.records": float(len(rows))}
