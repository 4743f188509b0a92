"""Grounded answers of the embedded default on HaluEval QA: the dev harness of the answer policy.

    .venv/bin/python bench/grounded_answers.py --mode extractive [--limit N] [--out FILE]

A whole Socle runs in this process (config/socle.yaml: SmolLM2-135M under llama.cpp, MiniLM,
Qdrant local mode, the shipped guardrails) with the tenant's `answers.mode` set to `--mode`. Two
passes over the records of the split (default `dev`: 0-based line index % 5 != 4; the groundedness
detector was trained on those, and every threshold of the answer policy was tuned on them; the
`test` part is for the release measurement, `socle eval grounded-qa`):

- answerable: every record's knowledge is one document; each question is asked with
  `{"knowledge": {"k": 5}}` over all of them;
- unanswerable: each question is asked by a key of its own tenant that can read one document only,
  another record's (record i + n/2).

Scores: answered (not abstained) and abstention rates; correctness (the normalized right answer
contained in the answer, which is at most 60 words; an abstention is wrong); strict correctness
(contained in the short answer before " — ", when the answer leads with one); the delivered
hallucination rate by two judges, over the answers that do not abstain, each judged against the
record's own knowledge: the groundedness detector (the rail's), and a lexical judge built without it
(every number, capitalised name and content word of the answer appears in the knowledge); latency
per answer and of the answer policy's own work (assessment and review).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import anyio
import httpx
import yaml
from rich.console import Console
from rich.table import Table
from socle.guardrails.base import AnswerMode, AnswerPolicy, Evidence, Source
from socle.guardrails.groundedness import GroundednessDetector, GroundednessModel
from socle.knowledge.base import DocumentSpec
from socle.knowledge.embeddings import SentenceTransformerEmbedder
from socle.knowledge.ingest import Upload
from socle.server.app import create_app
from socle.server.deps import Deps, build_deps
from socle.server.run import running_local_models, with_free_ports

from socle.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "eval/datasets/hallucination/halueval_qa.jsonl"
console = Console(stderr=True)
_WORDS = (
    "a an the of in on at to for from by with and or but is are was were be been it its this that as "
    "which who whom what when where how also has have had not no"
)
_STOP = frozenset(_WORDS.split())


def records(split: str) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    return [r for i, r in enumerate(rows) if (i % 5 == 4) == (split == "test")]


def normalize(text: str) -> str:
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", re.sub(r"[^\w\s]", " ", text.casefold())).split())


def contained(expected: str, answer: str) -> bool:
    target = normalize(expected)
    return bool(target) and f" {target} " in f" {normalize(answer)} "


def lexical_support(answer: str, knowledge: str) -> bool:
    """The simple independent judge: every number, name and content word of `answer` is in `knowledge`."""
    text = re.sub(r"\[\d+(?:,\s*\d+)*\]", " ", answer)
    known = set(re.findall(r"\w+", knowledge.casefold()))
    for word in re.findall(r"\w+", text.casefold()):
        if word not in _STOP and word not in known and word.rstrip("s") not in known:
            return False
    return True


class TimedPolicy:
    """Wraps the tenant's answer policy to add up the seconds it works per answer."""

    def __init__(self, inner: AnswerPolicy) -> None:
        self.inner = inner
        self.seconds = 0.0

    @property
    def allow_native(self) -> bool:
        return self.inner.allow_native

    async def assess(self, question: str, sources: Sequence[Source]) -> Evidence:
        started = time.perf_counter()
        try:
            return await self.inner.assess(question, sources)
        finally:
            self.seconds += time.perf_counter() - started

    def review(self, evidence: Evidence, *, mode: AnswerMode = "generative") -> _TimedReview:
        return _TimedReview(self, self.inner.review(evidence, mode=mode))


