"""The `knowledge` extension of chat requests: retrieve for the caller, then ground the model call.

With an answer policy on for the caller's tenant (`answers` in the guardrail policy; on by
default), the evidence is assessed before the model is called, and the call goes through a
`GroundedGateway` that checks the answer claim by claim, repairs, quotes or abstains
(docs/knowledge.md#checked-answers).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, cast

from socle.governance.base import Principal
from socle.guardrails.base import AnswerDecision, AnswerMode, RailContext, Source
from socle.guardrails.context import CONTEXT_ROUTE, guard_context
from socle.guardrails.data_classes import findings
from socle.guardrails.grounded_gateway import GroundedGateway
from socle.knowledge.base import Reader
from socle.knowledge.grounding import citations, grounded_messages, last_user_text, unsourced_messages
from socle.knowledge.tiers import Retrieval
from socle.router.base import CallTrace, ChatRequest, JSONValue
from socle.server.deps import Deps
from socle.server.schemas import KnowledgeOptions

from socle.errors import InvalidRequestError, NotFoundError


@dataclass(slots=True)
class Grounding:
    """What the response carries about the evidence: citations, whether none was found, the check."""

    citations: list[dict[str, object]]
    unsourced: bool
    sources: tuple[str, ...] = ()  # the chunk texts given to the model, for the groundedness rail
    retrieval: Retrieval | None = None
    messages: list[dict[str, object]] = field(default_factory=list)  # the request's, without sources
    checked: GroundedGateway | None = field(default=None)  # set by `answering` when a policy applies
    data_classes: frozenset[str] = frozenset()  # what the sources disclose (tiers, rails' findings)

    @property
    def decision(self) -> AnswerDecision | None:
        """The answer policy's decision, once the answer is complete (None: no policy, or not yet)."""
        return self.checked.decision if self.checked is not None else None

    def fields(self, *, decided: bool = True) -> dict[str, object]:
        """Top-level response fields (OpenAI clients ignore unknown fields).

        `decided`: add the policy's decision (`grounding`), for a whole answer; a stream's first
        chunk carries the citations, its last chunk the decision.
        """
        native = self.checked is not None and self.checked.native
        found: dict[str, object] = {"citations": self.citations, "unsourced": self.unsourced or native}
        if decided and self.decision is not None:
            found["grounding"] = self.decision.to_json()
        return found

    def headers(self) -> dict[str, str]:
        """`x-socle-grounding` (the outcome) and `x-socle-grounding-removed` (claims cut), once decided."""
        decision = self.decision
        if decision is None:
            return {}
        return {
            "x-socle-grounding": decision.outcome,
            "x-socle-grounding-removed": str(len(decision.removed_claims)),
        }

    async def answering(self, deps: Deps, call: ChatRequest) -> tuple[GroundedGateway | None, ChatRequest]:
        """The gateway that checks this answer (None when no policy applies), and the call to make.

        Raises:
            InvalidRequestError: the request asks for several choices, JSON or tools, which a checked
                answer cannot be rewritten into.
        """
        policy = deps.guard.answer_policy(call.tenant_id) if deps.guard is not None else None
        if policy is None or self.retrieval is None:
            return None, call
        _refuse_structured(call)
        messages = call.body.get("messages")
        question = last_user_text(messages if isinstance(messages, list) else []) or self.retrieval.query
        evidence = await policy.assess(question, _sources(self.retrieval))
        if not evidence.answerable and policy.allow_native:  # the model alone: no sources, a warning
            unsourced = cast(JSONValue, unsourced_messages(self.messages))  # JSON objects, as they came
            call = replace(call, body={**call.body, "messages": unsourced})
        mode = await _mode(deps, call)
        self.checked = GroundedGateway(deps.gateway, policy, evidence, mode=mode)
        return self.checked, call


def _sources(retrieval: Retrieval) -> list[Source]:
    return [
        Source(n, hit.chunk.text, title=hit.chunk.title or hit.chunk.document_id)
        for n, hit in enumerate(retrieval.hits, start=1)
    ]


def _refuse_structured(call: ChatRequest) -> None:
    n = call.body.get("n")
    if isinstance(n, int) and n > 1:
        raise InvalidRequestError(
            "answers grounded with knowledge are checked one at a time: n must be 1", param="n"
        )
    if call.wants_json or call.body.get("tools"):
        raise InvalidRequestError(
            "answers grounded with knowledge are checked and may be rewritten, which JSON output and tool "
            "calls do not allow: drop response_format and tools, or ask without knowledge",
            param="knowledge",
        )


async def _mode(deps: Deps, call: ChatRequest) -> AnswerMode:
    """The tenant's `answers.mode`, else the `answer_mode` of the deployment the call is routed to."""
    assert deps.guard is not None
    configured = deps.guard.policy.answers_for(call.tenant_id).mode
    if configured is not None:
        return configured
    decision = await deps.gateway.router.route(call.route_request())
    modes = {d.name: d.answer_mode for d in deps.settings.models.deployments}
    return modes.get(decision.deployment.name, "generative")


async def ground(  # noqa: PLR0913  # the request's parts, each needed
    deps: Deps,
    caller: Principal,
    options: KnowledgeOptions,
    body: dict[str, Any],
    *,
    conversation_id: str | None = None,
    trace: CallTrace | None = None,
) -> tuple[dict[str, Any], Grounding]:
    """`body` with the sources the caller may read inserted, and the grounding to report.

    The chunks pass the input rails (`guard_context`) before they are put in the prompt: the model
    sees them as it would see them typed by the user, and never a chunk a rail blocks.
    """
    if deps.knowledge is None:
        raise NotFoundError(
            "knowledge is disabled on this server (knowledge.enabled: false)", param="knowledge"
        )
    query = options.query or last_user_text(body["messages"])
    if not query.strip():
        raise InvalidRequestError(
            "knowledge needs a user message (or knowledge.query) to search", param="knowledge"
        )
    reader = Reader.of(caller.tenant_id, key_id=caller.key_id, groups=caller.groups)
    retrieval = await deps.knowledge.retriever.retrieve(
        query, k=options.k, reader=reader, tiers=options.tiers
    )
    context = RailContext("input", tenant_id=caller.tenant_id, key_id=caller.key_id)
    guarded = await guard_context(
        deps.guard, retrieval, replace(context, conversation_id=conversation_id, route=CONTEXT_ROUTE)
    )
    if trace is not None:
        trace.verdicts.extend(guarded.verdicts)
    grounded = {**body, "messages": grounded_messages(body["messages"], guarded.shown)}
    sources = tuple(hit.chunk.text for hit in guarded.shown.hits)
    grounding = Grounding(
        citations(guarded.shown), guarded.shown.unsourced, sources, guarded.kept, body["messages"]
    )
    if deps.residency is not None:
        tiers = [hit.chunk.tier for hit in guarded.kept.hits]
        labels = {hit.chunk.classification for hit in guarded.kept.hits if hit.chunk.classification}
        found = findings(guarded.results, deps.residency.policy).classes
        grounding.data_classes = deps.residency.policy.base_classes(None, tiers) | labels | found
    return grounded, grounding
