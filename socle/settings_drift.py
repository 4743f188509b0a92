"""Settings of drift detection and its alerts (docs/console.md#drift).

Part of `socle.settings`; kept apart to hold each module to size.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from socle._section import Section as _Section

SignalName = Literal[
    "prompt_embedding", "retrieval_score", "guardrail_rate", "grounding_repairs", "latency", "cost"
]
SIGNALS: tuple[SignalName, ...] = (
    "prompt_embedding",
    "retrieval_score",
    "guardrail_rate",
    "grounding_repairs",
    "latency",
    "cost",
)

DEFAULT_THRESHOLDS: dict[SignalName, float] = {
    "prompt_embedding": 0.01,
    "retrieval_score": 0.25,
    "guardrail_rate": 0.25,
    "grounding_repairs": 0.25,
    "latency": 0.25,
    "cost": 0.25,
}


class DriftSettings(_Section):
    """Compare the latest window of traffic with a reference window, and alert when a signal drifts.

    Scalars and rates are compared by their population stability index (an alert above the
    threshold; 0.1 is a small shift, 0.25 a large one); prompt embeddings by an energy-distance
    test whose p-value comes from permutations (an alert below the threshold).
    """

    enabled: bool = Field(True, description="Record drift samples and evaluate the signals.")
    signals: dict[SignalName, float] = Field(
        default_factory=lambda: dict(DEFAULT_THRESHOLDS),
        description="The signals to evaluate and each one's threshold: a PSI for scalars and rates "
        "(alert above), a p-value for `prompt_embedding` (alert below). Leave a signal out to turn it off.",
    )
    every_s: float = Field(300.0, gt=0, description="How often each replica evaluates the signals.")
    window_s: float = Field(3600.0, gt=0, description="The current window: the last this many seconds.")
    reference_s: float = Field(
        86400.0, gt=0, description="The reference window: this many seconds just before the current one."
    )
    min_samples: int = Field(
        30, ge=2, description="Fewer samples than this in either window: the signal is not evaluated."
    )
    max_values: int = Field(
        5000, ge=10, description="At most this many of the latest values per window feed a scalar signal."
    )
    max_vectors: int = Field(
        200, ge=10, description="The fixed-size sample of prompt embeddings compared per window."
    )
    permutations: int = Field(200, ge=20, description="Permutations behind the embedding test's p-value.")
    embedding_dim: int = Field(
        64, ge=8, le=1024, description="Width the router's hashed word n-grams are folded into."
    )
    sample_rate: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Share of prompts and retrievals whose drift sample is taken and stored. A sample "
        "costs CPU on the event loop (tens of µs for a short prompt, about 0.4 ms at `max_chars`); 0.1 "
        "still keeps 360 samples an hour at one request a second, more than `max_vectors` compares.",
    )
    max_chars: int = Field(
        2000,
        ge=100,
        description="Only the first this many characters of a prompt feed its embedding (its length "
        "counts whole): a long prompt costs at most this much to sample.",
    )
    webhook_url: str | None = Field(None, description="POST each alert as JSON here (None: console only).")
    webhook_token: SecretStr | None = Field(
        None,
        description="Sent as `Authorization: Bearer <token>` and the HMAC-SHA256 key of the "
        "`x-socle-signature` header (set it with SOCLE_DRIFT__WEBHOOK_TOKEN).",
    )
    webhook_attempts: int = Field(4, ge=1, le=10, description="Tries per alert delivery before giving up.")
    webhook_backoff_s: float = Field(
        1.0, ge=0, description="Wait before the second try, doubled before each later one."
    )

    @model_validator(mode="after")
    def _thresholds_in_range(self) -> DriftSettings:
        for signal, threshold in self.signals.items():
            if signal == "prompt_embedding" and not 0 < threshold < 1:
                raise ValueError(f"drift.signals.{signal} is a p-value: between 0 and 1, not {threshold}")
            if threshold <= 0:
                raise ValueError(f"drift.signals.{signal} is a PSI: above 0, not {threshold}")
        return self
