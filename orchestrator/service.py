"""`open_orchestrator`: the orchestrator of a Socle instance, built from its settings and services."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from socle.agents.base import ChatGateway, Outbox, Retriever
from socle.agents.picker import CheapestAdequate
from socle.agents.spec import load_agents
from socle.agents.tools import TOOLS
from socle.orchestrator.answers import AnswerChecks
from socle.orchestrator.base import Shield, Verifier
from socle.orchestrator.checkpoints import Checkpointer, open_checkpointer, setup_lock
from socle.orchestrator.deps import NoShield, OrchestratorDeps
from socle.orchestrator.leases import LocalLeases, PostgresLeases, RunLeases
from socle.orchestrator.runs import Orchestrator
from socle.orchestrator.settings import OrchestratorSettings
from socle.orchestrator.verifiers import build_verifier
from socle.router.base import Deployment

from socle.tracing import NoSpans, Spans


@asynccontextmanager
async def open_orchestrator(  # noqa: PLR0913 - each argument is one service of the instance
    settings: OrchestratorSettings,
    *,
    data_dir: Path,
    gateway: ChatGateway,
    deployments: Iterable[Deployment],
    retriever: Retriever | None = None,
    verifier: Verifier | None = None,
    outbox: Outbox | None = None,
    shield: Shield | None = None,
    answers: AnswerChecks | None = None,
    spans: Spans | None = None,
) -> AsyncIterator[Orchestrator]:
    """Load the agents, open the checkpointer, and yield the orchestrator (closed on exit).

    With guardrails, `gateway` keeps placeholders in answers and `shield` conceals each run's request
    with the same guard (see `OrchestratorDeps`); `answers` checks each answer drawn from knowledge
    with the tenant's answer policy (None: not checked).

    Raises:
        AgentConfigError: an agent file is invalid.
        ConfigError: `settings.verifiers` names an unknown verifier.
    """
    agents = load_agents(settings.agents_dir, tools=TOOLS)
    deps = OrchestratorDeps(
        gateway, CheapestAdequate(deployments), agents, tools=TOOLS, retriever=retriever,
        verifier=verifier or build_verifier(settings.verifiers, settings), outbox=outbox, settings=settings,
        shield=shield or NoShield(), answers=answers or AnswerChecks(),
        spans=spans or NoSpans(),
    )  # fmt: skip
    async with open_checkpointer(settings, data_dir) as checkpointer:
        yield Orchestrator(deps, checkpointer, await _leases(settings, checkpointer))


async def _leases(settings: OrchestratorSettings, checkpointer: Checkpointer) -> RunLeases:
    """Leases shared through the checkpoint database when it is PostgreSQL, else in process."""
    if settings.checkpointer != "postgres":
        return LocalLeases()
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    assert isinstance(checkpointer, AsyncPostgresSaver)
    owner = settings.replica_id or socket.gethostname()
    leases = PostgresLeases(checkpointer.conn, owner=owner, ttl_s=settings.lease_ttl_s)
    async with setup_lock(checkpointer.conn):
        await leases.setup()
    return leases
