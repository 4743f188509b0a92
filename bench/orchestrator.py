"""Orchestrator overhead for a 4-agent plan, over a fake model with fixed latencies.

    .venv/bin/python bench/orchestrator.py [--runs 10] [--plan-ms 300] [--agent-ms 800] [--synth-ms 500]

The four agents run in parallel, so the model time on the critical path is plan + agent + synth.
Everything else (graph steps, checkpoints, retrieval over an in-memory store, scheduling, citation
merging) is overhead: `wall - critical path`, reported in ms and as a share of the wall time, for
the in-memory and the SQLite checkpointers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from socle.agents import TOOLS, AgentSpec, CheapestAdequate, load_agents
from socle.knowledge.base import Chunk, KnowledgeStore, Tier
from socle.knowledge.memory import InMemoryKnowledgeStore
from socle.knowledge.tiers import TieredRetriever
from socle.orchestrator.base import RunRequest
from socle.orchestrator.checkpoints import open_checkpointer
from socle.orchestrator.deps import OrchestratorDeps
from socle.orchestrator.fake import FunctionChatModel, system_text
from socle.orchestrator.planning import PLANNER_INSTRUCTIONS
from socle.orchestrator.runs import Orchestrator
from socle.orchestrator.settings import OrchestratorSettings
from socle.router.base import Deployment, ModelCall
from socle.router.catalog import Catalog
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter

AGENTS = ("researcher", "analyst", "writer", "compliance")
DEPLOYMENTS = (
    Deployment("small", "vllm:small", "http://127.0.0.1:9/v1", tier=1),
    Deployment("large", "vllm:large", "http://127.0.0.1:9/v1", tier=2),
)


def _kind(call: ModelCall) -> str:
    system = system_text(call)
    if system.startswith(PLANNER_INSTRUCTIONS[:40]):
        return "plan"
    return "synth" if system.startswith("You combine the findings") else "agent"


def _model(latency_ms: dict[str, float]) -> FunctionChatModel:
    plan = json.dumps({"tasks": [{"id": f"t{i}", "agent": a, "instruction": f"{a}: travel costs and policy",
                                  "depends_on": []} for i, a in enumerate(AGENTS, start=1)]})  # fmt: skip

    def reply(call: ModelCall) -> str:
        kind = _kind(call)
        return plan if kind == "plan" else "Hotels are refunded up to 150 EUR per night [1]."

    return FunctionChatModel(reply, latency_s=lambda call: latency_ms[_kind(call)] / 1000)


def _retriever() -> TieredRetriever:
    chunks = [
        Chunk(
            f"c{i}",
            f"doc{i % 10}",
            f"Travel policy section {i}: hotels, meals and trains cost rules.",
            tenant_id="bench",
            title=f"Policy {i % 10}",
        )
        for i in range(50)
    ]
    stores: dict[Tier, KnowledgeStore] = {"internal": InMemoryKnowledgeStore("internal", chunks)}
    return TieredRetriever(stores)


@asynccontextmanager
async def _orchestrator(
    checkpointer: str, latency_ms: dict[str, float], data_dir: Path, agents: Mapping[str, AgentSpec]
) -> AsyncIterator[Orchestrator]:
    settings = OrchestratorSettings.model_validate({"checkpointer": checkpointer})
    gateway = Gateway(StaticRouter(Catalog(DEPLOYMENTS, default="small")), _model(latency_ms))
    deps = OrchestratorDeps(
        gateway, CheapestAdequate(DEPLOYMENTS), {a: agents[a] for a in AGENTS}, tools=TOOLS,
        retriever=_retriever(), settings=settings,
    )  # fmt: skip
    async with open_checkpointer(settings, data_dir) as saver:
        yield Orchestrator(deps, saver)


async def _measure(
    checkpointer: str, latency_ms: dict[str, float], runs: int, agents: Mapping[str, AgentSpec]
) -> dict[str, float]:
    critical_ms = latency_ms["plan"] + latency_ms["agent"] + latency_ms["synth"]
    overheads: list[float] = []
    walls: list[float] = []
    request = RunRequest(
        "socle-orchestrator", [{"role": "user", "content": "What are our travel costs?"}], tenant_id="bench"
    )
    with tempfile.TemporaryDirectory() as tmp:
        async with _orchestrator(checkpointer, latency_ms, Path(tmp), agents) as orchestrator:
            await orchestrator.run(request)  # warm-up: imports, tokenizer, SQLite tables
            for _ in range(runs):
                started = time.perf_counter()
                result = await orchestrator.run(request)
                wall_ms = (time.perf_counter() - started) * 1000
                assert result.status == "completed", result
                walls.append(wall_ms)
                overheads.append(wall_ms - critical_ms)
    return {
        "wall_ms": statistics.median(walls),
        "overhead_ms": statistics.median(overheads),
        "overhead_pct": 100 * statistics.median(o / w for o, w in zip(overheads, walls, strict=True)),
    }


def main(argv: list[str] | None = None, write: Callable[[str], object] = sys.stdout.write) -> int:
    """Run the benchmark and print one line per checkpointer."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--plan-ms", type=float, default=300)
    parser.add_argument("--agent-ms", type=float, default=800)
    parser.add_argument("--synth-ms", type=float, default=500)
    parser.add_argument("--checkpointers", default="memory,sqlite")
    parser.add_argument("--agents-dir", type=Path, default=Path("config/agents"))
    args = parser.parse_args(argv)
    agents = load_agents(args.agents_dir, tools=TOOLS)
    latency = {"plan": args.plan_ms, "agent": args.agent_ms, "synth": args.synth_ms}
    write(f"4 agents in parallel; model latency plan {args.plan_ms:g} ms, agent {args.agent_ms:g} ms, "
          f"synth {args.synth_ms:g} ms; median of {args.runs} runs\n")  # fmt: skip
    for name in args.checkpointers.split(","):
        m = anyio.run(_measure, name, latency, args.runs, agents)
        write(f"{name:>7}: wall {m['wall_ms']:8.1f} ms  overhead {m['overhead_ms']:6.1f} ms "
              f"({m['overhead_pct']:.2f} % of wall)\n")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
