"""`report-test`: a trained artifact on its task's test-side files, once per release.

Scores every test-side file of the task (`train.TASK_DATA`) with the exported artifact through the
runtime scorer, at the artifact's recommended thresholds (`thresholds["policy"]`, and
`thresholds["policy_<lang>"]` for texts guessed in that language, all set on dev), overall and per
language, and stores the numbers in the artifact under `metrics.test` for the model card.
Run it after the last `train` of a release, not while choosing options: a number read here and then
acted on is no longer a test number.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from socle.eval.classifiers.sources import language
from socle.guardrails.text_classifier import TextClassifier

from training.classifiers.train import TASK_DATA, evaluate, load_rows


def report_test(task: str, datasets: Path, artifacts: Path) -> dict[str, Any]:
    """Test metrics of `artifacts/<task>.json` per test file (and per language), written into it."""
    path = artifacts / f"{task}.json"
    artifact = json.loads(path.read_text(encoding="utf-8"))
    classifier = TextClassifier.from_dict(artifact, origin=str(path))
    threshold = float(artifact["thresholds"]["policy"])
    per_language = {
        k.removeprefix("policy_"): float(v)
        for k, v in artifact["thresholds"].items()
        if k.startswith("policy_")
    }
    data = TASK_DATA[task]
    results: dict[str, Any] = {"threshold": threshold, "thresholds": per_language}
    for stem in data.test:
        file = datasets / data.folder / f"{stem}.jsonl"
        if not file.exists():
            continue
        rows = load_rows(file)
        results[stem] = evaluate(classifier, rows, threshold, per_language)
        by_language: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_language.setdefault(language(row), []).append(row)
        if len(by_language) > 1:
            for lang, members in sorted(by_language.items()):
                results[f"{stem}.{lang}"] = evaluate(classifier, members, threshold, per_language)
    artifact.setdefault("metrics", {})["test"] = results
    path.write_text(json.dumps(artifact, ensure_ascii=False, separators=(",", ":")), "utf-8")
    return results
