"""`hallucination-judge`: HaluEval general responses judged Yes/No by a model reached through Socle."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest
from rich.console import Console
from socle.eval.base import SuiteOptions
from socle.eval.errors import EvalError, SuiteUnavailableError
from socle.eval.fake import RecordingProgress
from socle.eval.jsonl import load_dataset
from socle.eval.registry import SUITES
from socle.eval.schemas import JudgedResponseRecord
from socle.eval.suites.hallucination_judge import (
    DEFAULT_DATA,
    JUDGE_SYSTEM,
    HallucinationJudgeSuite,
    judged_case,
    sample,
)

from socle.cli.eval_command import EXIT_PASSED, EvalRequest, evaluate
from socle.settings import Settings
from tests.eval.test_embedded import settings_for
from tests.fakes.openai_upstream import FakeUpstream, Reply, serve_upstream

pytestmark = pytest.mark.anyio

ROWS: list[dict[str, object]] = [
    {"ID": "1", "user_query": "When did the Zorblat bridge open?", "chatgpt_response": "In 1957.",
     "hallucination": "yes", "hallucination_spans": ["In 1957."]},
    {"ID": "2", "user_query": "Name a primary colour.", "chatgpt_response": "Red.", "hallucination": "no"},
    {"ID": "3", "user_query": "Who wrote Quell?", "chatgpt_response": "Lars Berg, in 1988.",
     "hallucination": "yes"},
    {"ID": "4", "user_query": "What is 2 + 2?", "chatgpt_response": "Five.", "hallucination": "no"},
    {"ID": "5", "user_query": "Spell cat.", "chatgpt_response": "C-A-T.", "hallucination": "no"},
]  # fmt: skip
REPLIES = ["Yes.", "No", "I cannot tell without sources.", "Yes, it does", "no."]
# verdicts:  T      F     unreadable                         T               F
# labels:    T      F     T                                  F               F


def jsonl(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "general.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_without_a_server_the_suite_says_how_to_get_one(settings: Settings) -> None:
    with pytest.raises(SuiteUnavailableError, match="starts an embedded one"):
        SUITES["hallucination-judge"](SuiteOptions(settings))


def test_the_built_in_set_is_halueval_general() -> None:
    dataset = load_dataset(DEFAULT_DATA, JudgedResponseRecord, judged_case)
    assert len(dataset.cases) == 3566
    assert sum(c.expected_output == "yes" for c in dataset.cases) == 640


def test_a_limited_sample_keeps_the_share_of_hallucinations_and_grows_by_extension() -> None:
    dataset = load_dataset(DEFAULT_DATA, JudgedResponseRecord, judged_case)
    small, large = sample(dataset, 40), sample(dataset, 200)
    assert len(small.cases) == 40 and sum(c.expected_output == "yes" for c in small.cases) == 7  # 40 x 18 %
    assert {c.name for c in small.cases} < {c.name for c in large.cases}
    assert [c.name for c in sample(dataset, 40).cases] == [c.name for c in small.cases]
    order = [int(c.name.removeprefix("line-")) for c in small.cases]
    assert order == sorted(order)  # file order, not hash order


def test_a_tiny_sample_still_has_both_labels() -> None:
    dataset = load_dataset(DEFAULT_DATA, JudgedResponseRecord, judged_case)
    assert sorted(str(c.expected_output) for c in sample(dataset, 2).cases) == ["no", "yes"]


async def test_an_embedded_socle_asks_the_judge_and_the_replies_are_scored(tmp_path: Path) -> None:
    upstream = FakeUpstream(models=["m"])
    upstream.push(*(Reply(text) for text in REPLIES))
    with serve_upstream(upstream) as api_base:
        settings = settings_for(tmp_path, api_base)
        out = tmp_path / "out"
        request = EvalRequest(
            "hallucination-judge", data=jsonl(tmp_path, ROWS), out=out, model="m", store=False
        )
        console = io.StringIO()
        code = await evaluate(request, settings, Console(file=console, width=200), None)  # type: ignore[arg-type]
    assert code == EXIT_PASSED, console.getvalue()
    run = json.loads((out / "hallucination-judge" / "result.json").read_text())
    assert run["info"]["target"] == "embedded"
    metrics = run["result"]["metrics"]
    assert metrics["responses"] == 5 and metrics["error_rate"] == 0
    assert metrics["recall"] == pytest.approx(1 / 2) and metrics["specificity"] == pytest.approx(2 / 3)
    assert metrics["balanced_accuracy"] == pytest.approx(7 / 12)
    assert metrics["precision"] == pytest.approx(1 / 2) and metrics["unparseable_rate"] == pytest.approx(
        1 / 5
    )
    assert metrics["accuracy"] == pytest.approx(3 / 5) and "latency_ms.p95" in metrics
    chats = [r for r in upstream.requests if "messages" in r]
    assert len(chats) == 5
    first = json.dumps(chats[0]["messages"])
    assert JUDGE_SYSTEM.split(".")[0] in first
    assert "#User Query#: When did the Zorblat bridge open?" in first and "#Response#: In 1957." in first


def fake_socle(statuses: list[int], seen: list[dict[str, object]]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        status = statuses[len(seen) - 1]
        if status != 200:
            return httpx.Response(status, json={"error": {"message": "blocked by the input rail"}})
        choice = {"index": 0, "message": {"role": "assistant", "content": "Yes"}, "finish_reason": "stop"}
        return httpx.Response(200, json={"model": "judge-7b", "choices": [choice]})

    return httpx.MockTransport(answer)


async def test_a_refused_request_counts_as_an_error_not_as_a_verdict(
    settings: Settings, tmp_path: Path
) -> None:
    seen: list[dict[str, object]] = []
    options = SuiteOptions(
        settings, data=jsonl(tmp_path, ROWS[:2]), against="http://socle.test", api_key="k", model="auto",
        transport=fake_socle([400, 200], seen),
    )  # fmt: skip
    result = await HallucinationJudgeSuite(options).run(RecordingProgress())
    assert [c.error for c in result.cases] == [
        'HTTP 400: {"error":{"message":"blocked by the input rail"}}',
        None,
    ]
    assert result.metrics["error_rate"] == 0.5 and result.metrics["flag_rate"] == 1.0
    assert "recall" in result.not_measured  # the only hallucinated response failed: nothing to measure
    assert (
        result.versions == {"judge": "judge-7b"}
        and seen[1]["temperature"] == 0
        and seen[1]["model"] == "auto"
    )


async def test_an_unreachable_server_stops_the_run(settings: Settings, tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    options = SuiteOptions(
        settings, data=jsonl(tmp_path, ROWS), against="http://socle.test", api_key="k",
        transport=httpx.MockTransport(refuse),
    )  # fmt: skip
    with pytest.raises(EvalError, match="cannot reach Socle"):
        await HallucinationJudgeSuite(options).run(RecordingProgress())


async def test_when_every_request_fails_the_metrics_say_why(settings: Settings, tmp_path: Path) -> None:
    options = SuiteOptions(
        settings, data=jsonl(tmp_path, ROWS[:2]), against="http://socle.test", api_key="k",
        transport=fake_socle([400, 400], []),
    )  # fmt: skip
    result = await HallucinationJudgeSuite(options).run(RecordingProgress())
    assert result.metrics["error_rate"] == 1.0 and "balanced_accuracy" not in result.metrics
    assert "every request failed, e.g. HTTP 400" in result.not_measured["balanced_accuracy"]
    assert "blocked by the input rail" in result.not_measured["balanced_accuracy"]
