"""`Orchestrator`: start, stream, resume, report and recover runs of the graph (no HTTP here).

A run is a LangGraph thread whose id is the run id. Every step is checkpointed, so a run waiting
for approval resumes with `resume_stream`, and a run that a crash interrupted resumes with
`recover`. Closing a run's event stream (a client disconnect) cancels the run.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import replace
from typing import Any, TypedDict, cast

import anyio
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command, StateSnapshot
from socle.governance.access import Owner
from socle.knowledge.base import Reader
from socle.knowledge.grounding import last_user_text
from socle.orchestrator.base import (
    AGENT_MODEL_PREFIX,
    FINAL_STATUSES,
    ORCHESTRATOR_MODEL,
    Approval,
    RunEvent,
    RunRequest,
    RunResult,
)
from socle.orchestrator.checkpoints import Checkpointer
from socle.orchestrator.deps import OrchestratorDeps
from socle.orchestrator.erasure import CheckpointErasure
from socle.orchestrator.graph import DEADLINE_KEY, build_graph
from socle.orchestrator.leases import LocalLeases, RunLeases
from socle.orchestrator.report import run_report, run_result
from socle.orchestrator.run_list import RunPage, RunQuery, RunSummary, select
from socle.orchestrator.state import RunState
from socle.router.base import EPHEMERAL_PREFIX, JSONObject

from socle.errors import InvalidRequestError, ModelNotFoundError, NotFoundError

logger = logging.getLogger(__name__)

_PIECE = re.compile(r"(?:\S+\s*){1,8}|\s+")


class _Who(TypedDict):
    tenant_id: str
    key_id: str
    conversation_id: str | None


class Orchestrator:
    """Runs of `socle-orchestrator` and `socle-agent/<name>`.

    Args:
        deps: the graph's collaborators.
        checkpointer: where runs are saved (`open_checkpointer`).
        leases: who drives which run (default: this process only; `PostgresLeases` across replicas).
    """

    def __init__(
        self, deps: OrchestratorDeps, checkpointer: Checkpointer, leases: RunLeases | None = None
    ) -> None:
        self.deps = deps
        self._checkpointer = checkpointer
        self._graph = build_graph(deps, checkpointer)
        self._leases = leases or LocalLeases()
        self._driving: set[str] = set()  # the runs this process drives now
        self._stopping: set[str] = set()  # of those, the ones asked to cancel

    def model_names(self) -> tuple[str, ...]:
        """The virtual models this orchestrator serves, for `GET /v1/models`."""
        return (ORCHESTRATOR_MODEL, *(AGENT_MODEL_PREFIX + name for name in self.deps.agents))

    def serves(self, model: str) -> bool:
        """True when `model` is one of `model_names()`."""
        return model in self.model_names()

    def stream(self, request: RunRequest) -> AsyncGenerator[RunEvent, None]:
        """Start a run and return its events; the last one is `run.finished` with the result.

        Raises (at once, before any event):
            ModelNotFoundError: `request.model` is not a virtual model of this orchestrator.
            InvalidRequestError: the messages hold no user text.
        """
        if not self.serves(request.model):
            raise ModelNotFoundError(f"model {request.model!r} does not exist", param="model")
        if not last_user_text(request.messages).strip():
            raise InvalidRequestError("the messages need a user message with text", param="messages")
        run_id = request.run_id or f"run_{uuid.uuid4().hex}"
        budget = self.deps.settings.budget_usd
        agent = (
            request.model.removeprefix(AGENT_MODEL_PREFIX) if request.model != ORCHESTRATOR_MODEL else None
        )
        state: RunState = {
            "run_id": run_id, "model": request.model, "tenant_id": request.tenant_id, "agent": agent,
            "key_id": request.key_id, "groups": list(request.groups), "messages": list(request.messages),
            "created_at": self.deps.now().timestamp(),
            "budget_usd": min(budget, request.budget_usd) if request.budget_usd is not None else budget,
            "conversation_id": request.conversation_id,
        }  # fmt: skip
        return self._drive(run_id, state)

    def erasure(self) -> CheckpointErasure:
        """The runs' part in erasing a data subject: its checkpoints (and so its reports)."""
        return CheckpointErasure(self._checkpointer)

    async def conversation_tier(self, conversation_id: str, *, tenant_id: str) -> int:
        """The tier boost the conversation's latest run of `tenant_id` ended with (0: none yet).

        Runs are found through their checkpoints' metadata, so this holds across restarts and, with
        the PostgreSQL checkpointer, across replicas.
        """
        wanted = {"conversation_id": conversation_id, "tenant_id": tenant_id}
        latest = None
        # Leave the listing before reading the state: the SQLite saver holds its lock while listing.
        async for saved in self._checkpointer.alist(None, filter=wanted, limit=1):
            latest = str(saved.config["configurable"]["thread_id"])
        if latest is None:
            return 0
        boost = (await self._graph.aget_state(self._config(latest))).values.get("tier_boost", 0)
        return boost if isinstance(boost, int) else 0

    async def run(self, request: RunRequest) -> RunResult:
        """Run to the end (or to an approval) and return the result."""
        return await _last(self.stream(request))

    async def resume_stream(
        self, run_id: str, approval: Approval, *, tenant_id: str | None
    ) -> AsyncGenerator[RunEvent, None]:
        """Continue a run waiting for approval with the human's decisions; returns its events.

        Raises:
            NotFoundError: no run `run_id` (of `tenant_id`, unless None: any tenant).
            InvalidRequestError: the run is not waiting for approval.
        """
        snapshot = await self._snapshot(run_id, tenant_id)
        if not snapshot.interrupts:
            status = snapshot.values.get("status", "running")
            raise InvalidRequestError(f"run {run_id!r} is not waiting for approval (status {status!r})")
        return self._drive(run_id, Command(resume=approval.to_json()))

    async def resume(self, run_id: str, approval: Approval, *, tenant_id: str | None) -> RunResult:
        """`resume_stream` to the end."""
        return await _last(await self.resume_stream(run_id, approval, tenant_id=tenant_id))

    async def owner(self, run_id: str) -> Owner:
        """The run's tenant and the key that started it, for access decisions (`governance.access`).

        Raises:
            NotFoundError: no run `run_id`.
        """
        values = (await self._snapshot(run_id, None)).values
        return Owner(str(values.get("tenant_id", "")), str(values.get("key_id", "")))

    async def report(self, run_id: str, *, tenant_id: str | None, reader: Reader | None = None) -> JSONObject:
        """The run's lineage (`report.run_report`), its documents those `reader` may read (None: all).

        Raises `NotFoundError` like `resume_stream`.
        """
        snapshot = await self._snapshot(run_id, tenant_id)
        return run_report(_values(snapshot), _pending(snapshot), reader=reader)

    async def result(self, run_id: str, *, tenant_id: str | None) -> RunResult:
        """The run's result as it stands, answer revealed. Raises `NotFoundError` like `resume_stream`."""
        return await self._revealed(await self._snapshot(run_id, tenant_id))

    async def _revealed(self, snapshot: StateSnapshot) -> RunResult:
        """The result for the user: the saved answer (as the model wrote it) with its values restored."""
        values = _values(snapshot)
        result = run_result(values, _pending(snapshot))
        return replace(result, answer=await self.deps.shield.reveal(result.answer, **_who(values)))

    async def recover(self) -> list[str]:
        """Finish the runs a crash left unfinished (not those waiting for approval); returns their ids.

        A run another replica claims first is left to it (and not returned).
        """
        ids = await self.unfinished()
        limiter = anyio.CapacityLimiter(self.deps.settings.max_parallel)
        resumed: list[str] = []

        async def finish(run_id: str) -> None:
            async with limiter:
                if not await self._leases.claim(run_id):
                    return
                if await self._leases.cancel_requested([run_id]):
                    await self._close_cancelled(run_id)
                    return
                logger.info("resuming run %r left unfinished", run_id)
                resumed.append(run_id)
                await _last(self._drive(run_id, None, claimed=True))

        async with anyio.create_task_group() as tg:
            for run_id in ids:
                tg.start_soon(finish, run_id)
        return [i for i in ids if i in resumed]

    async def maintain(self) -> None:
        """The background duty of a serving process: recover at start, renew leases, recover again.

        Runs until cancelled. Recovery repeats every `recover_interval_s` (0: only at start), so the
        runs of a replica that died are finished by another once their leases expire.
        """
        settings = self.deps.settings
        if settings.recover_on_start:
            try:
                await self.recover()
            except Exception:  # serving goes on; with recover_interval_s a later round tries again
                logger.exception("recovering unfinished runs at start failed")
        renew_every = settings.lease_ttl_s / 3
        next_recovery = self.deps.monotonic() + settings.recover_interval_s
        while True:
            await anyio.sleep(renew_every)
            try:
                await self._leases.renew()
                self._stopping |= await self._leases.cancel_requested(self._driving)
                if settings.recover_interval_s and self.deps.monotonic() >= next_recovery:
                    next_recovery = self.deps.monotonic() + settings.recover_interval_s
                    await self.recover()
            except Exception:  # the loop must outlive a database hiccup; the next round retries
                logger.exception("run lease maintenance failed; retrying in %.0f s", renew_every)

    async def runs(self, *, tenant_id: str | None, limit: int = 100) -> list[RunSummary]:
        """The latest `limit` runs (of `tenant_id`; None: every tenant's), newest first, for the console."""
        return list((await self.list_runs(RunQuery(tenant_id=tenant_id, limit=limit))).runs)

    async def list_runs(self, query: RunQuery) -> RunPage:
        """The page of runs `query` asks for, newest first (`run_list.select`)."""
        seen: dict[str, None] = {}
        async for saved in self._checkpointer.alist(None):
            seen.setdefault(str(saved.config["configurable"]["thread_id"]), None)
        found = []
        for run_id in seen:
            snapshot = await self._graph.aget_state(self._config(run_id))
            values = _values(snapshot)
            if values and query.tenant_id in (None, values.get("tenant_id")):
                found.append(RunSummary.of(run_id, values, waiting=bool(_pending(snapshot))))
        return select(found, query)

    async def cancel(self, run_id: str, *, by: str) -> str:
        """Stop a run that is not finished; returns `cancelled`, or `cancelling` when a process drives it.

        A run nobody drives (waiting for approval, or left by a crash) is closed at once, and never
        resumed nor recovered. A run being driven stops at its next step: at once in this process,
        at the driver's next lease renewal on another replica; a replica recovering it closes it.

        Raises:
            NotFoundError: no run `run_id`.
            InvalidRequestError: the run already ended.
        """
        await self._ended(run_id)
        await self._leases.request_cancel(run_id)
        if not await self._leases.claim(run_id):
            if run_id in self._driving:
                self._stopping.add(run_id)  # the driver stops at its next step
            return "cancelling"
        try:
            await self._ended(run_id)  # it may have finished between the first look and the claim
            await self._close(self._config(run_id), {}, "cancelled", f"cancelled by {by}")
        finally:
            await self._leases.release(run_id)
        logger.info("run %r cancelled", run_id)
        return "cancelled"

    async def _ended(self, run_id: str) -> None:
        """Raises `InvalidRequestError` when the run is final (`NotFoundError` when there is none)."""
        status = (await self._snapshot(run_id, None)).values.get("status")
        if status in FINAL_STATUSES:
            raise InvalidRequestError(f"run {run_id!r} has already ended (status {status!r})")

    async def unfinished(self) -> list[str]:
        """Ids of checkpointed runs that are neither final nor waiting for approval, nor running anywhere."""
        seen: dict[str, None] = {}
        async for saved in self._checkpointer.alist(None):
            seen.setdefault(str(saved.config["configurable"]["thread_id"]), None)
        ids = []
        for run_id in seen:
            snapshot = await self._graph.aget_state(self._config(run_id))
            status = snapshot.values.get("status")
            if snapshot.next and not snapshot.interrupts and status not in FINAL_STATUSES:
                ids.append(run_id)
        running = await self._leases.held(ids)
        return [i for i in ids if i not in running]

    def _config(self, run_id: str, metadata: JSONObject | None = None) -> RunnableConfig:
        settings = self.deps.settings
        deadline = self.deps.monotonic() + settings.timeout_s
        config: RunnableConfig = {
            "configurable": {"thread_id": run_id, DEADLINE_KEY: deadline},
            "max_concurrency": settings.max_parallel,
            "recursion_limit": 200,
        }
        if metadata:
            config["metadata"] = metadata  # saved with every checkpoint: `conversation_tier` finds them
        return config

    async def _snapshot(self, run_id: str, tenant_id: str | None) -> StateSnapshot:
        snapshot = await self._graph.aget_state(self._config(run_id))
        if not snapshot.values or tenant_id not in (None, snapshot.values.get("tenant_id")):
            raise NotFoundError(f"run {run_id!r} does not exist", param="run_id")
        return snapshot

    async def _drive(
        self, run_id: str, graph_input: RunState | Command[Any] | None, *, claimed: bool = False
    ) -> AsyncGenerator[RunEvent, None]:
        if not claimed and not await self._leases.claim(run_id):
            raise InvalidRequestError(f"run {run_id!r} is already running")
        self._driving.add(run_id)
        try:
            async with aclosing(self._drive_claimed(run_id, graph_input)) as events:  # a disconnect closes it
                async for event in events:
                    yield event
        finally:
            self.deps.originals.pop(run_id, None)
            self._driving.discard(run_id)
            self._stopping.discard(run_id)
            with anyio.CancelScope(shield=True):
                await self._leases.release(run_id)

    async def _recall_original(self, run_id: str, config: RunnableConfig) -> None:
        """Put back in memory the request as the checks saw it, for a run this process did not start.

        The checks of a resumed run judge its answer against the question as the user typed it, as
        the first part of the run did: the saved (concealed) request, its pseudonyms revealed by the
        shield. What the input rails redacted stays redacted.
        """
        values = _values(await self._graph.aget_state(config))
        concealed = last_user_text(values.get("messages", []))
        if concealed:
            typed = await self.deps.shield.reveal(concealed, **_who(values))
            self.deps.originals[run_id] = {concealed: typed}  # in memory only

    async def _drive_claimed(
        self, run_id: str, graph_input: RunState | Command[Any] | None
    ) -> AsyncGenerator[RunEvent, None]:
        start: RunState = graph_input if isinstance(graph_input, dict) else {}
        config = await self._prepared(run_id, start)
        error: Exception | None = None
        stopped = False
        try:
            yield RunEvent("run.started", run_id)
            stream = cast(
                AsyncGenerator[tuple[str, Any], None],
                self._graph.astream(graph_input, config, stream_mode=["custom", "updates"]),
            )
            async with aclosing(stream) as events:  # leaving the loop early cancels the step in flight
                async for mode, data in events:
                    if stopped := run_id in self._stopping:
                        break
                    event = _event(run_id, mode, data)
                    if event is not None:
                        yield event
        except (GeneratorExit, anyio.get_cancelled_exc_class()):
            with anyio.CancelScope(shield=True):
                await self._close(config, start, "cancelled", "the client went away; the run was cancelled")
            raise
        except Exception as e:
            logger.exception("run %r failed", run_id)
            error = e
        if error is not None:
            status = "timeout" if isinstance(error, TimeoutError) else "failed"
            await self._close(config, start, status, f"{type(error).__name__}: {error}")
        elif stopped:
            logger.info("run %r cancelled on request", run_id)
            await self._close(config, start, "cancelled", "cancelled on request")
        result = await self._revealed(await self._graph.aget_state(config))
        for piece in _PIECE.findall(result.answer):
            yield RunEvent("answer.delta", run_id, {"content": piece})
        yield RunEvent("run.finished", run_id, {"status": result.status}, result=result)

    async def _prepared(self, run_id: str, start: RunState) -> RunnableConfig:
        """The run's config; a new run's request (`start`) concealed and given its conversation's tier."""
        config = self._config(run_id)
        if start and (await self._graph.aget_state(config)).values:
            raise InvalidRequestError(f"run {run_id!r} already exists; start a new run with a new id")
        if start:  # nothing of the request is saved before the input rails concealed it
            if not start.get("conversation_id"):  # the run's own pseudonym scope, for its answer's reader
                start["conversation_id"] = f"{EPHEMERAL_PREFIX}{run_id}"
            typed = start.get("messages", [])
            start["messages"] = await self.deps.shield.conceal(typed, **_who(start))
            concealed = last_user_text(start["messages"])
            self.deps.originals[run_id] = {concealed: last_user_text(typed)}  # in memory only
        else:  # resumed after an approval or a crash: the typed request is rebuilt, never saved
            await self._recall_original(run_id, config)
        conversation = start.get("conversation_id")
        if conversation and not conversation.startswith(EPHEMERAL_PREFIX):
            tenant = start.get("tenant_id", "")
            start["tier_floor"] = await self.conversation_tier(conversation, tenant_id=tenant)
            config = self._config(run_id, {"conversation_id": conversation, "tenant_id": tenant})
        return config

    async def _close_cancelled(self, run_id: str) -> None:
        """Close a claimed run that was asked to cancel instead of finishing it, and release it."""
        try:
            await self._close(self._config(run_id), {}, "cancelled", "cancelled on request")
            logger.info("run %r was asked to cancel; closed instead of recovered", run_id)
        finally:
            await self._leases.release(run_id)

    async def _close(self, config: RunnableConfig, start: RunState, status: str, error: str) -> None:
        """End a run that did not reach `respond` (cancelled or failed), so `recover` leaves it alone.

        `start` (the request of a new run) is written too, in case the run ended before its first step.
        """
        update: RunState = {
            **start,
            "status": status,
            "answer": f"The run stopped before it could answer ({status}).",
            "error": error,
            "finished_at": self.deps.now().timestamp(),
        }
        await self._graph.aupdate_state(config, update, as_node="respond")


