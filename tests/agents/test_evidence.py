"""Evidence between tasks: JSON round trips, merged sources, renumbered citations; model picking."""

from __future__ import annotations

import pytest
from socle.agents import CheapestAdequate
from socle.agents.evidence import cited, hit_from_json, hit_to_json, merge, renumber
from socle.knowledge.base import Chunk, Hit, Tier
from socle.router.base import Deployment


def hit(cid: str, tier: Tier = "internal") -> Hit:
    chunk = Chunk(cid, f"doc-{cid}", f"text {cid}", tenant_id="t", tier=tier, page=3, title="T")
    return Hit(chunk, 0.5, 0.9)


def test_hits_survive_json() -> None:
    for h in (hit("a"), hit("b", "external")):
        assert hit_from_json(hit_to_json(h)) == h


def test_merge_dedupes_sources_and_renumbers_citations() -> None:
    a, b, c = hit("a"), hit("b"), hit("c")
    merged, texts = merge([([a, b], "A says [1], B says [2]."), ([c, a], "C [1] and A again [2].")])
    assert [h.chunk.chunk_id for h in merged] == ["a", "b", "c"]
    assert texts == ["A says [1], B says [2].", "C [3] and A again [1]."]


def test_renumber_drops_markers_without_a_source() -> None:
    assert renumber("x [1] y [7]", {1: 4}) == "x [4] y "
    assert cited("see [1], [12] and [x]") == {1, 12}


DEPLOYMENTS = [
    Deployment("tiny", "llamacpp:tiny", "http://x", tier=1),
    Deployment("mid-cheap", "vllm:a", "http://x", tier=2, input_cost_per_mtok=0.1, output_cost_per_mtok=0.2),
    Deployment("mid-dear", "vllm:b", "http://x", tier=2, input_cost_per_mtok=1.0, output_cost_per_mtok=2.0),
    Deployment("big", "vllm:c", "http://x", tier=3, input_cost_per_mtok=3.0, output_cost_per_mtok=6.0),
]


@pytest.mark.parametrize(("tier", "name"), [(1, "tiny"), (2, "mid-cheap"), (3, "big"), (9, "big")])
def test_the_cheapest_adequate_model_serves(tier: int, name: str) -> None:
    picker = CheapestAdequate(DEPLOYMENTS)
    assert picker.pick(tier) == name
    assert picker.tier_of("mid-dear") == 2 and picker.tier_of("nope") is None
