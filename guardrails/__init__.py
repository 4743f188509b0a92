"""Guardrails on inputs, retrieved context and outputs: PII, secrets, toxicity, injection, groundedness.

A `Guardrail` returns a `Verdict`; a `Pipeline` runs the rails of one stage and applies the
strictest verdict (redactions, reversible pseudonyms); a `Guard` holds the pipelines of every
tenant, route and stage of a `GuardrailPolicy` (`config/guardrails.yaml`), and each tenant's
`AnswerPolicy` (by default `RepairExtractAbstain`), which checks answers grounded in sources. The PII
rail (`socle.guardrails.pii`, Presidio + spaCy) is imported only when a policy uses it.
"""

from socle.guardrails.answer_policy import RepairExtractAbstain
from socle.guardrails.base import (
    SEVERITY,
    Action,
    AnswerDecision,
    AnswerMode,
    AnswerPolicy,
    AnswerReview,
    ConversationScope,
    Evidence,
    Guardrail,
    Outcome,
    PseudonymVault,
    Quote,
    RailContext,
    Source,
    Span,
    Stage,
    Verdict,
)
from socle.guardrails.errors import ContentBlockedError, GuardrailConfigError
from socle.guardrails.fake import AllowAll, BlockOn
from socle.guardrails.guard import Guard
from socle.guardrails.pipeline import Pipeline, PipelineResult
from socle.guardrails.policy import GuardrailPolicy, RailSpec, load_policy
from socle.guardrails.pseudonymize import Pseudonymizer
from socle.guardrails.registry import GUARDRAILS, SharedResources
from socle.guardrails.secrets import RegexSecrets
from socle.guardrails.shield import GuardShield
from socle.guardrails.vault import InMemoryVault

__all__ = [  # noqa: RUF022  # plain sorted() order, which tests/test_packaging.py checks
    "Action",
    "AllowAll",
    "AnswerDecision",
    "AnswerMode",
    "AnswerPolicy",
    "AnswerReview",
    "BlockOn",
    "ContentBlockedError",
    "ConversationScope",
    "Evidence",
    "GUARDRAILS",
    "Guard",
    "GuardShield",
    "Guardrail",
    "GuardrailConfigError",
    "GuardrailPolicy",
    "InMemoryVault",
    "Outcome",
    "Pipeline",
    "PipelineResult",
    "PseudonymVault",
    "Pseudonymizer",
    "Quote",
    "RailContext",
    "RailSpec",
    "RegexSecrets",
    "RepairExtractAbstain",
    "SEVERITY",
    "SharedResources",
    "Source",
    "Span",
    "Stage",
    "Verdict",
    "load_policy",
]
