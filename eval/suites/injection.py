"""The `injection` suite: the prompt-injection rail on held-out jailbreaks, benign prompts and French rows.

Same measurements as `toxicity` (see `socle.eval.suites.toxicity.ClassifierSuite`), plus recall on
`eval/datasets/injection/ood.jsonl` (Giskard's collection, a source kept out of training), recall and
false-positive rate on `indirect.jsonl`, and the false-positive rates on two sets of benign texts the
rail must let through, held out from training: `benign_long.jsonl` (`benign_long.fpr`: ChatGPT
answers, HotpotQA passages, role prompts, LLM-judge and RAG prompts such as HaluEval's judge prompt)
and `benign_chat.jsonl` (`benign_chat.fpr`: short chat turns such as greetings, introductions and
jokes, in wordings never trained on, and user requests). `authored.` (and `authored_en.`,
`authored_fr.`) score hand-written attack and benign families never trained on (`test_authored.jsonl`);
`documents.` (and per language) score the policy's retrieval-stage `hidden_instructions` rail on
documents with and without an instruction hidden in them (`documents_test.jsonl`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from socle.eval.base import Progress, SuiteOptions, SuiteResult
from socle.eval.suites.toxicity import DATASETS, ClassifierSuite, load_by_language, load_labelled, score_rows

BENIGN = {name: DATASETS / "injection" / f"{name}.jsonl" for name in ("benign_long", "benign_chat")}
DOCUMENTS = DATASETS / "injection" / "documents_test.jsonl"


@dataclass(frozen=True, slots=True)
class InjectionSuite:
    """`ClassifierSuite` for `injection`, plus `benign_long.fpr` and `benign_chat.fpr` (built-in data)."""

    options: SuiteOptions

    async def run(self, progress: Progress) -> SuiteResult:
        result = await ClassifierSuite(self.options, "injection").run(progress)
        if self.options.data is not None:
            return result
        extra = await self._benign(progress) | await self._documents(progress)
        return dataclasses.replace(result, metrics={**result.metrics, **extra})

    async def _documents(self, progress: Progress) -> dict[str, float]:
        """The retrieval stage's `hidden_instructions` rail on `documents_test.jsonl` (`documents.`)."""
        from socle.guardrails.policy import load_policy
        from socle.guardrails.registry import SharedResources, build_rail

        policy = load_policy(self.options.settings.guardrails.policy)
        spec = next((s for s in policy.rails_for("retrieval") if s.rail == "hidden_instructions"), None)
        if spec is None:
            return {}
        rail = build_rail(spec, SharedResources(policy.engine))
        by_language = load_by_language(DOCUMENTS)
        rows = [r for members in by_language.values() for r in members]
        progress.start("injection: documents with hidden instructions", len(rows))
        metrics = await score_rows(rail, rows, "documents", "retrieval")
        for lang, members in sorted(by_language.items()):
            metrics |= await score_rows(rail, members, f"documents_{lang}", "retrieval")
        progress.advance(len(rows))
        return metrics

    async def _benign(self, progress: Progress) -> dict[str, float]:
        """The share of each benign set's texts the policy's input `injection` rail does not allow."""
        from socle.guardrails.base import RailContext
        from socle.guardrails.policy import load_policy
        from socle.guardrails.registry import SharedResources, build_rail

        policy = load_policy(self.options.settings.guardrails.policy)
        spec = next(s for s in policy.rails_for("input") if s.rail == "injection")
        rail = build_rail(spec, SharedResources(policy.engine))
        context = RailContext("input")
        metrics: dict[str, float] = {}
        for name, path in BENIGN.items():
            rows = load_labelled(path)
            progress.start(f"injection: {name.replace('_', ' ')} texts", len(rows))
            flagged = 0
            for text, _ in rows:
                flagged += (await rail.check(text, context=context)).action != "allow"
                progress.advance()
            metrics |= {f"{name}.fpr": flagged / len(rows), f"{name}.records": float(len(rows))}
        return metrics


def injection_suite(options: SuiteOptions) -> InjectionSuite:
    """The `injection` rail of the policy on `eval/datasets/injection/test.jsonl` (or `--data`)."""
    return InjectionSuite(options)
