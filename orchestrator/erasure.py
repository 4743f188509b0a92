"""Erasure in run checkpoints: every run whose saved state names the subject is deleted whole.

A run's report is read from its checkpoints (`report.py`), so deleting the run's thread deletes
its report too. A run names the subject when any checkpoint, its metadata or a pending write holds
the value (the question, a step's prompt or answer, a retrieved chunk), or when it ran in a
conversation whose pseudonyms hide the subject (`Subject.conversations`): its steps then hold the
subject's placeholders, which stand for the subject.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from langgraph.checkpoint.base import CheckpointTuple
from socle.guardrails.base import ConversationScope
from socle.orchestrator.checkpoints import Checkpointer

from socle.subjects import Subject


@dataclass(slots=True)
class _Thread:
    tenant_id: str | None = None
    names: bool = False


def _text(saved: CheckpointTuple) -> str:
    """Everything a checkpoint keeps, as one text (objects by their `str`, which shows their fields)."""
    kept = [saved.checkpoint, saved.metadata, saved.pending_writes or []]
    return json.dumps(kept, default=str, ensure_ascii=False)


def _conversation(values: dict[str, object]) -> str | None:
    """The vault name of the conversation a run ran in, if it had one."""
    tenant, key, conversation = (values.get(k) for k in ("tenant_id", "key_id", "conversation_id"))
    if not (isinstance(tenant, str) and isinstance(key, str) and isinstance(conversation, str)):
        return None
    return ConversationScope(tenant, key, conversation).vault_name()


class CheckpointErasure:
    """An `ErasureTarget` over the runs' checkpointer: counts (and deletes) the runs naming the subject."""

    name = "runs"

    def __init__(self, checkpointer: Checkpointer) -> None:
        self._checkpointer = checkpointer

    async def erase(self, subject: Subject, *, tenant_id: str | None, dry_run: bool) -> int:
        threads: dict[str, _Thread] = {}
        async for saved in self._checkpointer.alist(None):
            thread = threads.setdefault(str(saved.config["configurable"]["thread_id"]), _Thread())
            values = saved.checkpoint.get("channel_values") or {}
            if isinstance(values.get("tenant_id"), str):
                thread.tenant_id = values["tenant_id"]
            if not thread.names:
                conversation = _conversation(values)
                hidden = conversation is not None and conversation in subject.conversations
                thread.names = hidden or subject.found_in(_text(saved))
        found = sorted(t for t, s in threads.items() if s.names and tenant_id in (None, s.tenant_id))
        if not dry_run:
            for run_id in found:
                await self._checkpointer.adelete_thread(run_id)
        return len(found)
