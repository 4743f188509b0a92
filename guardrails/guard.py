"""`Guard`: what the server holds: a policy's pipelines per (tenant, route, stage), and the vault.

guard = Guard.from_policy(load_policy(Path("config/guardrails.yaml")), key=settings_key)
context = RailContext("input", tenant_id="acme", key_id="k1", conversation_id="c-42")
result = await guard.check(user_text, context=context)
result.raise_if_blocked()                      # 400 with the rail's reason
model_sees = result.text                       # placeholders and redactions applied
...
answer = await guard.check(model_answer, context=replace(context, stage="output"))
user_sees = await guard.restore(answer.text, context=context)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from socle.guardrails.base import AnswerPolicy, ConversationScope, RailContext, Stage
from socle.guardrails.errors import TextTooLongError
from socle.guardrails.pipeline import Pipeline, PipelineResult
from socle.guardrails.policy import DEFAULT_TENANT, STAGES, GuardrailPolicy
from socle.guardrails.pseudonymize import Pseudonymizer
from socle.guardrails.registry import (
    AnswerPolicyFactory,
    GuardrailFactory,
    SharedResources,
    available_guardrails,
    build_answer_policy,
    build_rail,
)
from socle.guardrails.vault import InMemoryVault

_Key = tuple[str, str | None, Stage]


class Guard:
    """Checks texts against the policy of their tenant, route and stage.

    Build it with `from_policy`, which builds (and so validates) every rail at start.
    """

    def __init__(
        self,
        policy: GuardrailPolicy,
        pipelines: Mapping[_Key, Pipeline],
        pseudonymizer: Pseudonymizer,
        answers: Mapping[str, AnswerPolicy | None] | None = None,
    ) -> None:
        self.policy = policy
        self._pipelines = dict(pipelines)
        self._pseudonymizer = pseudonymizer
        self._answers = dict(answers or {})

    @classmethod
    def from_policy(  # noqa: PLR0913  # keyword-only options, each with its default
        cls,
        policy: GuardrailPolicy,
        *,
        key: bytes | str | None = None,
        pseudonymizer: Pseudonymizer | None = None,
        registry: dict[str, GuardrailFactory] | None = None,
        answers: dict[str, AnswerPolicyFactory] | None = None,
        grounded: bool = True,
    ) -> Guard:
        """Build every pipeline of `policy`; rails of the same type share their heavy resources.

        Args:
            policy: the validated policy.
            key: the pseudonym master key; None makes a random one (mappings last as the process).
            pseudonymizer: overrides `key` (to bring another vault).
            registry: rail factories (default: the built-in `GUARDRAILS` and installed plug-ins').
            answers: answer policy factories (default `ANSWER_POLICIES`).
            grounded: build each tenant's answer policy (False when the server has no knowledge:
                nothing is ever grounded, and the policy's models are not loaded).

        Raises:
            GuardrailConfigError: a rail type, an entity or an answer policy is unknown.
        """
        shared = SharedResources(policy.engine)
        registry = available_guardrails() if registry is None else registry  # entry points read once
        pseudonymizer = pseudonymizer or Pseudonymizer(InMemoryVault(), key or Pseudonymizer.generate_key())
        pipelines: dict[_Key, Pipeline] = {}
        routes = sorted({route for tenant in policy.tenants.values() for route in tenant.routes})
        for tenant in policy.tenants:
            for route in (None, *routes):
                for stage in STAGES:
                    specs = policy.rails_for(stage, tenant_id=tenant, route=route)
                    rails = [build_rail(spec, shared, registry) for spec in specs]
                    pipelines[(tenant, route, stage)] = Pipeline(rails, pseudonymizer=pseudonymizer)
        built = {
            tenant: build_answer_policy(policy.answers_for(tenant), shared, answers) if grounded else None
            for tenant in policy.tenants
        }
        return cls(policy, pipelines, pseudonymizer, built)

    def pipeline(self, stage: Stage, *, tenant_id: str | None = None, route: str | None = None) -> Pipeline:
        """The pipeline for this stage, tenant and route (unknown ones fall back as in the policy)."""
        tenant = tenant_id if tenant_id in self.policy.tenants else DEFAULT_TENANT
        found = self._pipelines.get((tenant, route, stage))
        return found if found is not None else self._pipelines[(tenant, None, stage)]

    def answer_policy(self, tenant_id: str | None = None) -> AnswerPolicy | None:
        """The policy checking the tenant's grounded answers (unknown tenants: `default`'s); None: off."""
        tenant = tenant_id if tenant_id in self.policy.tenants else DEFAULT_TENANT
        return self._answers.get(tenant)

    async def check(self, text: str, *, context: RailContext) -> PipelineResult:
        """Run the pipeline of `context` on `text` (see `Pipeline.run`).

        Raises:
            TextTooLongError: the stage has rails and `text` is longer than the policy's
                `max_text_chars` (nothing ran).
        """
        return (await self.check_many([text], context=context))[0]

    async def check_many(self, texts: Sequence[str], *, context: RailContext) -> list[PipelineResult]:
        """`check` of each text, in order, batched (`Pipeline.run_many`).

        The cost of a chat's history grows with its length, not with its number of messages.

        Raises:
            TextTooLongError: as `check`, for the first text over the limit (nothing ran).
        """
        pipeline = self.pipeline(context.stage, tenant_id=context.tenant_id, route=context.route)
        longest = max(map(len, texts), default=0)
        if pipeline.rails and longest > self.policy.max_text_chars:
            raise TextTooLongError(longest, self.policy.max_text_chars)
        return await pipeline.run_many(texts, context=context)

    async def restore(self, text: str, *, context: RailContext) -> str:
        """`text` with the placeholders of the context's conversation (of its tenant and key) restored."""
        scope = context.scope
        if scope is None:
            return text
        return await self._pseudonymizer.restore(text, scope=scope)

    async def canonical(self, text: str, *, context: RailContext) -> str:
        """`text` with the context's known placeholders, in any spelling, written `<NAME_N>` (no value)."""
        scope = context.scope
        if scope is None:
            return text
        return await self._pseudonymizer.canonical(text, scope=scope)

    async def erase(self, scope: ConversationScope) -> bool:
        """Forget a conversation's pseudonyms. Returns True if there were any."""
        return await self._pseudonymizer.erase(scope)
