"""The governing orchestrator: plan -> expert agents in parallel -> synthesize -> verify -> respond.

Built on LangGraph (`graph.py` is the only module that wires it), checkpointed after every step
(SQLite by default, PostgreSQL by config), with human approval of side-effecting tools, recovery
of runs a crash interrupted, and progress events. Every model call goes through the injected
gateway, the same path as direct API calls. The HTTP layer uses `Orchestrator` and `chunks`.
"""

from socle.orchestrator.answers import AnswerChecks
from socle.orchestrator.base import (
    AGENT_MODEL_PREFIX,
    ORCHESTRATOR_MODEL,
    AnswerVerdict,
    Approval,
    RunEvent,
    RunRequest,
    RunResult,
    RunStatus,
    Shield,
    Verifier,
)
from socle.orchestrator.checkpoints import CHECKPOINTERS, open_checkpointer
from socle.orchestrator.chunks import completion_body, event_chunk, openai_chunks
from socle.orchestrator.deps import NoShield, OrchestratorDeps
from socle.orchestrator.graph import build_graph
from socle.orchestrator.run_list import RunPage, RunQuery, RunSummary
from socle.orchestrator.runs import Orchestrator
from socle.orchestrator.service import open_orchestrator
from socle.orchestrator.settings import OrchestratorSettings
from socle.orchestrator.verifiers import VERIFIERS, AllowAll, RequireCitations, build_verifier

__all__ = [  # noqa: RUF022  # plain sorted() order, which tests/test_packaging.py checks
    "AGENT_MODEL_PREFIX",
    "AllowAll",
    "AnswerChecks",
    "AnswerVerdict",
    "Approval",
    "CHECKPOINTERS",
    "NoShield",
    "ORCHESTRATOR_MODEL",
    "Orchestrator",
    "OrchestratorDeps",
    "OrchestratorSettings",
    "RequireCitations",
    "RunEvent",
    "RunPage",
    "RunQuery",
    "RunRequest",
    "RunResult",
    "RunStatus",
    "RunSummary",
    "Shield",
    "VERIFIERS",
    "Verifier",
    "build_graph",
    "build_verifier",
    "completion_body",
    "event_chunk",
    "open_checkpointer",
    "open_orchestrator",
    "openai_chunks",
]
