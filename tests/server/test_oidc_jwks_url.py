"""OIDC keys by URL: fetched from a local HTTP server the test runs, cached for a TTL, refetched on
an unknown key id (at most once per interval), and kept when the issuer cannot be reached."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from socle.governance.jwks import UrlKeys
from socle.governance.oidc import OidcVerifier

from socle.errors import AuthenticationError, UpstreamUnavailableError
from socle.settings_access import OidcSettings
from tests.conftest import App
from tests.server.test_oidc import ISSUER, RSA_KEY, _token

pytestmark = pytest.mark.anyio
NEW_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: Any, kid: str) -> dict[str, Any]:
    return {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "use": "sig"}


class Issuer:
    """A JWKS endpoint on 127.0.0.1: the keys it serves, whether it is up, the GETs it answered."""

    def __init__(self) -> None:
        self.keys = [_jwk(RSA_KEY, "rsa1")]
        self.up = True
        self.gets = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.gets += 1
                body = json.dumps({"keys": issuer.keys}).encode() if issuer.up else b"down"
                self.send_response(200 if issuer.up else 503)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/certs"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    served = Issuer()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _verifier(issuer: Issuer, clock: Clock) -> OidcVerifier:
    settings = OidcSettings(issuer=ISSUER, jwks_url=issuer.url, audience="socle")
    keys = UrlKeys(issuer.url, ttl_s=300, min_refetch_s=30, clock=clock)
    return OidcVerifier(settings, keys)


async def test_keys_are_fetched_once_and_again_after_the_ttl(issuer: Issuer, clock: Clock) -> None:
    verifier = _verifier(issuer, clock)
    for _ in range(3):
        assert (await verifier.verify(_token())).tenant_id == "acme"
    assert issuer.gets == 1
    clock.now += 301
    await verifier.verify(_token())
    assert issuer.gets == 2


async def test_a_rotated_key_is_fetched_at_its_first_token_and_unknown_kids_are_rate_limited(
    issuer: Issuer, clock: Clock
) -> None:
    verifier = _verifier(issuer, clock)
    await verifier.verify(_token())
    clock.now += 31
    issuer.keys = [_jwk(NEW_KEY, "rsa2")]  # the issuer rotates its key
    assert (await verifier.verify(_token(NEW_KEY, "rsa2"))).tenant_id == "acme"
    assert issuer.gets == 2
    for n in range(5):  # forged kids: one refetch at most per min_refetch_s
        with pytest.raises(AuthenticationError, match="unknown key"):
            await verifier.verify(_token(NEW_KEY, f"forged{n}"))
    assert issuer.gets == 2
    clock.now += 31
    with pytest.raises(AuthenticationError, match="unknown key"):
        await verifier.verify(_token(NEW_KEY, "forged"))
    assert issuer.gets == 3


async def test_the_stale_key_set_is_kept_while_the_issuer_is_down(issuer: Issuer, clock: Clock) -> None:
    verifier = _verifier(issuer, clock)
    await verifier.verify(_token())
    issuer.up = False
    clock.now += 301
    assert (await verifier.verify(_token())).tenant_id == "acme"  # the fetch failed: the old keys serve
    assert issuer.gets == 2
    issuer.up = True
    clock.now += 31  # the next try is after min_refetch_s
    await verifier.verify(_token())
    assert issuer.gets == 3


async def test_without_any_key_set_a_token_is_a_503(issuer: Issuer, clock: Clock, app: App) -> None:
    issuer.up = False
    app.deps.oidc = _verifier(issuer, clock)
    with pytest.raises(UpstreamUnavailableError):
        await app.deps.oidc.verify(_token())
    clock.now += 31
    response = await app.http.get("/v1/models", headers={"authorization": f"Bearer {_token()}"})
    assert response.status_code == 503 and "jwks_url" in response.json()["error"]["message"]
    issuer.up = True
    clock.now += 31
    response = await app.http.get("/v1/models", headers={"authorization": f"Bearer {_token()}"})
    assert response.status_code == 200


def test_the_settings_take_exactly_one_key_source(issuer: Issuer) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        OidcSettings(issuer=ISSUER)
    with pytest.raises(ValueError, match="exactly one"):
        OidcSettings(issuer=ISSUER, jwks_url=issuer.url, jwks_file="jwks.json")  # type: ignore[arg-type]
    verifier = OidcVerifier.from_settings(OidcSettings(issuer=ISSUER, jwks_url=issuer.url))
    assert issuer.gets == 0  # fetched at the first token, not at start
    assert verifier is not None
