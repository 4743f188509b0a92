"""Answer checks: what the `Gateway` verifies before serving a whole answer (the cascade's seam).

A check judges one non-streamed answer and returns a `Checked` value. A failed check of an `auto`
call that has a stronger candidate makes the gateway ask once more, one tier up, and record why;
otherwise `Checked.error` is raised, or the answer is served as it is when the check has none.

    JsonCheck()                      # built in: a `response_format` JSON answer must parse
    GuardedGateway's output rails    # socle.guardrails.gateway: a blocked answer escalates
"""

from __future__ import annotations

import json
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Protocol

from socle.router.base import Completion

from socle.errors import SocleError

if TYPE_CHECKING:
    from socle.router.base import CallTrace, ChatRequest


@dataclass(frozen=True, slots=True)
class Checked:
    """What one check decided about one answer.

    Args:
        completion: the answer to serve, rewritten when the check rewrites (redactions, pseudonyms
            restored); the answer as received when the check failed.
        failure: why a stronger model should answer instead (`"invalid JSON"`, `"output blocked by
            toxicity"`); None when the answer passed. It becomes a metric label and a route reason:
            it names rails and contracts, never the text.
        error: what to raise when the answer failed and no stronger model can replace it (or the
            stronger one failed too); None serves the failed answer as it is.
    """

    completion: Completion
    _: KW_ONLY
    failure: str | None = None
    error: SocleError | None = None


class AnswerCheck(Protocol):
    """Verifies a whole answer before the gateway serves it."""

    async def check(self, request: ChatRequest, completion: Completion, trace: CallTrace) -> Checked:
        """Judge `completion`, the answer to `request`; may add to `trace.verdicts`.

        Returns the answer to serve, or the failure and the error that refuses it. Never raises on
        content; raises only when the check itself cannot work (a rail's model is missing).
        """
        ...


class JsonCheck:
    """A `response_format` JSON answer must parse; one that does not is served as is if it must."""

    async def check(self, request: ChatRequest, completion: Completion, trace: CallTrace) -> Checked:
        if not request.wants_json or _answers_json(completion):
            return Checked(completion)
        return Checked(completion, failure="invalid JSON")


def _answers_json(completion: Completion) -> bool:
    """True when the first choice's content parses as JSON (or there is no content: tool calls)."""
    choices = completion.body.get("choices")
    message = (
        choices[0].get("message")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict)
        else None
    )
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str) or not content.strip():
        return True
    try:
        json.loads(content)
    except ValueError:
        return False
    return True