class _TimedReview:
    def __init__(self, owner: TimedPolicy, inner: object) -> None:
        self.owner, self.inner = owner, inner

    async def piece(self, text: str) -> str:
        started = time.perf_counter()
        try:
            return await self.inner.piece(text)  # type: ignore[attr-defined,no-any-return]
        finally:
            self.owner.seconds += time.perf_counter() - started

    async def finish(self) -> object:
        started = time.perf_counter()
        try:
            return await self.inner.finish()  # type: ignore[attr-defined]
        finally:
            self.owner.seconds += time.perf_counter() - started


async def ask(http: httpx.AsyncClient, key: str, question: str) -> dict[str, object]:
    body = {
        "model": "auto",
        "messages": [{"role": "user", "content": question}],
        "knowledge": {"k": 5},
        "temperature": 0,
    }
    started = time.perf_counter()
    response = await http.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"})
    seconds = time.perf_counter() - started
    data = response.json()
    if response.status_code != 200:
        return {"error": data, "seconds": seconds}
    text = data["choices"][0]["message"]["content"] or ""
    return {
        "text": text,
        "grounding": data.get("grounding"),
        "unsourced": data.get("unsourced"),
        "seconds": seconds,
    }


async def run_pass(
    deps: Deps, http: httpx.AsyncClient, rows: list[dict[str, str]], *, unanswerable: bool
) -> list[dict[str, object]]:
    assert deps.knowledge is not None and deps.guard is not None
    timed = TimedPolicy(deps.guard.answer_policy())  # type: ignore[arg-type]
    deps.guard.answer_policy = lambda tenant_id=None: timed  # type: ignore[method-assign]
    n, results = len(rows), []
    if not unanswerable:
        uploads = [
            Upload(r["knowledge"].encode(), f"qa-{i}.txt", DocumentSpec("default", document_id=f"qa-{i}"))
            for i, r in enumerate(rows)
        ]
        await deps.knowledge.ingestor.ingest_many(uploads)
        key = (await deps.keys.create("bench", tenant_id="default")).secret
    for i, row in enumerate(rows):
        if unanswerable:
            tenant, other = f"u{i}", rows[(i + n // 2) % n]
            await deps.knowledge.ingestor.ingest(
                other["knowledge"].encode(), f"other-{i}.txt", DocumentSpec(tenant)
            )
            key = (await deps.keys.create("bench", tenant_id=tenant)).secret
        timed.seconds = 0.0
        result = await ask(http, key, row["question"])
        results.append({**result, "question": row["question"], "right_answer": row["right_answer"],
                        "knowledge": row["knowledge"], "check_seconds": timed.seconds})  # fmt: skip
        if i % 20 == 0:
            console.print(f"{'unanswerable' if unanswerable else 'answerable'} {i + 1}/{n}")
    return results


def abstained(result: dict[str, object]) -> bool:
    grounding = result.get("grounding")
    return isinstance(grounding, dict) and grounding.get("outcome") == "abstained"


async def score(
    results: list[dict[str, object]], detector: GroundednessDetector, *, unanswerable: bool
) -> dict[str, float]:
    ok = [r for r in results if "text" in r]
    delivered = [r for r in ok if not abstained(r)]
    detector_flags, lexical_flags = [], []
    for r in delivered:
        report = await detector.check(str(r["text"]), [str(r["knowledge"])])
        detector_flags.append(bool(report.unsupported))
        lexical_flags.append(not lexical_support(str(r["text"]), str(r["knowledge"])))
    seconds = sorted(float(r["seconds"]) for r in ok)  # type: ignore[arg-type]
    checks = sorted(float(r["check_seconds"]) for r in ok)  # type: ignore[arg-type]
    metrics = {
        "questions": float(len(results)),
        "errors": float(len(results) - len(ok)),
        "answered": len(delivered) / max(len(ok), 1),
        "hallucination_detector": sum(detector_flags) / max(len(delivered), 1),
        "hallucination_lexical": sum(lexical_flags) / max(len(delivered), 1),
        "latency_p50_ms": 1000 * statistics.median(seconds) if seconds else 0.0,
        "latency_p95_ms": 1000 * seconds[int(0.95 * (len(seconds) - 1))] if seconds else 0.0,
        "checks_p50_ms": 1000 * statistics.median(checks) if checks else 0.0,
        "checks_p95_ms": 1000 * checks[int(0.95 * (len(checks) - 1))] if checks else 0.0,
    }
    if not unanswerable:
        short = [str(r["text"]).split(" — ", 1)[0] if " — " in str(r["text"]) else "" for r in ok]
        metrics["correct"] = sum(
            not abstained(r)
            and len(str(r["text"]).split()) <= 60
            and contained(str(r["right_answer"]), str(r["text"]))
            for r in ok
        ) / max(len(ok), 1)
        metrics["correct_strict"] = sum(
            bool(s) and contained(str(r["right_answer"]), s) for r, s in zip(ok, short, strict=True)
        ) / max(len(ok), 1)
        metrics["words_p50"] = (
            statistics.median(len(str(r["text"]).split()) for r in delivered) if delivered else 0.0
        )
    return metrics


def _policy_file(mode: str, folder: Path, answerable: float | None) -> Path:
    shipped = yaml.safe_load((ROOT / "config/guardrails.yaml").read_text())
    shipped["tenants"]["default"].setdefault("answers", {})["mode"] = mode
    if answerable is not None:
        shipped["tenants"]["default"]["answers"]["answerable"] = answerable
    path = folder / "guardrails.yaml"
    path.write_text(yaml.safe_dump(shipped))
    return path


async def main(args: argparse.Namespace) -> None:
    rows = records(args.split)[: args.limit]
    with tempfile.TemporaryDirectory(prefix="socle-bench-") as scratch:
        settings = load_settings(ROOT / "config/socle.yaml")
        policy = _policy_file(args.mode, Path(scratch), args.answerable)
        settings = settings.model_copy(update={
            "storage": settings.storage.model_copy(update={"data_dir": Path(scratch)}),
            "guardrails": settings.guardrails.model_copy(update={"policy": policy}),
        })  # fmt: skip
        deployments = tuple(
            d.model_copy(update={"local": d.local.model_copy(update={"port": 0})}) if d.local else d
            for d in settings.models.deployments
        )  # never the shipped fixed port: other instances may hold it
        settings = with_free_ports(
            settings.model_copy(
                update={"models": settings.models.model_copy(update={"deployments": deployments})}
            )
        )
        model = GroundednessModel.load()
        detector = GroundednessDetector(model, SentenceTransformerEmbedder(model.embedder))
        report: dict[str, object] = {"mode": args.mode, "split": args.split, "records": len(rows)}
        async with running_local_models(settings), build_deps(settings) as deps:
            transport = httpx.ASGITransport(app=create_app(settings, deps=deps))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as http:
                answerable = await run_pass(deps, http, rows, unanswerable=False)
                unanswerable = await run_pass(deps, http, rows, unanswerable=True)
        report["answerable"] = await score(answerable, detector, unanswerable=False)
        report["unanswerable"] = await score(unanswerable, detector, unanswerable=True)
    table = Table(title=f"{args.mode}, {args.split} split, {len(rows)} records")
    table.add_column("metric")
    table.add_column("answerable")
    table.add_column("unanswerable")
    for name in report["answerable"]:  # type: ignore[union-attr]
        table.add_row(
            name, f"{report['answerable'][name]:.3f}", f"{report['unanswerable'].get(name, float('nan')):.3f}"
        )  # type: ignore[index,union-attr]
    console.print(table)
    if args.out:
        args.out.write_text(
            json.dumps(
                {**report, "cases": {"answerable": answerable, "unanswerable": unanswerable}}, indent=1
            )
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=["generative", "extractive", "constrained"], default="extractive")
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--answerable", type=float, default=None, help="override answers.answerable")
    anyio.run(main, parser.parse_args())
