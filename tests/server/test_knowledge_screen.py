"""The served instance screens documents: hidden instructions are quarantined and withheld."""

from __future__ import annotations

from pathlib import Path

import pytest
from socle.knowledge.base import DocumentSpec, Reader
from socle.knowledge.ingest import Ingestor
from socle.server.deps import build_deps

from tests.conftest import make_settings
from tests.fakes.openai_upstream import FakeUpstream, serve_upstream
from tests.guardrails.test_classifier_rails import HIDDEN, PASSAGE

pytestmark = pytest.mark.anyio


async def test_build_deps_puts_the_retrieval_rails_in_front_of_the_knowledge(tmp_path: Path) -> None:
    upstream = FakeUpstream()
    with serve_upstream(upstream) as api_base:
        settings = make_settings(
            tmp_path,
            knowledge={"embedding": {"engine": "openai", "api_base": api_base, "dim": 8}},
            orchestrator={"enabled": False},
        )
        async with build_deps(settings) as deps:
            assert deps.knowledge is not None
            acme = DocumentSpec("acme")
            clean = await deps.knowledge.ingestor.ingest(PASSAGE.encode(), "clean.txt", acme)
            poisoned = await deps.knowledge.ingestor.ingest((HIDDEN + PASSAGE).encode(), "poisoned.txt", acme)
            assert (clean.quarantined, poisoned.quarantined) == (0, 1)
            assert poisoned.notes[0].split(": ", 1)[1].startswith("hidden_instructions:")
            # A document stored before the rail existed (no screen at ingestion) is withheld when retrieved.
            unscreened = Ingestor(deps.knowledge.stores)
            await unscreened.ingest((PASSAGE + HIDDEN).encode(), "old.txt", acme)
            retrieval = await deps.knowledge.retriever.retrieve(
                "Rhône river Lyon", k=5, reader=Reader("acme")
            )
    assert [h.chunk.document_id for h in retrieval.hits] == ["clean.txt"]
    assert [chunk_id.split("#")[0] for chunk_id, _ in retrieval.withheld] == ["old.txt"]