def _values(snapshot: StateSnapshot) -> RunState:
    return cast(RunState, snapshot.values)


def _who(state: RunState) -> _Who:
    """Whose run it is: the scope of its pseudonyms (`Shield`)."""
    return {"tenant_id": state.get("tenant_id", ""), "key_id": state.get("key_id", ""),
            "conversation_id": state.get("conversation_id")}  # fmt: skip


def _pending(snapshot: StateSnapshot) -> list[JSONObject]:
    pending: list[JSONObject] = []
    for item in snapshot.interrupts:
        value = item.value
        if isinstance(value, dict) and isinstance(value.get("pending"), list):
            pending += [p for p in value["pending"] if isinstance(p, dict)]
    return pending


def _event(run_id: str, mode: str, data: Any) -> RunEvent | None:
    if mode == "custom" and isinstance(data, dict) and "event" in data:
        body = {k: v for k, v in data.items() if k != "event"}
        return RunEvent(data["event"], run_id, body)
    if mode == "updates" and isinstance(data, dict) and "__interrupt__" in data:
        pending = [p for i in data["__interrupt__"] for p in (i.value or {}).get("pending", [])]
        return RunEvent("approval.required", run_id, {"pending": pending})
    return None


async def _last(events: AsyncGenerator[RunEvent, None]) -> RunResult:
    result: RunResult | None = None
    async with aclosing(events) as stream:
        async for event in stream:
            result = event.result or result
    assert result is not None, "a run's event stream always ends with run.finished"
    return result
