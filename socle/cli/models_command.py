"""`socle models`: promote catalog models in the model registry, on the evidence of passing evaluations.

Promotion to production always requires the suites of `CALLS_THE_MODEL` besides the gate's (or
`--require`'s): the offline suites (PII, injection, routing...) never touch the model, so they cannot
vouch for it. Their evidence must have been served by the model being promoted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from socle.errors import ConfigError
from socle.eval.gates import load_gates
from socle.eval.provenance import config_hash
from socle.governance.audit import AuditEvent, SqlAuditLog
from socle.governance.audit_keys import signer_for
from socle.governance.config_versions import ConfigVersion, Item, Kind, SqlVersionStore, content_hash, record
from socle.governance.eval_runs import SqlEvalRuns
from socle.governance.model_cards import ModelCard, SqlCardStore, current
from socle.governance.registry import Promotion, PromotionCheck, SqlModelRegistry, Stage, check_promotion
from socle.settings import Settings
from socle.wiring.store import open_store


@dataclass(frozen=True, slots=True)
class PromoteRequest:
    """What `socle models promote` was asked."""

    model: str
    stage: Stage
    require: Sequence[str]
    gate: Path
    note: str = ""


CALLS_THE_MODEL = ("grounded-qa",)
"""Suites that call the model under evaluation: one passing run each, served by it, is required."""


def required_suites(request: PromoteRequest) -> list[str]:
    """`--require` suites, or every suite of the gate file when none is named; then `CALLS_THE_MODEL`."""
    named = list(request.require) or list(load_gates(request.gate))
    return list(dict.fromkeys([*named, *CALLS_THE_MODEL]))


async def promote(settings: Settings, request: PromoteRequest) -> tuple[PromotionCheck, str]:
    """Record the promotion if the evaluations allow it; returns the check and the config hash.

    Retiring or demoting to `candidate` needs no evidence; production needs a passing run of every
    required suite, those of `CALLS_THE_MODEL` served by `request.model`. Raises `ConfigError` for a
    model the catalog does not have.
    """
    names = {d.name for d in settings.models.deployments}
    if request.model not in names:
        raise ConfigError(f"no model {request.model!r} in the catalog; it has {sorted(names)}")
    digest = config_hash(settings)
    signer = signer_for(settings)  # before any change: a key that cannot be read stops it
    async with open_store(settings) as store:
        if request.stage == "production":
            check = await check_promotion(
                SqlEvalRuns(store.engine), required_suites(request), config_hash=digest,
                model=request.model, calling=CALLS_THE_MODEL,
            )  # fmt: skip
        else:
            check = PromotionCheck({}, ())
        if check.allowed:
            promotion = Promotion(request.model, request.stage, config_hash=digest, evidence=check.evidence,
                                  note=request.note)  # fmt: skip
            await SqlModelRegistry(store.engine).add(promotion)
            details = {"stage": request.stage, "config_hash": digest[:16], **check.evidence}
            await SqlAuditLog(store.engine, signer).append(
                AuditEvent("model.promote", actor="cli", target=request.model, details=details)
            )
    return check, digest


async def history(settings: Settings, model: str | None) -> Sequence[Promotion]:
    """The registry's promotions (of `model` if given), oldest first."""
    async with open_store(settings) as store:
        return await SqlModelRegistry(store.engine).history(model)


async def card(
    settings: Settings, model: str, changes: dict[str, str | None]
) -> tuple[ModelCard | None, Sequence[Promotion]]:
    """The model's card after writing `changes` (those not None; none: only read), and its promotions.

    A change is a new version of the card, audited (`model.card`). Raises `ConfigError` for a model
    the catalog does not have.
    """
    names = {d.name for d in settings.models.deployments}
    if model not in names:
        raise ConfigError(f"no model {model!r} in the catalog; it has {sorted(names)}")
    signer = signer_for(settings)
    async with open_store(settings) as store:
        cards = SqlCardStore(store.engine)
        found = await current(cards, model)
        changed = sorted(k for k, v in changes.items() if v is not None)
        if changed:
            found = (found or ModelCard(model)).updated(changes, by="cli", at=datetime.now(UTC))
            await cards.add(found)
            event = AuditEvent("model.card", actor="cli", target=model, details={"fields": ",".join(changed)})
            await SqlAuditLog(store.engine, signer).append(event)
        return found, await SqlModelRegistry(store.engine).history(model)


def config_items(settings: Settings) -> list[Item]:
    """What is versioned, as configured now.

    Each model deployment (its settings, secrets masked), each agent file and its prompt
    (`instructions`), and the guardrail policy file.
    """
    import yaml

    items = [
        Item("model", d.name, content_hash(json.dumps(d.model_dump(mode="json"), sort_keys=True).encode()))
        for d in settings.models.deployments
    ]
    policy = settings.guardrails.policy
    if policy.is_file():
        items.append(Item("guardrail-policy", policy.name, content_hash(policy.read_bytes())))
    agents_dir = settings.orchestrator.agents_dir
    for path in sorted(agents_dir.glob("*.yaml")) if agents_dir.is_dir() else []:
        raw = path.read_bytes()
        items.append(Item("agent", path.stem, content_hash(raw)))
        spec = yaml.safe_load(raw)
        prompt = spec.get("instructions") if isinstance(spec, dict) else None
        if isinstance(prompt, str):
            items.append(Item("prompt", path.stem, content_hash(prompt.encode())))
    return items


async def versions(
    settings: Settings, *, kind: Kind | None, name: str | None, record_as: str | None
) -> tuple[list[ConfigVersion], Sequence[ConfigVersion]]:
    """Record the items that changed (when `record_as` names who), then the history (filtered).

    Returns the versions just recorded and the history, oldest first.
    """
    items = config_items(settings) if record_as else []
    async with open_store(settings) as store:
        found = SqlVersionStore(store.engine)
        recorded = await record(found, items, by=record_as) if record_as else []
        return recorded, await found.history(kind, name)
