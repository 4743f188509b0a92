"""A chat's messages pass the rails as one batch: the same findings as one by one, for one analyzer
call (one NER batch) per language and one pseudonym-vault write per request (issue #15, item 6)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pytest
from socle.guardrails.base import Span
from socle.guardrails.pii import PresidioEngine, PresidioPII
from socle.guardrails.pipeline import Pipeline
from socle.guardrails.pseudonymize import Pseudonymizer
from socle.guardrails.secrets import RegexSecrets
from socle.guardrails.vault import InMemoryVault

from tests.guardrails.conftest import ctx
from tests.guardrails.test_pii import ACTIONS, NER_TABLE, TABLE

pytestmark = pytest.mark.anyio


class CountingEngine:
    """The shared analyzer, counting its calls."""

    def __init__(self, engine: PresidioEngine) -> None:
        self.engine = engine
        self.calls = 0

    @property
    def languages(self) -> tuple[str, ...]:
        return self.engine.languages

    def analyze_many(
        self, texts: Sequence[str], *, language: str, entities: Collection[str], threshold: float
    ) -> list[list[Span]]:
        self.calls += 1
        return self.engine.analyze_many(texts, language=language, entities=entities, threshold=threshold)


class CountingVault(InMemoryVault):
    def __init__(self) -> None:
        super().__init__()
        self.puts = 0

    async def put(self, conversation_id: str, blob: bytes) -> None:
        self.puts += 1
        await super().put(conversation_id, blob)


def _findings(spans: tuple[Span, ...]) -> list[tuple[str, str | None, str]]:
    return [(s.entity, s.value, s.action) for s in spans]


async def test_a_batch_finds_what_each_text_finds_alone(presidio_engine: PresidioEngine) -> None:
    rail = PresidioPII(presidio_engine, ACTIONS, threshold=0.5)  # type: ignore[arg-type]
    texts = [row[0] for row in TABLE] + [row[0] for row in NER_TABLE]
    alone = [await rail.check(text, context=ctx()) for text in texts]
    together = await rail.check_many(texts, context=ctx())
    assert [_findings(v.spans) for v in together] == [_findings(v.spans) for v in alone]
    assert [v.action for v in together] == [v.action for v in alone]


async def test_a_chat_costs_one_analysis_per_language_and_one_vault_write(
    presidio_engine: PresidioEngine,
) -> None:
    engine, vault = CountingEngine(presidio_engine), CountingVault()
    pii = PresidioPII(engine, ACTIONS, threshold=0.5)  # type: ignore[arg-type]
    pipeline = Pipeline(
        [RegexSecrets(), pii], pseudonymizer=Pseudonymizer(vault, Pseudonymizer.generate_key())
    )
    texts = [f"Message {i}: please call John Smith about the report." for i in range(200)]
    texts += [f"Message {i} : merci d'appeler Marie Dupont pour le rapport." for i in range(200)]
    results = await pipeline.run_many(texts, context=ctx(conversation_id="c1"))
    assert (engine.calls, vault.puts) == (2, 1)  # en and fr; one read-modify-write of the mapping
    assert results[0].text == "Message 0: please call <PERSON_1> about the report."
    assert results[199].text == "Message 199: please call <PERSON_1> about the report."


async def test_placeholders_are_numbered_as_one_by_one(presidio_engine: PresidioEngine) -> None:
    texts = ["I am John Smith.", "Write to Jane Doe.", "John Smith again."]
    numbered = []
    for batched in (False, True):
        pseudonymizer = Pseudonymizer(InMemoryVault(), Pseudonymizer.generate_key())
        pipeline = Pipeline(
            [PresidioPII(presidio_engine, ACTIONS, threshold=0.5)], pseudonymizer=pseudonymizer
        )
        context = ctx(conversation_id="c1")
        if batched:
            results = await pipeline.run_many(texts, context=context)
        else:
            results = [await pipeline.run(text, context=context) for text in texts]
        numbered.append([r.text for r in results])
    assert numbered[0] == numbered[1] == ["I am <PERSON_1>.", "Write to <PERSON_2>.", "<PERSON_1> again."]


def test_the_ner_runs_numpys_blas_on_one_thread(presidio_engine: PresidioEngine) -> None:
    from threadpoolctl import threadpool_info

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
