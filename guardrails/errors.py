"""The guardrails' errors, under Socle's one tree (`socle.errors`).

SocleError
├── ConfigError
│   └── GuardrailConfigError     a policy names an unknown rail or entity, or a model is missing
├── InvalidRequestError
│   ├── ContentBlockedError      a rail blocked the text; the message names the rail, never the text
│   └── TextTooLongError         a text is longer than the policy's `max_text_chars`
└── OverloadedError
    ├── GuardrailTimeoutError    a rail gave no verdict within its latency budget (`on_timeout: error`)
    └── PseudonymContentionError a conversation's pseudonym mapping kept changing under other writers
"""

from __future__ import annotations

from socle.errors import ConfigError, ErrorCode, InvalidRequestError, OverloadedError


class GuardrailConfigError(ConfigError):
    """The guardrail policy is invalid or a rail cannot work (its model package is not installed)."""


class ContentBlockedError(InvalidRequestError):
    """A rail blocked the text (400). The message names the rail and its reason, never the content."""

    default_code = ErrorCode.CONTENT_BLOCKED

    def __init__(self, rail: str, reason: str) -> None:
        super().__init__(f"blocked by guardrail {rail!r}: {reason}")
        self.rail = rail
        self.reason = reason


class TextTooLongError(InvalidRequestError):
    """A text is longer than the guardrails check (400 `context_length_exceeded`): nothing ran on it."""

    default_code = ErrorCode.CONTEXT_LENGTH_EXCEEDED

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"text of {length:,} characters is longer than the {limit:,} the guardrails check "
            "(max_text_chars in the guardrail policy)"
        )
        self.length = length
        self.limit = limit


class GuardrailTimeoutError(OverloadedError):
    """A rail gave no verdict within its latency budget, and its policy fails closed (503, retryable).

    The text was neither passed on nor judged: a check that did not finish never lets text through.
    """

    default_code = ErrorCode.GUARDRAIL_TIMEOUT

    def __init__(self, rail: str, budget_ms: float) -> None:
        super().__init__(
            f"guardrail {rail!r} gave no verdict within its latency budget of {budget_ms:g} ms; retry later"
        )
        self.rail = rail
        self.budget_ms = budget_ms


class PseudonymContentionError(OverloadedError):
    """Other replicas kept changing a conversation's pseudonym mapping while this one added to it (503).

    Retryable: nothing was sent to a model.
    """

    def __init__(self, attempts: int) -> None:
        super().__init__(
            f"the conversation's pseudonym mapping changed {attempts} times while updating it; retry"
        )
