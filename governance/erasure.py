"""Right to erasure: remove a data subject's value from every store Socle keeps, and record it.

Each store is an `ErasureTarget` (documents and chunks of each knowledge tier, request-log rows,
run checkpoints, the pseudonym vault, eval runs) that finds what holds the subject's value and
removes it (or, with `dry_run`, only counts it). `Eraser.erase` runs them all, after asking the
pseudonym vault's index which conversations hide the subject: those are erased with the rest.

The audit log is never edited (its chain must still verify): the erasure appends one
`subject.erased` record whose target is `subject_ref`, a keyed hash of the value, so the record
shows that this subject was erased, when and by whom, without holding the value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, replace
from typing import Protocol

from socle.governance.audit import AuditEvent, AuditLog, Detail

from socle.errors import InvalidRequestError
from socle.subjects import Subject, subject_ref

ACTION = "subject.erased"


class ErasureTarget(Protocol):
    """One store that may hold a subject's value."""

    @property
    def name(self) -> str:
        """What the report calls it (`request_log`, `knowledge.internal`, ...)."""
        ...

    async def erase(self, subject: Subject, *, tenant_id: str | None, dry_run: bool) -> int:
        """Remove what holds `subject` (of `tenant_id` if given); returns how many items held it.

        With `dry_run`, changes nothing and returns the same count. Raises `StorageError`.
        """
        ...


class ConversationFinder(Protocol):
    """The pseudonym vault's index: which conversations' pseudonyms hide a value."""

    async def conversations(self, value: str, *, tenant_id: str | None) -> frozenset[str]:
        """The vault names of the conversations whose mapping holds `value`."""
        ...


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What an erasure found (and, unless `dry_run`, removed), store by store."""

    ref: str
    found: dict[str, int]
    _: KW_ONLY
    tenant_id: str | None = None
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.found.values())

    def to_json(self) -> dict[str, object]:
        return {
            "subject_ref": self.ref, "tenant_id": self.tenant_id, "dry_run": self.dry_run,
            "found": dict(self.found), "total": self.total,
        }  # fmt: skip


KEY_LABEL = b"socle-subjects"
"""What the subject key is derived for from the audit signing key (`AuditSigner.derive`)."""


@dataclass(frozen=True, slots=True)
class Eraser:
    """Every store of one Socle instance, and what an erasure needs besides them.

    Args:
        targets: the stores, each an `ErasureTarget`.
        key: keys `subject_ref` (the same in the server and the CLI: derived from the audit key).
        conversations: the pseudonym vault's index (None: no vault to look in).
        audit: where `subject.erased` is appended (None: not recorded; tests only).
    """

    targets: Sequence[ErasureTarget]
    _: KW_ONLY
    key: bytes
    conversations: ConversationFinder | None = None
    audit: AuditLog | None = None

    async def erase(
        self, value: str, *, tenant_id: str | None = None, dry_run: bool = False, actor: str = "cli"
    ) -> ErasureReport:
        """Erase `value` from every target; append `subject.erased` to the audit log unless `dry_run`.

        Raises `InvalidRequestError` for a value too short to name anyone, `StorageError` from a store.
        """
        try:
            subject = Subject(value)
        except ValueError as e:
            raise InvalidRequestError(str(e), param="value") from e
        if self.conversations is not None:
            found = await self.conversations.conversations(value, tenant_id=tenant_id)
            subject = replace(subject, conversations=found)
        counts = {t.name: await t.erase(subject, tenant_id=tenant_id, dry_run=dry_run) for t in self.targets}
        report = ErasureReport(subject_ref(self.key, value), counts, tenant_id=tenant_id, dry_run=dry_run)
        if self.audit is not None and not dry_run:
            details: dict[str, Detail] = {f"found.{name}": n for name, n in counts.items()}
            event = AuditEvent(ACTION, actor=actor, tenant_id=tenant_id, target=report.ref, details=details)
            await self.audit.append(event)
        return report
