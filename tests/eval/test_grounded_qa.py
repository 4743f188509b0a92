"""The grounded-qa suite: both phases, both judges, the grounding field or its absence, isolation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from socle.eval.base import Judgement, SuiteOptions
from socle.eval.errors import EvalError
from socle.eval.fake import RecordingProgress
from socle.eval.grounded_data import DOCUMENT_PREFIX
from socle.eval.suites.grounded_qa import GroundedQASuite
from socle.router.fake import FakeChatModel
from socle.server.app import create_app

from socle.errors import UpstreamError
from tests.conftest import build_app, make_settings

pytestmark = pytest.mark.anyio

QA = [
    {"id": "zorblat", "knowledge": "Zorblat purple giraffe lives in Quimper.",
     "question": "Where does Zorblat live?", "right_answer": "Quimper"},
    {"id": "turbines", "knowledge": "Mellifluous turbines spin at Krakatoa station.",
     "question": "Which station has mellifluous turbines, Zorblat?", "right_answer": "Krakatoa"},
    {"id": "orchestra", "knowledge": "Xylophone orchestra founded by Ingrid Vask.",
     "question": "Who founded the xylophone orchestra?", "right_answer": "Ingrid Vask"},
    {"id": "broken", "knowledge": "Nebula kettles hum.", "question": "What do nebula kettles do?",
     "right_answer": "hum"},
]  # fmt: skip
# The fixed derangement of 4 records is [2, 0, 3, 1]: zorblat's question goes over the orchestra
# document, turbines' over zorblat's, orchestra's over broken's, broken's over turbines'.
OVER = {"zorblat": "orchestra", "turbines": "zorblat", "orchestra": "broken", "broken": "turbines"}


def jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@dataclass
class MarkedJudge:
    """A stand-in for the rail's detector: an answer is unsupported when it holds `marker`."""

    marker: str
    name: str = "rail"
    seen: list[tuple[str, list[str]]] = field(default_factory=list)

    async def judge(self, answer: str, sources: Sequence[str]) -> Judgement:
        self.seen.append((answer, list(sources)))
        return Judgement((answer,) if self.marker in answer else (), checked=1)


