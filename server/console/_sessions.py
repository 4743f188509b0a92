"""Console sessions: the browser holds a random session id, the server what it stands for.

Signing in exchanges an API key for a session; the key itself is never stored, in the cookie or
here: only the SHA-256 digest the key store already indexes, so each request re-checks that the key
is still active (a revoked key ends its sessions at once). Each session has its own CSRF token,
which every console POST must echo (a form field, or the `x-csrf-token` header htmx sends).
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

COOKIE = "socle_console"


@dataclass(frozen=True, slots=True)
class Session:
    """One signed-in browser: the digest of the key it signed in with, and its CSRF token."""

    key_digest: str
    csrf: str
    expires_at: float


class ConsoleSessions:
    """Sessions in this process's memory, for `ttl_s` seconds each, at most `max_sessions` at once.

    Replicas do not share them: behind a load balancer, pin console traffic to one replica or sign
    in again (a session is one sign-in).
    """

    def __init__(
        self,
        *,
        ttl_s: float = 8 * 3600,
        max_sessions: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl_s = ttl_s
        self._max = max_sessions
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def open(self, key_digest: str) -> tuple[str, Session]:
        """A new session for the key of `key_digest`; returns its id (the cookie's value) and itself."""
        now = self._clock()
        self._sessions = {k: s for k, s in self._sessions.items() if s.expires_at > now}
        while len(self._sessions) >= self._max:  # the oldest go first
            del self._sessions[next(iter(self._sessions))]
        session_id = secrets.token_urlsafe(32)
        session = Session(key_digest, secrets.token_urlsafe(24), now + self._ttl_s)
        self._sessions[session_id] = session
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        """The live session of `session_id`, or None (unknown, expired or signed out)."""
        session = self._sessions.get(session_id or "")
        if session is None or session.expires_at <= self._clock():
            return None
        return session

    def close(self, session_id: str | None) -> None:
        """Sign out: forget the session."""
        self._sessions.pop(session_id or "", None)


def csrf_ok(session: Session, sent: str | None) -> bool:
    """True when `sent` is the session's CSRF token (compared in constant time)."""
    return sent is not None and hmac.compare_digest(session.csrf.encode(), sent.encode())
