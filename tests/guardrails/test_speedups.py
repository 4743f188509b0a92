"""The PII rail's speed-ups inside thinc and Presidio turn off, not break, when a dependency moves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from socle.guardrails._speedups import (
    ARTIFACT_HOOK,
    CAPSULES,
    ENHANCER,
    NONE,
    VERIFIED,
    decide,
    detected,
    installed_versions,
    probe_internals,
)

DATA = Path(__file__).resolve().parents[2] / "eval/datasets/pii"
_VERIFIED = {"spacy": "3.8.7", "thinc": "8.3.11", "presidio-analyzer": "2.2.366"}
_FOUND = {CAPSULES: True, ARTIFACT_HOOK: True, ENHANCER: True}


def test_verified_versions_with_their_internals_turn_every_speedup_on() -> None:
    speedups = decide(_VERIFIED, _FOUND)
    assert (speedups.matmul_ops, speedups.fast_cblas, speedups.column_artifacts, speedups.shallow_copy) == (
        True,
        True,
        True,
        True,
    )
    assert speedups.off_because == ()


def test_a_new_thinc_turns_off_the_thinc_speedups_only_and_says_why() -> None:
    speedups = decide({**_VERIFIED, "thinc": "9.0.0"}, _FOUND)
    assert not speedups.matmul_ops and not speedups.fast_cblas
    assert speedups.column_artifacts and speedups.shallow_copy
    assert speedups.off_because == ("thinc 9.0.0 is not verified (8.3.x)",)


def test_a_new_presidio_or_a_missing_internal_turns_off_what_relies_on_it() -> None:
    newer = decide({**_VERIFIED, "presidio-analyzer": "2.3.0"}, _FOUND)
    assert newer.matmul_ops and not newer.column_artifacts and not newer.shallow_copy
    gone = decide(_VERIFIED, {**_FOUND, ARTIFACT_HOOK: False})
    assert gone.shallow_copy and not gone.column_artifacts
    assert gone.off_because == (f"{ARTIFACT_HOOK} not found",)
    missing = decide({**_VERIFIED, "spacy": None}, {**_FOUND, CAPSULES: False})
    assert not missing.matmul_ops and not missing.fast_cblas
    assert "spacy missing is not verified (3.8.x)" in missing.off_because


def test_the_installed_versions_are_the_verified_ones() -> None:
    # Fails on an upgrade of spaCy, thinc or Presidio: verify the speed-ups against the new version
    # (this file and test_pii_speed.py), then widen `VERIFIED`.
    versions = installed_versions()
    assert all((versions[name] or "").startswith(prefix) for name, prefix in VERIFIED.items()), versions
    assert all(probe_internals().values()), probe_internals()
    assert detected().off_because == ()


def _texts() -> list[str]:
    synth = [r["full_text"] for r in json.loads((DATA / "presidio_synth_v2.json").read_text("utf-8"))]
    return [
        *synth[:60],
        "Call my cell: 212 555 0199, or write to jane.doe@example.com.",
        "Bonjour Mme Lefèvre, rappelez-moi au 0612345678 ou sur ma carte bancaire 4111 1111 1111 1111.",
        "IBAN FR76 3000 6000 0112 3456 7890 189, virement de M. Martin à Rennes.",
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_with_every_speedup_off_the_rail_finds_the_same_entities(presidio_engine, language) -> None:
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
    from socle.guardrails._context_enhancer import ShallowCopyContextEnhancer
    from socle.guardrails._matmul_ops import MatmulOps
    from socle.guardrails.pii import KNOWN_ENTITIES, EngineOptions, PresidioEngine

    stock = PresidioEngine(EngineOptions(speedups=NONE))
    analyzer = stock.load()
    assert not isinstance(analyzer.context_aware_enhancer, ShallowCopyContextEnhancer)
    assert isinstance(analyzer.context_aware_enhancer, LemmaContextAwareEnhancer)
    assert not any(
        isinstance(node.ops, MatmulOps) for node in analyzer.nlp_engine.nlp["en"].get_pipe("ner").model.walk()
    )
    assert isinstance(presidio_engine.load().context_aware_enhancer, ShallowCopyContextEnhancer)

    def found(engine: PresidioEngine, text: str) -> list[tuple[int, int, str, float]]:
        spans = engine.analyze(text, language=language, entities=KNOWN_ENTITIES, threshold=0.3)
        return sorted((s.start, s.end, s.entity, round(s.score, 6)) for s in spans)

    texts = _texts()
    expected = [found(stock, text) for text in texts]
    assert sum(map(len, expected)) > len(texts)  # entities were found, so the comparison means something
    assert [found(presidio_engine, text) for text in texts] == expected
