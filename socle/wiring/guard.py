"""The guard of `settings`: the guardrail policy file's rails, their pseudonym vault, warmed or not."""

from __future__ import annotations

import logging

from socle.guardrails.base import PseudonymVault, RailContext, Source, SubjectIndex
from socle.guardrails.guard import Guard
from socle.guardrails.policy import load_policy
from socle.guardrails.pseudonymize import Pseudonymizer
from socle.guardrails.vault import InMemoryVault
from socle.settings import Settings

logger = logging.getLogger(__name__)

WARM_UP = ("Warm-up for Alice in Paris.", "Préchauffage pour Alice à Paris.")


async def build_guard(
    settings: Settings,
    *,
    warm: bool = True,
    vault: PseudonymVault | None = None,
    index: SubjectIndex | None = None,
) -> Guard | None:
    """The guard of the policy file; `warm` loads its models now rather than on the first request.

    `vault` holds the pseudonym mappings (the database's, shared by replicas); None keeps them in
    this process. `index` indexes their values by keyed hash, for erasure.
    """
    if not settings.guardrails.enabled:
        return None
    policy = load_policy(settings.guardrails.policy)
    if not policy.enabled:
        return None
    secret = settings.guardrails.pseudonym_key
    key = secret.get_secret_value() if secret else Pseudonymizer.generate_key()
    if secret is None and vault is not None:
        logger.warning(
            "guardrails.pseudonym_key is not set: pseudonyms survive neither a restart nor a switch of "
            "replica (set SOCLE_GUARDRAILS__PSEUDONYM_KEY, the same on every replica)"
        )
    pseudonymizer = Pseudonymizer(vault or InMemoryVault(), key, index=index)
    grounded = settings.knowledge.enabled  # answer policies only where answers can be grounded
    guard = Guard.from_policy(policy, pseudonymizer=pseudonymizer, grounded=grounded)
    for sample in WARM_UP if warm else ():
        await guard.check(sample, context=RailContext("input"))
    answers = guard.answer_policy() if warm else None
    if answers is not None:  # loads the answer check's embedder now, not on the first grounded answer
        await answers.assess("Who warms up?", [Source(1, "Alice warms up in Paris.")])
    return guard
