"""The model card (`groundedness.md`) written next to the artifact, from the artifact's own metrics."""

from __future__ import annotations

from collections.abc import Mapping

from socle.guardrails.groundedness import FEATURES

HEADLINE = ("balanced_accuracy", "precision", "recall", "f1", "fpr", "roc_auc")


def _row(name: str, report: Mapping[str, float]) -> str:
    return f"| {name} | " + " | ".join(f"{report[k]:.3f}" for k in HEADLINE) + " |"


def model_card(artifact: Mapping[str, object]) -> str:
    """Markdown describing the data, the method, the measured numbers and the limits."""
    metrics: dict[str, object] = dict(artifact["metrics"])  # type: ignore[call-overload]
    cv: dict[str, Mapping[str, float]] = dict(metrics["cv"])  # type: ignore[call-overload]
    held: Mapping[str, float] = metrics["held_out"]  # type: ignore[assignment]
    weights = ", ".join(
        f"`{n}` {w:+.2f}"
        for n, w in zip(FEATURES, artifact["coef"], strict=True)  # type: ignore[call-overload]
    )
    rows = [
        _row(
            f"{metrics['folds']}-fold CV, HaluEval pairs (threshold {artifact['threshold']})", cv["halueval"]
        )
    ]
    rows.append(_row("same, at threshold 0.5", cv["halueval_at_0.5"]))
    if "synthetic" in cv:
        rows.append(_row("same folds, synthetic (verbatim, shortened, perturbed)", cv["synthetic"]))
    rows.append(_row(f"held-out split ({metrics['held_out_records']} records, exported artifact)", held))
    synthetic = "used" if metrics["synthetic"] else "not used"
    return f"""# Groundedness detector (`groundedness.json`)

Scores each sentence claim of an answer against its sources; P(unsupported) >= `threshold`
({artifact["threshold"]}) marks the claim unsupported. Used by the `groundedness` rail, the
orchestrator's `groundedness` verifier and the `hallucination-detector` eval suite. Trained by
`python -m training.grounding.train` (scikit-learn; serving is pure Python).

## Data

HaluEval QA (RUCAIBox/HaluEval, MIT), `eval/datasets/hallucination/halueval_qa.jsonl`: 393 records of
HotpotQA knowledge, a question, a right answer (label 0) and a hallucinated answer (label 1). Every
fifth record (index % 5 == 4, {metrics["held_out_records"]} records) is held out and never trained on;
the other {metrics["train_records"]} train. Synthetic examples (training only, {synthetic}):
per training record one knowledge sentence copied verbatim (0), one with 1-3 lower-case words dropped
(0), and one (shortened half of the time) with a number changed, a name swapped for a name of another
record, or a negation inserted (1). The question is not used: the
rail and the verifier do not have it.

## Method

Features per claim, computed by the serving code: cosine (all-MiniLM-L6-v2, normalised) of the claim
to the best, and mean of the two best, of the 4 source sentences sharing the most content words with
it; coverage of its content-word
stems, and of its neighbouring stem pairs found together in a source sentence (or it and the one
before); log-counts of content stems, numbers and capitalised names the
sources lack; a negation the sources do not have. Standardised, then a logistic regression
(C={metrics["c"]}). An answer's score is its worst claim's. Cross-validation folds are grouped by
record, so a question's two answers never split. Weights (standardised): {weights}.

## Metrics

| evaluation | balanced acc. | precision | recall | F1 | FPR | ROC AUC |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Recall is of hallucinated answers. The threshold maximises the out-of-fold balanced accuracy over all
training answers, synthetic ones included (so the CV rows are slightly optimistic; the held-out row
is not).

## Limits

- HaluEval QA is easy for lexical features: right answers are short spans copied from the knowledge,
  hallucinated ones are longer sentences, often with a name the knowledge lacks. The numbers here
  overstate accuracy on real RAG answers (paraphrases, long supported sentences, subtle errors).
  The anchors on harder benchmarks: HHEM-2.1-open 71.8 % balanced accuracy on LLM-AggreFact,
  LettuceDetect-large 79 % F1 on RAGTruth; this detector was not measured there.
- The weights lean on lexical coverage (stem pairs and content words the sources lack); on this data
  the embedding similarities add little. A faithful paraphrase with new wording can be flagged.
- No entailment model: a claim that reuses the sources' words in a wrong relation ("A founded B"
  when B founded A) or a wrong inference can pass.
- English stop words and capitalisation; other languages rely on the embedding and number checks.
- Only the first 400 source sentences are indexed, and only the 4 sharing the most content words
  with a claim are compared by embedding: a claim supported in other words elsewhere can be missed.
"""
