"""Checked answers in a run: the answer policy of chat with `knowledge`, applied to agents and synthesis.

The tenant's answer policy (`AnswerPolicy`, on by default: repair, then extract, then abstain;
docs/knowledge.md#checked-answers) checks a run's answers the way it checks chat answers:

- **an agent step that searched knowledge**: its answer is reviewed claim by claim against the
  step's sources; unsupported claims are cut, a quote of the sources stands in when what is left
  does not answer, an abstention when no source answers. A model whose deployment answers
  `extractive` (the embedded SmolLM2) is not called at all: the step's answer is the quote;
- **the synthesized answer** of several steps: reviewed against the merged sources.

`AnswerChecks` says which policy (per tenant) and which mode (per tenant and model) apply; the
decisions travel through the run state as JSON (`grounding`), with the removed claims.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace

from socle.agents.base import AgentResult, AgentTask
from socle.guardrails.base import AnswerDecision, AnswerMode, AnswerPolicy, Source
from socle.guardrails.groundedness import CLAIMS
from socle.knowledge.base import Hit
from socle.knowledge.grounding import last_user_text
from socle.orchestrator._pseudonyms import Pseudonyms, Reveal, pseudonyms
from socle.orchestrator.base import Shield
from socle.router.base import JSONObject

from socle.errors import SocleError

ROUTE = "orchestrator"
"""The `route` label of the orchestrator's claim and outcome metrics."""


def _off(tenant_id: str | None) -> AnswerPolicy | None:
    return None


def _unset(tenant_id: str | None) -> AnswerMode | None:
    return None


@dataclass(frozen=True, slots=True)
class AnswerChecks:
    """Which answer policy checks a tenant's run answers, and how a model answers.

    Args:
        policies: the tenant's policy (None: its answers are not checked). Default: off.
        modes: a deployment's `answer_mode` by name (missing: `generative`).
        tenant_modes: a tenant's `answers.mode`, which wins over the deployment's (None: not set).
    """

    policies: Callable[[str | None], AnswerPolicy | None] = _off
    _: KW_ONLY
    modes: Mapping[str, AnswerMode] = field(default_factory=dict)
    tenant_modes: Callable[[str | None], AnswerMode | None] = _unset

    def policy(self, tenant_id: str | None) -> AnswerPolicy | None:
        return self.policies(tenant_id)

    def mode(self, tenant_id: str | None, model: str) -> AnswerMode:
        """How `model` answers for the tenant: its `answers.mode`, else the deployment's, else generative."""
        return self.tenant_modes(tenant_id) or self.modes.get(model, "generative")


def sources_of(hits: Sequence[Hit]) -> list[Source]:
    """The hits as the policy's numbered sources (`[n]` is `hits[n - 1]`)."""
    return [
        Source(n, hit.chunk.text, title=hit.chunk.title or hit.chunk.document_id)
        for n, hit in enumerate(hits, start=1)
    ]


async def review(  # noqa: PLR0913  # the check's inputs, each needed
    policy: AnswerPolicy,
    question: str,
    hits: Sequence[Hit],
    answer: str | None,
    *,
    mode: AnswerMode,
    reveal: Reveal | None = None,
) -> AnswerDecision:
    """The policy's decision on `answer` (None: no answer written, the policy quotes or abstains).

    The same two calls as chat's `GroundedGateway` (`policy.assess`, then `policy.review`): short
    answers, the choice of quotes and abstention are the policy's. With `reveal` (the run's
    `Shield.reveal`), the question, the sources and the answer are checked with the run's
    placeholders revealed, as chat checks the texts the documents hold, and the decision comes back
    in the run's placeholders (`_pseudonyms`).
    """
    texts = [question, answer or "", *(hit.chunk.text for hit in hits)]
    names = await pseudonyms(reveal, texts) if reveal is not None else Pseudonyms()
    sources = [replace(s, text=names.reveal(s.text)) for s in sources_of(hits)]
    evidence = await policy.assess(names.reveal(question), sources)
    checking = policy.review(evidence, mode=mode)
    if answer is not None and answer.strip():
        await checking.piece(names.reveal(answer))
    return concealed(await checking.finish(), names)


