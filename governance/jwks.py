"""Where an OIDC issuer's keys come from: a file read once, or its `jwks_uri` fetched and cached.

`UrlKeys` keeps the key set for `ttl_s`, fetches it again early when a token names a key it does
not hold (the issuer rotated its keys), at most once per `min_refetch_s`, and keeps serving the
keys it has when a fetch fails (logged), so an issuer outage does not lock everyone out until the
cache is refreshed. The key set is parsed by `governance.oidc` (the only module importing `jwt`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Protocol

import anyio
import httpx

from socle.errors import ConfigError, UpstreamUnavailableError

logger = logging.getLogger(__name__)

Jwks = Mapping[str, object]
Fetch = Callable[[str], Awaitable[Jwks]]


class KeySource(Protocol):
    """An issuer's JSON Web Key Set."""

    async def jwks(self, *, unknown_kid: bool = False) -> Jwks:
        """The key set; `unknown_kid`: a token named a key the last one lacked (a rotation?)."""
        ...


class FileKeys:
    """A key set saved as a file by the operator, read at start (nothing fetched at run time)."""

    def __init__(self, path: Path) -> None:
        try:
            self._jwks: Jwks = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ConfigError(f"auth.oidc.jwks_file {str(path)!r}: {e}") from e

    async def jwks(self, *, unknown_kid: bool = False) -> Jwks:
        return self._jwks

    def jwks_now(self) -> Jwks:
        """The key set, without waiting (it was read at start)."""
        return self._jwks


async def fetch_jwks(url: str) -> Jwks:
    """GET the key set at `url`. Raises `httpx.HTTPError` or `ValueError` (not a JSON object)."""
    async with httpx.AsyncClient(timeout=10, follow_redirects=False) as client:
        response = await client.get(url, headers={"accept": "application/json"})
        response.raise_for_status()
        found = response.json()
    if not isinstance(found, dict) or not isinstance(found.get("keys"), list) or not found["keys"]:
        raise ValueError("the key set is not a JSON object with a list of keys")
    return found


class UrlKeys:
    """The key set at `url`, cached for `ttl_s`; refetched early on an unknown key id (rate-limited).

    Args:
        url: the issuer's `jwks_uri`.
        ttl_s: how long a fetched key set is used before it is fetched again.
        min_refetch_s: the least time between two fetches (unknown key ids, failed fetches).
        fetch: how to get the key set (default: HTTP GET); tests pass a fake.
        clock: monotonic seconds (tests pass a fake).
    """

    def __init__(
        self,
        url: str,
        *,
        ttl_s: float = 300.0,
        min_refetch_s: float = 30.0,
        fetch: Fetch = fetch_jwks,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url, self.ttl_s, self.min_refetch_s = url, ttl_s, min_refetch_s
        self._fetch, self._clock = fetch, clock
        self._jwks: Jwks | None = None
        self._fetched_at = float("-inf")  # the last successful fetch
        self._tried_at = float("-inf")  # the last attempt, successful or not
        self._lock = anyio.Lock()

    async def jwks(self, *, unknown_kid: bool = False) -> Jwks:
        """The cached key set, fetched first when it is stale (or a key id is unknown) and allowed.

        Raises:
            UpstreamUnavailableError: no key set was ever fetched and the issuer cannot be reached.
        """
        async with self._lock:  # one fetch at a time; the others wait for its result
            if self._due(unknown_kid):
                await self._refresh()
            if self._jwks is None:
                raise UpstreamUnavailableError(
                    "the OIDC issuer's keys (auth.oidc.jwks_url) cannot be fetched"
                )
            return self._jwks

    def _due(self, unknown_kid: bool) -> bool:
        now = self._clock()
        if now - self._tried_at < self.min_refetch_s:
            return False
        return unknown_kid or self._jwks is None or now - self._fetched_at >= self.ttl_s

    async def _refresh(self) -> None:
        self._tried_at = self._clock()
        try:
            self._jwks = await self._fetch(self.url)
        except (httpx.HTTPError, ValueError) as e:
            kept = "keeping the key set fetched before" if self._jwks is not None else "no key set yet"
            logger.warning("fetching the OIDC key set failed (%s); %s", type(e).__name__, kept)
            return
        self._fetched_at = self._tried_at
        logger.info("fetched the OIDC key set")
