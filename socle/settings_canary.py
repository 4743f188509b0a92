"""Settings of canary rollouts (docs/governance.md, Canary rollout).

Part of `socle.settings`; kept apart to hold each module to size.
"""

from __future__ import annotations

from pydantic import Field

from socle._section import Section as _Section


class CanarySettings(_Section):
    """How canaries route and when they are promoted or rolled back."""

    enabled: bool = Field(True, description="Apply the canaries' traffic splits and judge them.")
    check_every_s: float = Field(30.0, gt=0, description="How often running canaries are compared.")
    refresh_s: float = Field(
        5.0, ge=0, description="How long a replica routes by the canaries it read before reading them again."
    )
    min_samples: int = Field(100, ge=1, description="Requests each arm needs before any test is made.")
    target_samples: int = Field(
        1000, ge=1, description="Requests per arm at which a canary with no regression is promoted."
    )
    alpha: float = Field(
        0.05,
        gt=0,
        lt=1,
        description="Chance of rolling back a candidate as good as production, all looks together.",
    )
    rho: float = Field(3.0, gt=0, description="Alpha spending `alpha * t**rho`: above 1 spends little early.")
    error_margin: float = Field(0.01, ge=0, le=1, description="Tolerated rise of the error (5xx) rate.")
    block_margin: float = Field(0.01, ge=0, le=1, description="Tolerated rise of the guardrail-block rate.")
    repair_margin: float = Field(0.02, ge=0, le=1, description="Tolerated rise of the grounding-repair rate.")
    latency_ratio: float = Field(1.1, ge=1, description="Tolerated latency, as a multiple of production's.")
    cost_ratio: float = Field(
        1.2, ge=1, description="Tolerated cost per request, as a multiple of production's."
    )
