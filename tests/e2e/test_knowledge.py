"""End to end: real MiniLM embeddings and Qdrant local mode behind `socle serve`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

from tests.e2e.conftest import RunningSocle

pytestmark = pytest.mark.e2e


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (math.hypot(*a) * math.hypot(*b))


def test_embeddings_are_semantic(socle_server: RunningSocle) -> None:
    with openai.OpenAI(
        base_url=socle_server.base_url, api_key=socle_server.admin_key, max_retries=0
    ) as client:
        data = client.embeddings.create(
            model="all-MiniLM-L6-v2",
            input=["How many days of paid leave do employees get?", "Staff receive 25 days of holiday.",
                   "The quarterly revenue grew by 4%."],
        ).data  # fmt: skip
    vectors = [d.embedding for d in data]
    assert len(vectors[0]) == 384
    assert _cosine(vectors[0], vectors[1]) > _cosine(vectors[0], vectors[2]) + 0.2


def test_ingest_and_search_through_the_cli_and_the_api(socle_server: RunningSocle, tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies/leave.md").write_text("# Leave\n\nEmployees get 25 days of paid leave per year.\n")
    (tmp_path / "policies/bonus.md").write_text("# Bonus\n\nThe 2026 bonus pool is 3% of payroll.\n")
    server = socle_server.base_url.removesuffix("/v1")
    leave = socle_server.cli("ingest", str(tmp_path / "policies/leave.md"), "--server", server,
                             "--api-key", socle_server.admin_key)  # fmt: skip
    assert leave.returncode == 0, leave.stdout + leave.stderr
    bonus = socle_server.cli("ingest", str(tmp_path / "policies/bonus.md"), "--acl", "group:finance",
                             "--server", server, "--api-key", socle_server.admin_key)  # fmt: skip
    assert bonus.returncode == 0 and "1 ingested" in bonus.stdout, bonus.stdout + bonus.stderr

    staff = socle_server.cli("keys", "create", "staff").stdout.strip().splitlines()[-1]
    finance = socle_server.cli("keys", "create", "cfo", "--group", "finance").stdout.strip().splitlines()[-1]

    def search(key: str, query: str) -> list[str]:
        response = httpx.post(f"{socle_server.base_url}/knowledge/search", json={"query": query, "k": 3},
                              headers={"Authorization": f"Bearer {key}"}, timeout=30)  # fmt: skip
        assert response.status_code == 200, response.text
        return [hit["document_id"] for hit in response.json()["data"]]

    assert search(staff, "how much paid leave")[0] == "leave.md"
    assert "bonus.md" not in search(staff, "bonus pool payroll")
    assert search(finance, "bonus pool payroll")[0] == "bonus.md"


@dataclass(frozen=True)
class Orchestrated:
    text: str
    citations: list[dict[str, object]]
    run_id: str


@pytest.fixture(scope="module")
def orchestrated(socle_server: RunningSocle, tmp_path_factory: pytest.TempPathFactory) -> Orchestrated:
    """One multi-part question to `socle-orchestrator` over two ingested documents (tens of seconds)."""
    docs = tmp_path_factory.mktemp("handbook")
    (docs / "travel.md").write_text("# Travel\n\nHotels are refunded up to 150 EUR per night.\n")
    (docs / "pricing.md").write_text("# Pricing\n\nThe Pro plan costs 40 EUR per user per month.\n")
    server = socle_server.base_url.removesuffix("/v1")
    ingested = socle_server.cli("ingest", str(docs), "--server", server, "--api-key", socle_server.admin_key)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    with openai.OpenAI(base_url=socle_server.base_url, api_key=socle_server.admin_key, timeout=300) as client:
        raw = client.chat.completions.with_raw_response.create(
            model="socle-orchestrator",
            messages=[
                {
                    "role": "user",
                    "content": "What is the hotel refund limit, and what does the Pro plan cost?",
                }
            ],
        )
    body = raw.parse()
    extra = body.model_extra or {}
    return Orchestrated(body.choices[0].message.content or "", extra.get("citations") or [],
                        raw.headers["x-socle-run-id"])  # fmt: skip


def test_orchestrator_answers_a_multi_part_question_with_citations(
    socle_server: RunningSocle, orchestrated: Orchestrated
) -> None:
    assert orchestrated.text
    assert orchestrated.citations  # the answer is backed by the ingested documents
    run = httpx.get(f"{socle_server.base_url}/runs/{orchestrated.run_id}",
                    headers={"Authorization": f"Bearer {socle_server.admin_key}"}, timeout=30)  # fmt: skip
    assert run.status_code == 200 and run.json()["tasks"]


def test_orchestrator_answers_cite_their_sources(orchestrated: Orchestrated) -> None:
    """The embedded SmolLM2 answers extractively: a quote of the sources with its `[n]` marker."""
    indexes = {c["index"] for c in orchestrated.citations}
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", orchestrated.text)} & indexes
    assert cited, f"no [n] marker of {sorted(indexes)} in {orchestrated.text!r}"
    flagged = {c["index"] for c in orchestrated.citations if c.get("cited") is True}
    assert flagged == cited, f"citations flagged cited {sorted(flagged)}, markers {sorted(cited)}"
