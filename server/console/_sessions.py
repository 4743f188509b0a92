"""Console sessions in this process's memory, the session cookie, and the CSRF check.

Signing in exchanges an API key for a session (`governance.console_sessions`); the key itself is
never stored, in the cookie or anywhere: only the SHA-256 digest the key store already indexes, so
each request re-checks that the key is still active. Each session has its own CSRF token, which
every console POST must echo (a form field, or the `x-csrf-token` header htmx sends).

The server keeps its sessions in the database every replica shares (`SqlConsoleSessions`, set on
`Deps.console_sessions`); `ConsoleSessions` here serves an app built without one (tests, embedded).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from socle.governance.console_sessions import Session, new_session

COOKIE = "socle_console"


class ConsoleSessions:
    """A `ConsoleSessionStore` in this process's memory: `ttl_s` seconds each, `max_sessions` at once.

    Replicas do not share these: the server uses the database's (`SqlConsoleSessions`).
    """

    def __init__(
        self,
        *,
        ttl_s: float = 8 * 3600,
        max_sessions: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._ttl_s = ttl_s
        self._max = max_sessions
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    async def open(self, key_digest: str, key_id: str) -> tuple[str, Session]:
        now = self._clock()
        self._sessions = {k: s for k, s in self._sessions.items() if s.expires_at > now}
        while len(self._sessions) >= self._max:  # the oldest go first
            del self._sessions[next(iter(self._sessions))]
        session_id, session = new_session(key_digest, key_id, now + self._ttl_s)
        self._sessions[session_id] = session
        return session_id, session

    async def get(self, session_id: str | None) -> Session | None:
        session = self._sessions.get(session_id or "")
        if session is None or session.expires_at <= self._clock():
            return None
        return session

    async def close(self, session_id: str | None) -> None:
        self._sessions.pop(session_id or "", None)

    async def close_key(self, key_id: str) -> int:
        ended = [k for k, s in self._sessions.items() if s.key_id == key_id]
        for session_id in ended:
            del self._sessions[session_id]
        return len(ended)


def csrf_ok(session: Session, sent: str | None) -> bool:
    """True when `sent` is the session's CSRF token (compared in constant time)."""
    return sent is not None and hmac.compare_digest(session.csrf.encode(), sent.encode())
