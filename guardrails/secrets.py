"""`RegexSecrets`: finds credentials (API keys, tokens, private keys, passwords) and asks to redact them.

Detectors are data: one `SecretPattern` per credential shape, tried in order. Each pattern is linear
in the text (no nested quantifiers), so the rail runs inline on the event loop. The patterns are
anchored on vendor prefixes (`sk-`, `AKIA`, `ghp_`, `xox?-`, `eyJ`) or on an assignment (`password=`)
so that ordinary prose does not match; generic high-entropy strings are deliberately not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import KW_ONLY, dataclass

from socle.guardrails.base import Action, RailContext, Span, Verdict

_KEYWORDS = (
    r"password|passwd|passphrase|pwd|pass|mot[ _]de[ _]passe|mdp|secret|client[_-]?secret|api[_-]?key"
    r"|apikey|access[_-]?token|auth[_-]?token|refresh[_-]?token|private[_-]?key|token"
)


@dataclass(frozen=True, slots=True)
class SecretPattern:
    """One credential shape: `regex` finds it, `group` is the part to redact (0 = the whole match)."""

    entity: str
    regex: re.Pattern[str]
    _: KW_ONLY
    group: int = 0
    score: float = 0.95


def _p(entity: str, pattern: str, *, group: int = 0, score: float = 0.95, flags: int = 0) -> SecretPattern:
    return SecretPattern(entity, re.compile(pattern, flags), group=group, score=score)


SECRET_PATTERNS: tuple[SecretPattern, ...] = (
    _p(
        "PRIVATE_KEY",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
        r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)",
        score=1.0,
    ),
    _p("SOCLE_API_KEY", r"\bsk-socle-[0-9a-f]{8}-[A-Za-z0-9_-]{20,}", score=1.0),
    _p("ANTHROPIC_API_KEY", r"\bsk-ant-[A-Za-z0-9_-]{20,}"),
    _p("OPENAI_API_KEY", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
    _p("STRIPE_KEY", r"\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}"),
    _p("AWS_ACCESS_KEY_ID", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b", score=1.0),
    _p(
        "AWS_SECRET_ACCESS_KEY",
        r"(?i)aws_?secret_?(?:access_?)?key\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
        group=1,
    ),
    _p("GITHUB_TOKEN", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b", score=1.0),
    _p("GITLAB_TOKEN", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    _p("SLACK_TOKEN", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    _p("SLACK_WEBHOOK", r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}"),
    _p("GOOGLE_API_KEY", r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"),
    _p("HUGGINGFACE_TOKEN", r"\bhf_[A-Za-z0-9]{30,}\b"),
    _p("JWT", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    _p("BEARER_TOKEN", r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*)", group=1, score=0.9),
    _p("PASSWORD", r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:([^\s@/]+)@", group=1, flags=re.IGNORECASE),
    _p(
        "PASSWORD",
        rf"(?i)\b(?:{_KEYWORDS})\b[\"']?\s*(?::|=>|=|:=)\s*[\"']?([^\s\"',;]{{4,}})",
        group=1,
        score=0.9,
    ),
    # Prose ("my password is hunter2!"): only values with a digit or a symbol, so "is required" passes.
    _p(
        "PASSWORD",
        r"(?i)\b(?:password|passwd|pwd|mot de passe|mdp)\s+(?:is|est|was|était)\s*:?\s*[\"']?"
        r"((?=[^\s\"',;]*[\d!@#$%^&*?~+])[^\s\"',;]{4,})",
        group=1,
        score=0.8,
    ),
)
"""Built-in detectors, most specific first: where two overlap, the earlier one wins."""


def find_secrets(text: str, patterns: Sequence[SecretPattern] = SECRET_PATTERNS) -> list[Span]:
    """Every credential in `text`, in text order, without overlaps (earlier patterns win ties).

    The spans carry the matched value (`Span.value`) and the default action `redact`.
    """
    taken: list[Span] = []
    for span in _matches(text, patterns):
        if not any(span.overlaps(kept) for kept in taken):
            taken.append(span)
    return sorted(taken, key=lambda s: s.start)


def _matches(text: str, patterns: Sequence[SecretPattern]) -> Iterator[Span]:
    for pattern in patterns:
        for match in pattern.regex.finditer(text):
            start, end = match.span(pattern.group)
            if start < end:
                yield Span(
                    start, end, pattern.entity, score=pattern.score, action="redact", value=text[start:end]
                )


class RegexSecrets:
    """The `secrets` rail: credentials in inputs and outputs, redacted by default.

    Args:
        name: the rail's configured name.
        action: what to ask for when a secret is found (`redact`, or `block` to refuse the text).
        entities: restrict to these entity names (`PASSWORD`, `JWT`, ...); empty means all.
        patterns: the detectors (default `SECRET_PATTERNS`).
    """

    def __init__(
        self,
        name: str = "secrets",
        *,
        action: Action = "redact",
        entities: Collection[str] = (),
        patterns: Sequence[SecretPattern] = SECRET_PATTERNS,
    ) -> None:
        self._name = name
        self._action: Action = action
        self._patterns = tuple(p for p in patterns if not entities or p.entity in entities)

    @property
    def name(self) -> str:
        return self._name

    async def check(self, text: str, *, context: RailContext) -> Verdict:
        """Find secrets in `text`; the verdict's spans ask for this rail's action."""
        spans = (
            Span(s.start, s.end, s.entity, score=s.score, action=self._action, value=s.value)
            for s in find_secrets(text, self._patterns)
        )
        return Verdict.from_spans(self._name, spans, empty_reason="no secret found")
