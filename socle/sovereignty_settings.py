"""The `sovereignty` section of the settings: which locations may see which data classes."""

from __future__ import annotations

from typing import Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, model_validator

ClassName: TypeAlias = Literal["public", "internal", "personal", "sensitive", "secret"]

_ALLOWED: dict[ClassName, tuple[str, ...]] = {
    "public": ("*",),
    "internal": ("on-prem", "eu-cloud"),
    "personal": ("on-prem", "eu-cloud"),
    "sensitive": ("on-prem",),
    "secret": ("on-prem",),
}
_TIERS: dict[str, ClassName] = {"internal": "internal", "external": "public"}


class SovereigntySettings(BaseModel):
    """Data classes and the deployment locations allowed to see them (docs/sovereignty.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Route each call only to deployments allowed to see its data.")
    allowed: dict[ClassName, tuple[str, ...]] = Field(
        default_factory=lambda: dict(_ALLOWED),
        description="Data class -> locations allowed to see it (`*`: any); a class left out: nowhere.",
    )
    pseudonymize: tuple[ClassName, ...] = Field(
        ("personal",),
        description="Classes Socle may hide behind placeholders to reach a location not allowed to see them.",
    )
    concealed: ClassName = Field(
        "public", description="What a pseudonymized value counts as (its placeholder shows no value)."
    )
    entities: dict[str, ClassName] = Field(
        default_factory=dict,
        description="Guardrail entity -> class, added to the built-in map (FR_NIR: sensitive, ...).",
    )
    tenants: dict[str, ClassName] = Field(
        default_factory=dict, description="Tenant -> the least class of everything it sends."
    )
    tiers: dict[str, ClassName] = Field(
        default_factory=lambda: dict(_TIERS),
        description="Knowledge tier -> class of its chunks.",
    )
    default_class: ClassName = Field("public", description="The class of a call with no finding.")

    @model_validator(mode="after")
    def _concealed_is_lower(self) -> SovereigntySettings:
        if self.concealed in self.pseudonymize:
            raise ValueError(f"concealed ({self.concealed}) cannot be one of the pseudonymized classes")
        return self