def concealed(decision: AnswerDecision, names: Pseudonyms) -> AnswerDecision:
    """`decision` with its texts written in the run's placeholders (unchanged without any)."""
    if not names.originals:
        return decision
    return replace(
        decision,
        text=names.conceal(decision.text),
        appended=names.conceal(decision.appended),
        removed_claims=tuple(names.conceal(c) for c in decision.removed_claims),
    )


def revealer(shield: Shield, *, tenant_id: str, key_id: str, conversation_id: str | None) -> Reveal:
    """The run's `Shield.reveal`, bound to the scope of its pseudonyms (that of its searches)."""

    async def reveal(text: str) -> str:
        return await shield.reveal(text, tenant_id=tenant_id, key_id=key_id, conversation_id=conversation_id)

    return reveal


def grounding_json(decision: AnswerDecision, *, model: str) -> JSONObject:
    """A decision as the run state keeps it (the response's `grounding` field, plus the model)."""
    return {
        "outcome": decision.outcome,
        "removed_claims": list(decision.removed_claims),
        "checked_claims": decision.checked_claims,
        "mode": decision.mode,
        "model": model,
    }


def count(decision: AnswerDecision, *, model: str, tenant_id: str | None) -> None:
    """The live signal: claims checked and cut (`socle_grounding_claims_total{route="orchestrator"}`)."""
    removed = len(decision.removed_claims)
    CLAIMS.record(decision.checked_claims, removed, route=ROUTE, model=model, tenant=tenant_id or "")


@dataclass(frozen=True, slots=True)
class StepCheck:
    """How one agent step is checked.

    Args:
        policy: the tenant's answer policy.
        question: what the step answers, as the user typed it when it is the run's request
            (`OrchestratorDeps.original`): checks run in process, like chat's.
        model: the model answering the step (for the metrics).
        tenant_id: the caller's tenant (for the metrics).
        reveal: the run's `Shield.reveal` in its scope (`revealer`): the check reads the texts the
            run's placeholders stand for. None: the texts as they are.
    """

    policy: AnswerPolicy
    question: str
    model: str
    tenant_id: str | None
    reveal: Reveal | None = None

    def record(self, decision: AnswerDecision) -> JSONObject:
        """Count the decision's claims, and return it as the run state keeps it."""
        count(decision, model=self.model, tenant_id=self.tenant_id)
        return grounding_json(decision, model=self.model)


def question_of(job: AgentTask) -> str:
    """What a step answers: its query (a planned task's instruction), else its last user message."""
    return job.query or last_user_text(list(job.messages))


async def checked(
    result: AgentResult, job: AgentTask, step: StepCheck
) -> tuple[AgentResult, JSONObject | None]:
    """A done step's answer (the model wrote it) reviewed against its sources; other statuses pass."""
    if result.status != "done":
        return result, None
    decision = await review(
        step.policy, step.question, result.sources, result.answer, mode="generative", reveal=step.reveal
    )
    return replace(result, answer=decision.text), step.record(decision)


async def quoted(
    hits: Sequence[Hit], job: AgentTask, agent: str, step: StepCheck
) -> tuple[AgentResult, JSONObject]:
    """The step's answer without a model call: the quote of its sources that answers, or an abstention."""
    decision = await review(step.policy, step.question, hits, None, mode="extractive", reveal=step.reveal)
    result = AgentResult(job.task_id, agent, "done", answer=decision.text, sources=tuple(hits))
    return result, step.record(decision)


def failed(job: AgentTask, agent: str, error: SocleError) -> AgentResult:
    """A step whose retrieval failed (the task fails, not the run)."""
    return AgentResult(job.task_id, agent, "failed", error=f"{error.code}: {error.message}")
