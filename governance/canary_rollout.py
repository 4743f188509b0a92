"""`CanaryRollout`: start, stop and judge canaries; every decision in the audit log.

`look()` compares a running canary's arms (`canary_compare.compare`) and, when the verdict is
`promote` or `rollback`, acts: the state changes for every replica at once (the database), a
promotion is also recorded in the model registry (`by: canary:<id>`, the canary as its evidence),
and the decision is audited with its figures. `watch()` looks at every running canary now and then;
each replica may run it, the compare-and-set on `looks` lets only one of them act on a look.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import UTC, datetime

import anyio
from socle.governance.audit import AuditEvent, AuditLog, Detail
from socle.governance.canary import Canary, CanaryStore, decided, new_canary_id
from socle.governance.canary_compare import CanaryPolicy, compare
from socle.governance.canary_samples import CanarySamples
from socle.governance.registry import ModelRegistry, Promotion

from socle.errors import InvalidRequestError, NotFoundError, StorageError

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class CanaryRollout:
    """The canaries of one deployment of Socle, judged by `policy` on the evidence of `samples`.

    `models`: the catalog's names, which a canary must name (empty: not checked). `registry`: where a
    promotion is recorded, with `config_hash` (None: nowhere). `clock`: the time of decisions.
    """

    store: CanaryStore
    samples: CanarySamples
    _: KW_ONLY
    audit: AuditLog
    policy: CanaryPolicy = field(default_factory=CanaryPolicy)
    registry: ModelRegistry | None = None
    models: Collection[str] = ()
    config_hash: str = ""
    clock: Callable[[], datetime] = _now

    async def list(self) -> Sequence[Canary]:
        """Every canary, newest first."""
        return await self.store.list()

    async def get(self, canary_id: str) -> Canary:
        """The canary `canary_id`. Raises `NotFoundError`."""
        found = next((c for c in await self.store.list() if c.canary_id == canary_id), None)
        if found is None:
            raise NotFoundError(f"no canary {canary_id!r}; `socle models canary status` lists them")
        return found

    async def start(self, candidate: str, production: str, share: float, *, by: str) -> Canary:
        """Send `share` of `production`'s conversations to `candidate`. Raises `InvalidRequestError`."""
        self._check_models(candidate, production)
        if not 0.0 < share <= 1.0:
            raise InvalidRequestError(
                f"share must be above 0% and at most 100%, not {share:.0%}", param="share"
            )
        for other in await self.store.list():
            if other.active and {other.candidate, other.production} & {candidate, production}:
                raise InvalidRequestError(
                    f"canary {other.canary_id} ({other.candidate} for {other.production}) is {other.status}: "
                    "stop it first",
                    param="production",
                )  # fmt: skip
        canary = Canary(new_canary_id(), candidate, production, share=share, started_at=self.clock(), by=by)
        await self.store.add(canary)
        await self._audit("model.canary.start", canary, by, {"share": share})
        return canary

    def _check_models(self, candidate: str, production: str) -> None:
        if candidate == production:
            raise InvalidRequestError("the candidate and production must be two models", param="candidate")
        for param, name in (("candidate", candidate), ("production", production)):
            if self.models and name not in self.models:
                raise InvalidRequestError(
                    f"no model {name!r} in the catalog; it has {sorted(self.models)}", param=param
                )

    async def stop(self, canary_id: str, *, by: str) -> Canary:
        """End a running or promoted canary: traffic goes back to production's deployments.

        Raises `NotFoundError`, and `InvalidRequestError` when it already ended or changed meanwhile.
        """
        canary = await self.get(canary_id)
        if not canary.active:
            raise InvalidRequestError(f"canary {canary_id} already ended ({canary.status})")
        stopped = replace(
            canary,
            status="stopped",
            looks=canary.looks + 1,
            decided_at=self.clock(),
            reason=f"stopped by {by}",
        )
        if not await self.store.record(stopped, looks_before=canary.looks):
            raise InvalidRequestError(f"canary {canary_id} changed meanwhile; look again and retry")
        await self._audit("model.canary.stop", stopped, by, {"was": canary.status})
        return stopped

    async def look(self, canary: Canary) -> Canary:
        """Compare a running canary's arms now and act on the verdict; returns it as it now stands."""
        if canary.status != "running":
            return canary
        candidate, production = await self.samples.arms(canary)
        comparison = compare(candidate, production, self.policy, spent_before=canary.alpha_spent)
        judged = decided(canary, comparison, self.clock())
        if not await self.store.record(judged, looks_before=canary.looks):
            return await self.get(canary.canary_id)  # another replica looked first: its look stands
        if judged.status != canary.status:
            await self._act(judged)
        return judged

    async def look_all(self) -> Sequence[Canary]:
        """`look()` at every running canary."""
        return [await self.look(c) for c in await self.store.list() if c.status == "running"]

    async def watch(self, every_s: float) -> None:
        """Look at the running canaries every `every_s` seconds, forever (cancel it to stop).

        The first look waits `every_s` (a canary has no samples at start), and a look runs to its end,
        shielded for at most `every_s`: cancelling a database call midway leaves its connection to a
        close that never finishes, and the server's shutdown would wait on it.
        """
        while True:
            await anyio.sleep(every_s)
            with anyio.move_on_after(every_s, shield=True):
                try:
                    await self.look_all()
                except StorageError as e:
                    logger.warning("canary check failed, will retry: %s", e.message)

    async def _act(self, canary: Canary) -> None:
        comparison = canary.comparison
        assert comparison is not None
        figures: dict[str, Detail] = {
            "candidate_requests": comparison.candidate_requests,
            "production_requests": comparison.production_requests,
            "alpha_spent": round(comparison.alpha_spent, 6),
            "reason": canary.reason,
        }
        if canary.status == "promoted":
            if self.registry is not None:
                evidence = {"canary": canary.canary_id}
                await self.registry.add(Promotion(
                    canary.candidate, "production", config_hash=self.config_hash, evidence=evidence,
                    by=f"canary:{canary.canary_id}", at=self.clock(), note=canary.reason,
                ))  # fmt: skip
            await self._audit("model.canary.promote", canary, "canary", figures)
        else:
            await self._audit("model.canary.rollback", canary, "canary", figures)

    async def _audit(self, action: str, canary: Canary, by: str, extra: dict[str, Detail]) -> None:
        details: dict[str, Detail] = {"canary": canary.canary_id, "production": canary.production, **extra}
        try:
            await self.audit.append(AuditEvent(action, actor=by, target=canary.candidate, details=details))
        except StorageError as e:  # the decision stands; a lost record is an error to alert on
            logger.error("audit record lost: %s of canary %s: %s", action, canary.canary_id, e.message)
