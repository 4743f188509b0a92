"""`ExpertAgent`: the one generic agent that runs any `AgentSpec`.

A task goes: retrieve from the agent's knowledge scope -> ask the model with numbered sources ->
run the tools it asks for (at most `max_tool_rounds` turns) -> answer with `[n]` citations. Tools
that change something outside Socle stop the task as `awaiting_approval`; the orchestrator resumes
it with the human's decisions. Every failure (model down, budget, timeout) is a `failed` result,
never an exception, so one agent cannot break a run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import anyio
from socle.agents._tool_calls import assistant_turn, needs_approval, run_calls
from socle.agents.base import (
    AgentResult,
    AgentTask,
    CallRecord,
    ChatGateway,
    ModelPicker,
    Outbox,
    Retriever,
    TaskStatus,
    Tool,
    ToolCall,
    ToolContext,
)
from socle.agents.calls import call_model, message_of, text_of, tool_calls_of
from socle.agents.evidence import as_retrieval, in_collections
from socle.agents.spec import AgentSpec
from socle.knowledge.base import Hit, Tier
from socle.knowledge.grounding import grounded_messages, last_user_text
from socle.router.base import ChatRequest, JSONObject

from socle.errors import SocleError


@dataclass
class _Work:
    """The mutable working set of one task run."""

    messages: list[JSONObject]
    sources: list[Hit]
    calls: list[CallRecord] = field(default_factory=list)
    rounds: int = 0
    tools_used: list[str] = field(default_factory=list)
    pending: tuple[ToolCall, ...] = ()

    @property
    def cost(self) -> float:
        return sum(c.cost_usd for c in self.calls)

    @property
    def tokens(self) -> int:
        return sum(c.prompt_tokens + c.completion_tokens for c in self.calls)


class ExpertAgent:
    """Runs tasks for one `AgentSpec` with the collaborators it is given.

    Args:
        spec: the agent's declaration.
        gateway: the one path of every model call.
        picker: names the cheapest model of the agent's tier.
        tools: the tool registry; the agent may call the ones its spec lists.
        retriever: its knowledge (None: the agent answers from the model alone).
        outbox: where side-effecting tools deliver.
        now: the clock tools read.
    """

    def __init__(  # noqa: PLR0913 - each collaborator is one seam
        self,
        spec: AgentSpec,
        *,
        gateway: ChatGateway,
        picker: ModelPicker,
        tools: Mapping[str, Tool],
        retriever: Retriever | None = None,
        outbox: Outbox | None = None,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.spec = spec
        self._gateway = gateway
        self._picker = picker
        self._tools = {name: tools[name] for name in spec.tools if name in tools}
        self._retriever = retriever
        self._outbox = outbox
        self._now = now

    async def run(self, task: AgentTask) -> AgentResult:
        """Run (or resume) `task`. Never raises for model, tool, budget or time failures."""
        work = _Work([], list(task.sources))
        timeout = self.spec.timeout_s
        if task.limits.deadline is not None:
            timeout = min(timeout, task.limits.deadline - time.monotonic())
        try:
            with anyio.fail_after(max(timeout, 0.0)):
                return await self._run(task, work)
        except TimeoutError:
            return self._result(task, work, "failed", error=f"timed out after {max(timeout, 0):.1f}s")
        except SocleError as e:  # the knowledge store failed: the task fails, not the run
            return self._result(task, work, "failed", error=f"{e.code}: {e.message}")

    async def _run(self, task: AgentTask, work: _Work) -> AgentResult:
        context = self._tool_context(task)
        if task.resume is None:
            await self._prepare(task, work)
        else:
            work.messages, work.rounds = list(task.resume.transcript), task.resume.rounds
            work.messages += await run_calls(
                task.resume.pending, tools=self._tools, context=context,
                sources=work.sources, decisions=task.resume.decisions,
            )  # fmt: skip
        model = self._picker.pick(self.spec.min_tier + task.tier_boost)
        while True:
            if work.cost >= task.limits.budget_usd or work.tokens >= task.limits.max_tokens:
                return self._result(task, work, "failed", error="the task's budget is spent")
            final = work.rounds >= self.spec.max_tool_rounds
            request = ChatRequest(
                model,
                self._body(work, final=final),
                tenant_id=task.reader.tenant_id,
                agent=self.spec.name,
                key_id=task.key_id,
                conversation_id=task.conversation_id,
            )
            completion, record = await call_model(
                self._gateway, request, step="agent", task_id=task.task_id, agent=self.spec.name
            )
            work.calls.append(record)
            if completion is None:
                return self._result(task, work, "failed", error=record.error)
            message = message_of(completion)
            calls = [] if final else tool_calls_of(message)
            if not calls:
                return self._answer(task, work, text_of(message))
            work.rounds += 1
            work.messages.append(assistant_turn(text_of(message), calls))
            work.tools_used += [c.name for c in calls]
            if needs_approval(calls, self._tools):
                work.pending = tuple(calls)
                return self._result(task, work, "awaiting_approval")
            work.messages += await run_calls(
                calls, tools=self._tools, context=context, sources=work.sources, decisions={}
            )

    async def _prepare(self, task: AgentTask, work: _Work) -> None:
        work.sources += await self._retrieve(task, already={h.chunk.chunk_id for h in work.sources})
        system: JSONObject = {"role": "system", "content": self.spec.instructions}
        if not work.sources and (self._retriever is None or not self.spec.knowledge_tiers):
            work.messages = [system, *task.messages]
            return
        retrieval = as_retrieval(task.query or last_user_text(task.messages), work.sources)
        grounded = grounded_messages([dict(m) for m in task.messages], retrieval)
        work.messages = [system, *grounded]  # type: ignore[list-item]  # grounding keeps JSON values

    async def sources(self, task: AgentTask) -> tuple[Hit, ...]:
        """The task's evidence without asking a model: its inherited sources, then what it retrieves.

        For an answer made of the sources' own words (extractive mode). Raises the knowledge store's
        `SocleError` when retrieval fails.
        """
        inherited = list(task.sources)
        return (*inherited, *await self._retrieve(task, already={h.chunk.chunk_id for h in inherited}))

    async def _retrieve(self, task: AgentTask, *, already: set[str]) -> list[Hit]:
        k = self.spec.retrieval_k * task.k_factor
        tiers: tuple[Tier, ...] = self.spec.knowledge_tiers
        if self._retriever is None or k == 0 or not tiers:
            return []
        query = task.query or last_user_text(task.messages)
        retrieval = await self._retriever.retrieve(query, k=k * 2, reader=task.reader, tiers=tiers)
        hits = [h for h in retrieval.hits if in_collections(h, self.spec.collections)]
        return [h for h in hits if h.chunk.chunk_id not in already][:k]

    def _body(self, work: _Work, *, final: bool) -> JSONObject:
        body: JSONObject = {
            "messages": list(work.messages),
            "max_tokens": self.spec.max_output_tokens,
            "temperature": self.spec.temperature,
        }
        if self._tools and (not final or work.rounds):
            body["tools"] = [t.openai_schema() for t in self._tools.values()]
            body["tool_choice"] = "none" if final else "auto"
        return body

    def _tool_context(self, task: AgentTask) -> ToolContext:
        return ToolContext(
            task.reader, retriever=self._retriever, tiers=self.spec.knowledge_tiers,
            collections=self.spec.collections, k=self.spec.retrieval_k * task.k_factor,
            outbox=self._outbox, now=self._now,
        )  # fmt: skip

    def _answer(self, task: AgentTask, work: _Work, text: str) -> AgentResult:
        if not text.strip():
            return self._result(task, work, "failed", error="the model returned an empty answer")
        return self._result(task, work, "done", answer=text.strip())

    def _result(
        self,
        task: AgentTask,
        work: _Work,
        status: TaskStatus,
        *,
        answer: str = "",
        error: str | None = None,
    ) -> AgentResult:
        return AgentResult(
            task.task_id, self.spec.name, status,
            answer=answer, sources=tuple(work.sources), calls=tuple(work.calls), error=error,
            pending=work.pending, transcript=tuple(work.messages) if work.pending else (), rounds=work.rounds,
            tools_used=tuple(dict.fromkeys(work.tools_used)),
        )  # fmt: skip
