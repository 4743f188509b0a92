"""OIDC bearer tokens: a JWT of the configured issuer becomes a `Principal`. The only module importing `jwt`.

The token's signature is checked against the issuer's JSON Web Key Set (read from a file: the
document at the issuer's `jwks_uri`, saved by the operator; nothing is fetched at run time), then
its `iss`, `exp` (and `nbf`, `iat`), and `aud` when configured. Claims map to the caller: the tenant
claim (required), the strongest role the roles claim names (`ROLES` order), the groups claim. The
caller's id is `jwt-` and 12 hex characters of a hash of issuer and subject: stable per person,
and no e-mail or name in the logs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import jwt
from socle.governance.base import ROLES, Principal, Role

from socle.errors import AuthenticationError, ConfigError
from socle.settings_access import OidcSettings


def looks_like_jwt(token: str) -> bool:
    """True for three dot-separated parts (a JWS compact token), as no Socle API key is."""
    return token.count(".") == 2


def role_of(claim: object, default: Role) -> Role:
    """The strongest known role a roles claim names (a list or one string), else `default` (pure)."""
    named = {claim} if isinstance(claim, str) else set(claim) if isinstance(claim, list) else set()
    return next((r for r in ROLES if r in named), default)


def caller_id(issuer: str, subject: str) -> str:
    """The key id of a token's caller: stable, short, and not the subject itself (pure)."""
    return "jwt-" + hashlib.sha256(f"{issuer}\0{subject}".encode()).hexdigest()[:12]


class OidcVerifier:
    """Verify JWTs of one issuer against its key set."""

    def __init__(self, settings: OidcSettings, jwks: Mapping[str, object]) -> None:
        self._settings = settings
        try:
            self._keys = jwt.PyJWKSet.from_dict(dict(jwks))
        except jwt.PyJWTError as e:
            raise ConfigError(f"auth.oidc: the JWKS holds no usable key: {e}") from e

    @classmethod
    def from_settings(cls, settings: OidcSettings) -> OidcVerifier:
        """Read the key set file. Raises `ConfigError` naming the file when it is unreadable."""
        try:
            jwks = json.loads(settings.jwks_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ConfigError(f"auth.oidc.jwks_file {str(settings.jwks_file)!r}: {e}") from e
        return cls(settings, jwks)

    def verify(self, token: str) -> Principal:
        """The caller of a valid token. Raises `AuthenticationError` (401) saying what is wrong."""
        s = self._settings
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = next((k for k in self._keys.keys if kid is None or k.key_id == kid), None)
            if key is None:
                raise AuthenticationError("bearer token signed by an unknown key (kid)")
            claims = jwt.decode(
                token, key=key, algorithms=list(s.algorithms), issuer=s.issuer, audience=s.audience,
                options={"require": ["exp", "iss", "sub"], "verify_aud": s.audience is not None},
            )  # fmt: skip
        except jwt.ExpiredSignatureError as e:
            raise AuthenticationError("bearer token has expired") from e
        except jwt.PyJWTError as e:
            raise AuthenticationError(f"invalid bearer token ({type(e).__name__})") from e
        tenant = claims.get(s.tenant_claim)
        if not isinstance(tenant, str) or not tenant:
            raise AuthenticationError(f"bearer token has no {s.tenant_claim!r} claim naming a tenant")
        groups = claims.get(s.groups_claim, [])
        role = role_of(claims.get(s.roles_claim), s.default_role)
        return Principal(
            caller_id(s.issuer, str(claims["sub"])), tenant, role, name="oidc",
            groups=tuple(str(g) for g in groups) if isinstance(groups, list) else (),
        )  # fmt: skip
