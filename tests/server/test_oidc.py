"""OIDC bearer tokens: JWTs signed with keys the test generates, checked against a JWKS file."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from socle.governance.oidc import OidcVerifier, caller_id, role_of

from socle.errors import ConfigError
from socle.settings_access import OidcSettings
from tests.conftest import App

pytestmark = pytest.mark.anyio
ISSUER = "https://idp.example.com/realms/acme"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwks(path: Path) -> Path:
    rsa_jwk = json.loads(RSAAlgorithm.to_jwk(RSA_KEY.public_key()))
    ec_jwk = json.loads(ECAlgorithm.to_jwk(EC_KEY.public_key()))
    path.write_text(
        json.dumps({"keys": [{**rsa_jwk, "kid": "rsa1", "use": "sig"}, {**ec_jwk, "kid": "ec1"}]})
    )
    return path


def _token(key: object = RSA_KEY, kid: str = "rsa1", alg: str = "RS256", **claims: object) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "user-42", "aud": "socle", "iat": now, "exp": now + 300, "tenant": "acme",
            **claims}  # fmt: skip
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})  # type: ignore[arg-type]


@pytest.fixture
def verifier(tmp_path: Path) -> OidcVerifier:
    settings = OidcSettings(issuer=ISSUER, jwks_file=_jwks(tmp_path / "jwks.json"), audience="socle")
    return OidcVerifier.from_settings(settings)


@pytest.fixture
def with_oidc(app: App, verifier: OidcVerifier) -> App:
    app.deps.oidc = verifier
    return app


async def test_a_valid_token_calls_the_api_as_its_tenant_and_role(with_oidc: App) -> None:
    token = _token(roles=["user"], groups=["sales"])
    models = await with_oidc.http.get("/v1/models", headers={"authorization": f"Bearer {token}"})
    assert models.status_code == 200
    keys = await with_oidc.http.get("/v1/admin/keys", headers={"authorization": f"Bearer {token}"})
    assert keys.status_code == 403  # a user may not read keys
    admin = _token(roles=["offline_access", "admin"])
    listed = await with_oidc.http.get("/v1/admin/keys", headers={"authorization": f"Bearer {admin}"})
    assert listed.status_code == 200 and {k["tenant"] for k in listed.json()["data"]} == {"acme"}


async def test_claims_map_to_the_principal(verifier: OidcVerifier) -> None:
    caller = await verifier.verify(
        _token(EC_KEY, "ec1", "ES256", roles=["approver", "user"], groups=["legal"])
    )
    assert (caller.tenant_id, caller.role, caller.groups) == ("acme", "user", ("legal",))
    assert caller.key_id == caller_id(ISSUER, "user-42") and "user-42" not in caller.key_id
    assert caller.scope == "tenant" and not caller.reaches_every_tenant


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (lambda: _token(exp=int(time.time()) - 10), "expired"),
        (lambda: _token(iss="https://evil.example.com"), "InvalidIssuerError"),
        (lambda: _token(aud="other"), "InvalidAudienceError"),
        (lambda: _token(OTHER_KEY), "InvalidSignatureError"),
        (lambda: _token(kid="unknown"), "unknown key"),
        (lambda: _token(tenant=""), "'tenant' claim"),
        (lambda: _token(alg="HS256", key="a-shared-secret-of-32-bytes-or-more!"), "InvalidAlgorithmError"),
    ],
)
async def test_bad_tokens_are_401s_saying_why(with_oidc: App, token: object, message: str) -> None:
    assert callable(token)
    response = await with_oidc.http.get("/v1/models", headers={"authorization": f"Bearer {token()}"})
    assert response.status_code == 401
    assert message in response.json()["error"]["message"]
    assert response.json()["error"]["type"] == "authentication_error"


async def test_api_keys_still_work_beside_tokens(with_oidc: App) -> None:
    response = await with_oidc.http.get(
        "/v1/models", headers={"authorization": f"Bearer {with_oidc.user_key}"}
    )
    assert response.status_code == 200


def test_role_of_takes_the_strongest_known_role() -> None:
    assert role_of(["user", "admin"], "user") == "admin"
    assert role_of("auditor", "user") == "auditor"
    assert role_of(["superuser"], "user") == "user"
    assert role_of(None, "approver") == "approver"


def test_an_unreadable_jwks_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="jwks_file"):
        OidcVerifier.from_settings(OidcSettings(issuer=ISSUER, jwks_file=tmp_path / "missing.json"))
