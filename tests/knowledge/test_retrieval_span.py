"""A knowledge search is a `socle.retrieve` span with one `socle.retrieve.tier` child per tier searched:
tier, k, hits, latency, never the query or a chunk's text (read back from the in-memory exporter)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from socle.knowledge.base import Chunk, Hit, Reader
from socle.knowledge.memory import InMemoryKnowledgeStore
from socle.knowledge.tiers import TieredRetriever

from socle.tracing import OtelSpans

pytestmark = pytest.mark.anyio


@pytest.fixture
def exported() -> Iterator[tuple[OtelSpans, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    spans = OtelSpans.exporting(exporter, batch=False)
    yield spans, exporter
    spans.shutdown()


def _stores() -> dict:
    return {
        "internal": InMemoryKnowledgeStore(
            "internal", [Chunk("i1", "d1", "expense policy for travel", tenant_id="acme")]
        ),
        "external": InMemoryKnowledgeStore("external", [Chunk("e1", "d2", "travel tips", tenant_id="acme")]),
    }


async def test_a_retrieval_is_a_span_per_tier_under_one_retrieve_span(exported) -> None:
    spans, exporter = exported
    retriever = TieredRetriever(_stores(), spans=spans)  # type: ignore[arg-type]
    with spans.span("HTTP POST /v1/knowledge/search"):
        found = await retriever.retrieve("travel", k=3, reader=Reader("acme"))
    finished = {s.name: s for s in exporter.get_finished_spans()}
    assert len(found.hits) == 2
    outer, http = finished["socle.retrieve"], finished["HTTP POST /v1/knowledge/search"]
    assert outer.parent is not None and outer.parent.span_id == http.context.span_id
    assert dict(outer.attributes or {}) | {"socle.latency_ms": 0} == {
        "socle.k": 3,
        "socle.tiers": "internal,external",
        "socle.hits": 2,
        "socle.native": False,
        "socle.latency_ms": 0,
    }
    assert outer.attributes["socle.latency_ms"] >= 0  # type: ignore[index,operator]
    tiers = [s for s in exporter.get_finished_spans() if s.name == "socle.retrieve.tier"]
    assert [(s.attributes["socle.tier"], s.attributes["socle.hits"]) for s in tiers] == [  # type: ignore[index]
        ("internal", 1),
        ("external", 1),
    ]
    assert all(s.parent is not None and s.parent.span_id == outer.context.span_id for s in tiers)
    everything = " ".join(
        str(v) for s in exporter.get_finished_spans() for v in (s.attributes or {}).values()
    )
    assert "travel" not in everything.replace("internal,external", "")  # no query, no chunk text


class KnownCosines:
    """A store whose hits carry cosines (for the query "travel" only)."""

    async def search(self, query: str, *, k: int, reader: Reader) -> list[Hit]:
        if query != "travel":
            return []
        return [Hit(Chunk(f"c{i}", "d", "notes", tenant_id="acme"), 1.0, s) for i, s in enumerate((0.8, 0.4))]


async def test_a_retrieval_reports_its_hits_similarities_to_its_observer() -> None:
    seen: list[list[float]] = []
    retriever = TieredRetriever({"internal": KnownCosines()}, observe=lambda s: seen.append(list(s)))  # type: ignore[dict-item]
    await retriever.retrieve("travel", k=3, reader=Reader("acme"))
    await retriever.retrieve("quantum chromodynamics", k=3, reader=Reader("acme"))
    assert seen == [[0.8, 0.4], []]