@dataclass
class FakeSocle:
    """The three routes grounded-qa calls, answering chats from a script of response bodies."""

    script: list[dict[str, object]]
    documents: dict[str, str] = field(default_factory=dict)
    asked_with: list[list[str]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            self.documents.pop(request.url.path.removeprefix("/v1/knowledge/documents/"), None)
            return httpx.Response(200, json={"deleted": True})
        body = json.loads(request.content)
        if request.url.path == "/v1/knowledge/documents":
            self.documents[body["document_id"]] = body["content"]
            return httpx.Response(201, json={"document_id": body["document_id"]})
        self.asked_with.append(sorted(self.documents))
        reply = self.script.pop(0)
        answer = {"model": "big", "choices": [{"message": {"content": reply.pop("text")}}], **reply}
        return httpx.Response(200, json=answer, headers={"x-socle-model": "big"})


def cite(*names: str) -> list[dict[str, object]]:
    return [{"index": n, "document_id": DOCUMENT_PREFIX + d} for n, d in enumerate(names, start=1)]


async def run_fake(tmp_path: Path, script: list[dict[str, object]], rows: list[dict[str, str]] = QA) -> tuple:
    fake = FakeSocle(script)
    options = SuiteOptions(make_settings(tmp_path), data=jsonl(tmp_path / "qa.jsonl", rows),
                           against="http://socle.test", api_key="k", model="big",
                           transport=httpx.MockTransport(fake.handle))  # fmt: skip
    rail = MarkedJudge("probably")
    result = await GroundedQASuite(options, rail_judge=rail).run(RecordingProgress())
    return result, fake, rail


async def test_answerable_and_unanswerable_questions_are_scored_by_both_judges(tmp_path: Path) -> None:
    script: list[dict[str, object]] = [
        # Answerable: every document is in.
        {"text": "Zorblat lives in Quimper [1].", "citations": cite("zorblat")},  # right, supported
        {"text": "Krakatoa station, probably [1].", "citations": cite("turbines")},  # both judges flag
        {"text": "Ingrid Vask founded it in 1901 [1].", "citations": cite("orchestra")},  # 1901: lexical only
        {"text": "I don't know.", "citations": cite("broken")},  # abstains (no grounding field)
        # Unanswerable: each question alone with another record's document.
        {"text": "I cannot answer from the sources.", "citations": cite("orchestra")},  # abstains
        {"text": "Zorblat lives in Quimper [1].", "citations": cite("zorblat")},  # answers: unsupported
        {"text": "Quimper, probably.", "citations": [], "unsourced": True},  # native, flagged: allowed
        {"text": "Krakatoa station [1].", "citations": cite("turbines")},  # answers: unsupported
    ]
    result, fake, rail = await run_fake(tmp_path, script)
    m = result.metrics
    assert m["questions"] == 4 and m["questions_unanswerable"] == 4 and m["error_rate"] == 0.0
    assert m["answer_correctness"] == pytest.approx(3 / 4) and m["answered_rate"] == pytest.approx(3 / 4)
    assert m["abstention_rate"] == pytest.approx(1 / 4)
    assert m["hallucination_rate"] == pytest.approx(1 / 3)  # the rail's judge: "probably"
    assert m["hallucination_rate_independent"] == pytest.approx(2 / 3)  # "probably" and "1901"
    assert m["abstention_rate_unanswerable"] == pytest.approx(1 / 4)
    assert m["hallucination_rate_unanswerable"] == pytest.approx(2 / 3)  # the unsourced one is allowed
    assert m["unsourced_rate_unanswerable"] == pytest.approx(1 / 4)
    # What the judges would have caught there: only "probably" (a quote of the wrong document passes).
    assert m["detector_flag_rate_unanswerable"] == pytest.approx(1 / 3)
    assert m["independent_flag_rate_unanswerable"] == pytest.approx(1 / 3)
    assert m["grounding.reported"] == 0.0 and "grounding.abstained" not in m
    assert result.details["abstention_detected_by"] == "text phrases"
    # Each answer was judged against the document it was asked over; abstentions were not judged.
    assert rail.seen[0] == ("Zorblat lives in Quimper [1].", [QA[0]["knowledge"]])
    assert rail.seen[3] == ("Zorblat lives in Quimper [1].", [QA[0]["knowledge"]])
    assert len(rail.seen) == 6
    # Phase 1 saw every document; phase 2 one document per question, another record's; all erased.
    assert fake.asked_with[0] == sorted(DOCUMENT_PREFIX + r["id"] for r in QA)
    assert fake.asked_with[4:] == [[DOCUMENT_PREFIX + OVER[r["id"]]] for r in QA]
    assert fake.documents == {} and result.details["documents_not_erased"] == []
    assert result.versions["served_by"] == "big"
    assert [c.name for c in result.cases[4:]] == [f"{r['id']}/over-{OVER[r['id']]}" for r in QA]


async def test_the_grounding_field_decides_abstention_when_the_server_reports_it(tmp_path: Path) -> None:
    extracted = {"outcome": "extracted", "removed_claims": ["It is big."], "checked_claims": 2}
    abstained = {"outcome": "abstained", "checked_claims": 1}
    script: list[dict[str, object]] = [
        {"text": "\"Zorblat purple giraffe lives in Quimper.\" [1]", "citations": cite("zorblat"),
         "grounding": extracted},
        {"text": "No source answers this; searched: turbines.", "citations": cite("turbines"),
         "grounding": abstained},
        {"text": "I don't know who lives there.", "citations": cite("turbines"),
         "grounding": {"outcome": "answered"}},  # the phrase, but Socle says it answered
        {"text": "No source answers this.", "citations": cite("zorblat"), "grounding": abstained},
    ]  # fmt: skip
    rows = QA[:2]
    result, _, _ = await run_fake(tmp_path, script, rows)
    m = result.metrics
    assert m["abstention_rate"] == pytest.approx(1 / 2) and m["answer_correctness"] == pytest.approx(1 / 2)
    assert m["grounding.reported"] == 1.0 and m["grounding.extracted"] == pytest.approx(1 / 2)
    assert m["grounding.removed_claims"] == pytest.approx(1 / 2)
    assert m["abstention_rate_unanswerable"] == pytest.approx(1 / 2)
    assert m["hallucination_rate_unanswerable"] == 1.0  # the "answered" one
    assert m["hallucination_rate_independent"] == 0.0  # a verbatim quote is supported
    assert result.details["abstention_detected_by"] == "grounding field"


async def test_an_unanswerable_question_that_saw_other_documents_fails_its_case(tmp_path: Path) -> None:
    script: list[dict[str, object]] = [
        {"text": "Quimper [1].", "citations": cite("zorblat")},
        {"text": "Krakatoa [1].", "citations": cite("turbines")},
        {"text": "Krakatoa [1].", "citations": cite("turbines", "zorblat")},  # a leftover document
        {"text": "I don't know.", "citations": cite("zorblat")},
    ]
    result, _, _ = await run_fake(tmp_path, script, QA[:2])
    failed = result.cases[2]
    assert failed.error is not None and failed.error.startswith("not isolated")
    assert result.metrics["error_rate_unanswerable"] == pytest.approx(1 / 2)
    assert result.metrics["abstention_rate_unanswerable"] == 1.0


async def test_nothing_delivered_leaves_the_rates_not_measured(tmp_path: Path) -> None:
    script: list[dict[str, object]] = [{"text": "I don't know.", "citations": []} for _ in range(4)]
    result, _, _ = await run_fake(tmp_path, script, QA[:2])
    assert "hallucination_rate" not in result.metrics
    assert result.not_measured["hallucination_rate_unanswerable"].startswith("no answer was delivered")
    assert result.metrics["abstention_rate_unanswerable"] == 1.0


async def test_grounded_qa_runs_through_a_real_socle_app(tmp_path: Path) -> None:
    replies = [
        "Zorblat lives in Quimper [1].",
        UpstreamError("the model crashed"),  # the server answers 502: recorded, not scored
        "I don't know.",
        "Mellifluous turbines spin at Krakatoa station [1].",
    ]
    settings = make_settings(tmp_path)
    async for built in build_app(settings, FakeChatModel(replies)):
        transport = httpx.ASGITransport(app=create_app(settings, deps=built.deps))
        options = SuiteOptions(settings, data=jsonl(tmp_path / "qa.jsonl", QA[:2]), against="http://socle.test",
                               api_key=built.admin_key, model="small", transport=transport)  # fmt: skip
        result = await GroundedQASuite(options, rail_judge=MarkedJudge("probably")).run(RecordingProgress())
        assert built.deps.knowledge is not None
        assert await built.deps.knowledge.stores["internal"].count() == 0  # every document erased
        assert isinstance(built.model, FakeChatModel)
        calls = [json.dumps(c.body["messages"]) for c in built.model.calls]
    assert "Zorblat purple giraffe" in calls[0]  # grounded in the knowledge base
    assert "Zorblat purple giraffe" in calls[3] and "Krakatoa" not in calls[3]  # only the other document
    m = result.metrics
    assert m["error_rate"] == pytest.approx(1 / 2) and m["answer_correctness"] == 1.0
    assert m["abstention_rate_unanswerable"] == pytest.approx(1 / 2)
    assert m["hallucination_rate_unanswerable"] == 1.0
    assert result.cases[1].error is not None and result.cases[1].error.startswith("HTTP 502")
    assert result.versions["served_by"] == "small"


async def test_grounded_qa_stops_when_ingestion_is_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async for built in build_app(settings, FakeChatModel()):
        transport = httpx.ASGITransport(app=create_app(settings, deps=built.deps))
        options = SuiteOptions(settings, data=jsonl(tmp_path / "qa.jsonl", QA[:1]), against="http://socle.test",
                               api_key=built.user_key, transport=transport)  # fmt: skip
        with pytest.raises(EvalError, match=f"ingesting '{DOCUMENT_PREFIX}zorblat' failed: HTTP 403"):
            await GroundedQASuite(options, rail_judge=MarkedJudge("x")).run(RecordingProgress())
