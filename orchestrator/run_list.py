"""Lists of runs: one line per run (`RunSummary`), and which lines a query shows, a page at a time.

Pure values and functions: the orchestrator reads the summaries from its checkpoints, the HTTP
layer decides whose runs the caller may list (`governance.access`), and `select` filters and pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socle.orchestrator.state import RunState


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One line of a run list: who started it, on which model (or agent), and where it stands."""

    run_id: str
    model: str
    tenant_id: str
    key_id: str
    status: str
    created_at: float
    waiting: bool  # pending actions wait for an approval
    agent: str | None = None  # the agent of `socle-agent/<name>`; None for the orchestrator

    @classmethod
    def of(cls, run_id: str, values: RunState, *, waiting: bool) -> RunSummary:
        status = "awaiting_approval" if waiting else str(values.get("status") or "running")
        model, tenant_id, key_id = (str(values.get(k, "")) for k in ("model", "tenant_id", "key_id"))
        created_at = float(values.get("created_at", 0.0))
        return cls(run_id, model, tenant_id, key_id, status, created_at, waiting, values.get("agent"))


@dataclass(frozen=True, slots=True)
class RunQuery:
    """Which runs to list. None matches anything.

    Args:
        tenant_id: only this tenant's runs.
        key_id: only the runs this key started.
        status: only runs in this status (`awaiting_approval` for those waiting for a decision).
        agent: only runs of `socle-agent/<agent>`.
        since: only runs created at or after this time (seconds since the epoch).
        after: the page after the run with this id (the `last_id` of the previous page).
        limit: the most runs of one page.
    """

    tenant_id: str | None = None
    key_id: str | None = None
    status: str | None = None
    agent: str | None = None
    since: float | None = None
    after: str | None = None
    limit: int = 20

    def matches(self, run: RunSummary) -> bool:
        """True when `run` passes every filter of the query (not the paging)."""
        wanted = ((self.tenant_id, run.tenant_id), (self.key_id, run.key_id), (self.status, run.status),
                  (self.agent, run.agent))  # fmt: skip
        recent = self.since is None or run.created_at >= self.since
        return recent and all(want is None or want == have for want, have in wanted)


@dataclass(frozen=True, slots=True)
class RunPage:
    """One page of a run list, newest first; `has_more` when a next page (`after=runs[-1]`) has runs."""

    runs: tuple[RunSummary, ...]
    has_more: bool


def select(runs: Sequence[RunSummary], query: RunQuery) -> RunPage:
    """The page of `runs` that `query` asks for, newest first (ties by id, so pages never overlap)."""
    shown = sorted((r for r in runs if query.matches(r)), key=lambda r: (-r.created_at, r.run_id))
    if query.after is not None:
        ids = [r.run_id for r in shown]
        shown = shown[ids.index(query.after) + 1 :] if query.after in ids else []
    return RunPage(tuple(shown[: query.limit]), len(shown) > query.limit)
