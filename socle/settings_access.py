"""Settings of the control plane: API keys, OIDC bearer tokens, rate limits, the approvals outbox.

Part of `socle.settings` (which re-exports these classes); kept apart to hold each module to size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from socle._section import Section as _Section


class OidcSettings(_Section):
    """OIDC bearer tokens: JWTs of one issuer, checked against its keys (JWKS), claims mapped to a caller."""

    issuer: str = Field(..., min_length=1, description="The `iss` every token must carry.")
    jwks_file: Path | None = Field(
        None, description="The issuer's JSON Web Key Set (its jwks_uri document), as a file."
    )
    jwks_url: str | None = Field(
        None,
        pattern=r"^https?://",
        description="The issuer's jwks_uri, fetched and cached (instead of jwks_file).",
    )
    jwks_ttl_s: float = Field(
        300.0, gt=0, description="How long a fetched key set is used before refetching."
    )
    jwks_min_refetch_s: float = Field(
        30.0, ge=0, description="The least time between two fetches (unknown key ids, failed fetches)."
    )
    audience: str | None = Field(None, description="The `aud` tokens must carry (None: not checked).")
    algorithms: tuple[str, ...] = Field(("RS256", "ES256"), description="Signature algorithms accepted.")
    tenant_claim: str = Field("tenant", description="The claim naming the caller's tenant (required).")
    roles_claim: str = Field("roles", description="The claim listing roles; the strongest known one is used.")
    groups_claim: str = Field("groups", description="The claim listing groups (document ACLs).")
    default_role: Literal["admin", "operator", "user", "auditor", "approver"] = Field(
        "user", description="The role of a token whose roles claim names none."
    )

    @model_validator(mode="after")
    def _one_key_source(self) -> OidcSettings:
        if (self.jwks_file is None) == (self.jwks_url is None):
            raise ValueError("auth.oidc needs exactly one of jwks_file and jwks_url")
        return self


class AuthSettings(_Section):
    """API-key verification."""

    key_cache_ttl_s: float = Field(
        5.0, ge=0, description="How long a verified key is trusted before the store is asked again."
    )
    oidc: OidcSettings | None = Field(
        None, description="Accept OIDC bearer tokens (JWTs) besides API keys (docs/governance.md, OIDC)."
    )


class RateLimitSettings(_Section):
    """Requests and tokens per minute (None: no limit), for one scope or by default for every key."""

    rpm: int | None = Field(None, ge=1, description="Most requests per minute.")
    tpm: int | None = Field(None, ge=1, description="Most tokens (prompt + completion) per minute.")


class RateLimitsSettings(_Section):
    """Rate limits per key, tenant, model and agent (docs/governance.md, Rate limits).

    A key's own limits (`socle keys create --rpm --tpm`) replace `key` for that key.
    """

    key: RateLimitSettings = Field(
        default_factory=RateLimitSettings, description="Default limits of every key without its own."
    )
    tenants: dict[str, RateLimitSettings] = Field(default_factory=dict, description="Limits per tenant id.")
    models: dict[str, RateLimitSettings] = Field(
        default_factory=dict, description="Limits per model name asked for (all callers together)."
    )
    agents: dict[str, RateLimitSettings] = Field(
        default_factory=dict, description="Limits per agent (`socle-agent/<name>`, all callers together)."
    )


class OutboxSettings(_Section):
    """Where approved side effects of agents go (an approved `create_ticket`, for one)."""

    webhook_url: str | None = Field(
        None, description="POST each delivery as JSON here (None: no outbox; such tools then fail)."
    )
    webhook_token: SecretStr | None = Field(
        None,
        description="Sent as `Authorization: Bearer <token>` (set it with SOCLE_OUTBOX__WEBHOOK_TOKEN).",
    )
