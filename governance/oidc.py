"""OIDC bearer tokens: a JWT of the configured issuer becomes a `Principal`. The only module importing `jwt`.

The token's signature is checked against the issuer's JSON Web Key Set (`governance.jwks`: a file
saved by the operator, or the issuer's `jwks_uri` fetched and cached; a token naming a key the set
lacks makes it fetch again, rate-limited), then
its `iss`, `exp` (and `nbf`, `iat`), and `aud` when configured. Claims map to the caller: the tenant
claim (required), the strongest role the roles claim names (`ROLES` order), the groups claim. The
caller's id is `jwt-` and 12 hex characters of a hash of issuer and subject: stable per person,
and no e-mail or name in the logs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import jwt
from socle.governance.base import ROLES, Principal, Role
from socle.governance.jwks import FileKeys, KeySource, UrlKeys

from socle.errors import AuthenticationError, ConfigError, UpstreamUnavailableError
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

    def __init__(self, settings: OidcSettings, keys: KeySource) -> None:
        self._settings = settings
        self._source = keys
        self._parsed: tuple[Mapping[str, object], jwt.PyJWKSet] | None = None

    @classmethod
    def from_settings(cls, settings: OidcSettings) -> OidcVerifier:
        """The verifier of `auth.oidc`: keys from `jwks_url` (fetched on first use) or `jwks_file`.

        Raises:
            ConfigError: the key file is unreadable or holds no usable key.
        """
        if settings.jwks_url is not None:
            url_keys = UrlKeys(
                settings.jwks_url, ttl_s=settings.jwks_ttl_s, min_refetch_s=settings.jwks_min_refetch_s
            )
            return cls(settings, url_keys)
        assert settings.jwks_file is not None  # OidcSettings requires one of the two
        file_keys = FileKeys(settings.jwks_file)
        try:
            jwt.PyJWKSet.from_dict(dict(file_keys.jwks_now()))
        except jwt.PyJWTError as e:
            raise ConfigError(f"auth.oidc: the JWKS holds no usable key: {e}") from e
        return cls(settings, file_keys)

    async def _key(self, kid: object) -> jwt.PyJWK | None:
        """The key `kid` names (any key when None), asking the source again once when it is unknown."""
        for unknown_kid in (False, True):
            keys = self._keys(await self._source.jwks(unknown_kid=unknown_kid))
            found = next((k for k in keys.keys if kid is None or k.key_id == kid), None)
            if found is not None or kid is None:
                return found
        return None

    def _keys(self, jwks: Mapping[str, object]) -> jwt.PyJWKSet:
        if self._parsed is None or self._parsed[0] is not jwks:  # parsed once per fetched set
            try:
                self._parsed = (jwks, jwt.PyJWKSet.from_dict(dict(jwks)))
            except jwt.PyJWTError as e:
                raise UpstreamUnavailableError("the OIDC issuer's key set holds no usable key") from e
        return self._parsed[1]

    async def verify(self, token: str) -> Principal:
        """The caller of a valid token. Raises `AuthenticationError` (401) saying what is wrong.

        Raises `UpstreamUnavailableError` (503) when the issuer's keys were never fetched.
        """
        s = self._settings
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = await self._key(kid)
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
