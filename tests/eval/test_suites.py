"""The suites: the registry is honest about what cannot run, and the runnable suites score right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from socle.eval.base import SuiteOptions
from socle.eval.errors import SuiteUnavailableError
from socle.eval.fake import RecordingProgress
from socle.eval.registry import SUITES, suite_factory
from socle.eval.suites.retrieval import RetrievalSuite
from socle.eval.suites.routing import RoutingSuite
from socle.knowledge.fake import HashEmbedder

from socle.settings import Settings

pytestmark = pytest.mark.anyio


def jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("grounded-qa", "--against http://127.0.0.1:8000 --api-key"),
    ],
)
def test_suites_that_cannot_run_say_why(settings: Settings, name: str, message: str) -> None:
    with pytest.raises(SuiteUnavailableError, match=message):
        SUITES[name](SuiteOptions(settings))


def test_unknown_suites_list_the_known_ones() -> None:
    with pytest.raises(SuiteUnavailableError, match=r"known suites: .*grounded-qa.*routing"):
        suite_factory("nope")


def test_routing_reads_only_routellm_data(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(SuiteUnavailableError, match="--data is not supported"):
        RoutingSuite.from_options(SuiteOptions(settings, data=tmp_path / "x.jsonl"))


QA = [
    {"id": "zorblat", "knowledge": "Zorblat purple giraffe lives in Quimper.",
     "question": "Where does Zorblat live?", "right_answer": "Quimper"},
    {"id": "turbines", "knowledge": "Mellifluous turbines spin at Krakatoa station.",
     "question": "Which station has mellifluous turbines, Zorblat?", "right_answer": "Krakatoa"},
    {"id": "orchestra", "knowledge": "Xylophone orchestra founded by Ingrid Vask.",
     "question": "Who founded xylophone orchestra?", "right_answer": "Ingrid Vask"},
]  # fmt: skip


async def test_retrieval_ranks_each_question_s_own_document(settings: Settings, tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "id"} for r in QA[:3]]
    # A fourth question worded like the turbines document: its own document cannot come first.
    rows.append({"knowledge": "Copper bells ring.", "question": "Mellifluous Krakatoa turbines?",
                 "right_answer": "ring"})  # fmt: skip
    options = SuiteOptions(settings, data=jsonl(tmp_path / "qa.jsonl", rows))
    result = await RetrievalSuite(options, HashEmbedder()).run(RecordingProgress())
    assert result.metrics["queries"] == 4
    assert result.metrics["recall@1"] == pytest.approx(3 / 4)
    assert [c.scores["recall@1"] for c in result.cases] == [1.0, 1.0, 1.0, 0.0]
    assert result.metrics["search_p50_ms"] <= result.metrics["search_p95_ms"]


async def test_routing_reports_routellm_metrics(settings: Settings) -> None:
    suite = RoutingSuite(SuiteOptions(settings, limit=40), {"repeats": 1, "bootstrap": 10, "random_draws": 2})
    result = await suite.run(RecordingProgress())
    assert {"mt_bench.apgr", "gsm8k.apgr", "mt_bench.random_apgr"} <= set(result.metrics)
    assert set(result.metrics).isdisjoint(result.not_measured)
    assert json.loads(json.dumps(result.details["data"]))["gsm8k"]["items"] == 40
    curves = {s.name for s in result.plots[0].series}
    assert curves == {"mt_bench", "gsm8k", "mmlu", "mt_bench_cross_domain", "random (expected)"}
