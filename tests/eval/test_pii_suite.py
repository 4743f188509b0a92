"""The `pii` suite on hand-labelled texts, with the real rail (spaCy + Presidio: a few seconds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from socle.eval.base import SuiteOptions
from socle.eval.fake import RecordingProgress
from socle.eval.suites.pii import PIISuite

from socle.settings import Settings

pytestmark = [pytest.mark.anyio, pytest.mark.eval_heavy]


async def test_pii_suite_scores_spans_by_type(settings: Settings, tmp_path: Path) -> None:
    rows = [
        # Found: an e-mail address (a regex recognizer, certain).
        {"full_text": "Write to jane.doe@example.com today.",
         "spans": [{"entity_type": "EMAIL_ADDRESS", "start_position": 9, "end_position": 29}]},
        # Missed: a credit-card label on a number that fails the Luhn check.
        {"full_text": "Card number 1234 5678 9012 3456 expired.",
         "spans": [{"entity_type": "CREDIT_CARD", "start_position": 12, "end_position": 31}]},
        # Nothing to find.
        {"full_text": "The weather is mild.", "spans": []},
    ]  # fmt: skip
    data = tmp_path / "pii.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = await PIISuite.from_options(SuiteOptions(settings, data=data)).run(RecordingProgress())
    m = result.metrics
    assert (m["entity.EMAIL_ADDRESS.recall"], m["entity.CREDIT_CARD.recall"]) == (1.0, 0.0)
    # tp 1, fp 0, fn 1: precision 1, recall 1/2, F2 = 5 * 1 * 0.5 / (4 * 1 + 0.5) = 5/9.
    assert (m["overall_targeted.precision"], m["overall_targeted.recall"]) == (1.0, 0.5)
    assert m["overall_targeted.f2"] == pytest.approx(5 / 9)
    assert m["records"] == 3 and m["latency_ms.p50"] > 0
    assert [c.scores for c in result.cases] == [{"tp.EMAIL_ADDRESS": 1.0}, {"fn.CREDIT_CARD": 1.0}, {}]
    assert "presidio-analyzer" in result.versions


def test_model_versions_name_the_bundled_english_ner_and_installed_packages() -> None:
    from importlib import metadata

    from socle.eval.suites.pii import _versions

    versions = _versions({"en": "socle_pii_ner_en", "fr": "fr_core_news_sm", "xx": "no_such_pipeline"})
    assert versions["socle_pii_ner_en"] == "0.1.0 (bundled with Socle)"
    assert versions["spacy"] == metadata.version("spacy")
    assert versions["no_such_pipeline"] == "not installed"
