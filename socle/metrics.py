"""Prometheus metrics: defined once per app, recorded through small helpers, served at GET /metrics.

`prometheus_client` is imported only here. Each app owns a `Metrics` with its own
`CollectorRegistry` (never the process-global one), so two apps in one process (tests) do not
collide. Code that has no handle on the app's `Metrics` (the gateway, guardrails, budgets) calls the
`record_*` helpers below: they record into the `Metrics` bound to the current context by `bind`
(the HTTP layer binds the app's for each request, `build_deps` for the app's background tasks), and
do nothing when none is bound.

Label values stay bounded: catalog names and endpoints, HTTP statuses, error codes, rail names,
tenants; never request, key or conversation ids.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from contextvars import ContextVar, Token
from functools import lru_cache
from types import TracebackType
from urllib.parse import urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

# Seconds: from a cached answer (ms) to a long generation (minutes).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
# Seconds: one guardrail check, from a regex (sub-millisecond) to a long document's PII pass.
RAIL_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class _Counter:
    """A counter family kept as plain numbers; `prometheus_client` objects are built at scrape time.

    Recording is a dict update (a tenth of a microsecond) rather than `labels().inc()` with its
    lock (microseconds): this runs several times per request on the event loop, never in threads.
    """

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...]) -> None:
        self.name, self.documentation, self.labels = name, documentation, labels
        self.values: dict[tuple[str, ...], float] = {}

    def inc(self, key: tuple[str, ...], amount: float = 1.0) -> None:
        self.values[key] = self.values.get(key, 0.0) + amount

    def collect(self) -> Metric:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labels)
        for key, value in list(self.values.items()):
            family.add_metric(key, value)
        return family


class _Histogram:
    """A histogram family kept as plain numbers: per label set, a count per bucket and a sum."""

    def __init__(
        self, name: str, documentation: str, labels: tuple[str, ...], buckets: tuple[float, ...]
    ) -> None:
        self.name, self.documentation, self.labels, self.buckets = name, documentation, labels, buckets
        self.counts: dict[tuple[str, ...], list[int]] = {}
        self.sums: dict[tuple[str, ...], float] = {}

    def observe(self, key: tuple[str, ...], value: float) -> None:
        counts = self.counts.get(key)
        if counts is None:
            counts = self.counts[key] = [0] * (len(self.buckets) + 1)
        counts[bisect_left(self.buckets, value)] += 1
        self.sums[key] = self.sums.get(key, 0.0) + value

    def collect(self) -> Metric:
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labels)
        bounds = [*(repr(float(b)) for b in self.buckets), "+Inf"]  # as Prometheus writes them: 1.0, 0.005
        for key, counts in list(self.counts.items()):
            cumulative, running = [], 0
            for bound, count in zip(bounds, counts, strict=True):
                running += count
                cumulative.append((bound, float(running)))
            family.add_metric(key, cumulative, sum_value=self.sums[key])
        return family


class Metrics(Collector):
    """Every Socle metric, exposed through a private registry."""

    def __init__(self) -> None:
        self.requests = _Counter(
            "socle_requests", "API calls by endpoint, model, deployment and HTTP status.",
            ("route", "model", "deployment", "status"),
        )  # fmt: skip
        self.tokens = _Counter(
            "socle_tokens", "Tokens by deployment and kind (prompt, completion).", ("deployment", "kind")
        )
        self.cost = _Counter(
            "socle_cost_usd", "USD spent, by deployment and tenant.", ("deployment", "tenant")
        )
        self.latency = _Histogram(
            "socle_request_latency_seconds", "API call latency by endpoint (streams: until the end).",
            ("route",), LATENCY_BUCKETS,
        )  # fmt: skip
        self.route_decisions = _Counter(
            "socle_route_decisions", "Routing decisions by requested model, chosen deployment and kind.",
            ("model", "deployment", "reason_kind"),
        )  # fmt: skip
        self.fallbacks = _Counter(
            "socle_fallbacks", "Failed attempts on a deployment that moved the call on (retry or fallback).",
            ("deployment", "error"),
        )  # fmt: skip
        self.cooldowns = _Counter(
            "socle_deployment_cooldowns", "Times a deployment was put in cooldown.", ("deployment",)
        )
        self.escalations = _Counter(
            "socle_escalations", "Answers replaced by a stronger model's, by deployment and failed check.",
            ("deployment", "reason"),
        )  # fmt: skip
        self.guardrail_verdicts = _Counter(
            "socle_guardrail_verdicts",
            "Guardrail verdicts by rail, stage and action.",
            ("rail", "stage", "action"),
        )
        self.guardrail_latency = _Histogram(
            "socle_guardrail_latency_seconds", "Time one rail took to check one text, by rail and stage.",
            ("rail", "stage"), RAIL_BUCKETS,
        )  # fmt: skip
        self.guardrail_timeouts = _Counter(
            "socle_guardrail_timeouts", "Checks past their rail's latency budget, by rail, stage, outcome.",
            ("rail", "stage", "outcome"),
        )  # fmt: skip
        self.budget_rejections = _Counter(
            "socle_budget_rejections", "Calls refused by a budget, by scope kind.", ("scope_kind",)
        )
        self.budget_overruns = _Counter(
            "socle_budget_overruns", "Calls billed over their budget reservation (charged it) by deployment.",
            ("deployment",),
        )  # fmt: skip
        self.budget_overrun_usd = _Counter(
            "socle_budget_overrun_usd", "USD billed over budget reservations and not charged, by deployment.",
            ("deployment",),
        )  # fmt: skip
        self.claims = _Counter(
            "socle_grounding_claims", "Answer claims checked for grounding, and those unsupported (cut).",
            ("route", "model", "tenant", "kind"),
        )  # fmt: skip
        self.grounding = _Counter(
            "socle_grounded_answers",
            "Grounded answers by outcome: answered, repaired, extracted or abstained.",
            ("route", "model", "tenant", "outcome"),
        )
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def collect(self) -> Iterator[Metric]:
        """Every family, as `prometheus_client` metrics (called by the registry at scrape time)."""
        for family in (
            self.requests, self.latency, self.tokens, self.cost, self.route_decisions, self.fallbacks,
            self.cooldowns, self.escalations, self.guardrail_verdicts, self.guardrail_latency,
            self.guardrail_timeouts, self.budget_rejections, self.budget_overruns,
            self.budget_overrun_usd, self.claims, self.grounding,
        ):  # fmt: skip
            yield family.collect()

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


CONTENT_TYPE = CONTENT_TYPE_LATEST
_current: ContextVar[Metrics | None] = ContextVar("socle_metrics", default=None)


class bind:  # a class, not @contextmanager: it runs on every request
    """Make `metrics` the target of the `record_*` helpers in this context (and tasks it starts)."""

    __slots__ = ("_metrics", "_token")

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._token: Token[Metrics | None] | None = None

    def __enter__(self) -> Metrics:
        self._token = _current.set(self._metrics)
        return self._metrics

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._token is not None:
            _current.reset(self._token)


def current() -> Metrics | None:
    """The `Metrics` bound to this context, if any."""
    return _current.get()


@lru_cache(maxsize=4096)
def deployment_label(name: str, api_base: str) -> str:
    """`name@host:port`: one replica of a catalog model, without credentials or path."""
    netloc = urlsplit(api_base).netloc.rpartition("@")[2]
    return f"{name}@{netloc}" if netloc else name


def record_call(
    route: str, model: str | None, deployment: str | None, status: int, latency_s: float | None
) -> None:
    """One API call ended: count it and observe its latency (when measured)."""
    if (m := _current.get()) is None:
        return
    m.requests.inc((route, model or "none", deployment or "none", str(status)))
    if latency_s is not None:
        m.latency.observe((route,), latency_s)


def record_usage(
    deployment: str, tenant: str | None, *, prompt: int, completion: int, cost_usd: float
) -> None:
    """Tokens and cost of one model call."""
    if (m := _current.get()) is not None:
        count_usage(m, deployment, tenant, prompt=prompt, completion=completion, cost_usd=cost_usd)


def count_usage(  # noqa: PLR0913 - the series' labels, then its values
    m: Metrics, deployment: str, tenant: str | None, *, prompt: int, completion: int, cost_usd: float
) -> None:
    """Tokens and cost of one model call, into `m` (a handle held explicitly: `router/metered.py`)."""
    if prompt:
        m.tokens.inc((deployment, "prompt"), prompt)
    if completion:
        m.tokens.inc((deployment, "completion"), completion)
    if cost_usd > 0:
        m.cost.inc((deployment, tenant or "none"), cost_usd)


def record_route_decision(model: str, deployment: str, reason_kind: str) -> None:
    """The gateway settled where a call goes first."""
    if (m := _current.get()) is not None:
        m.route_decisions.inc((model, deployment, reason_kind))


def record_fallback(deployment: str, error: str) -> None:
    """An attempt on `deployment` failed with a retryable `error` code; the call moves on."""
    if (m := _current.get()) is not None:
        m.fallbacks.inc((deployment, error))


def record_cooldown(deployment: str) -> None:
    """`deployment` entered a cooldown."""
    if (m := _current.get()) is not None:
        m.cooldowns.inc((deployment,))


def record_escalation(deployment: str, reason: str) -> None:
    """`deployment`'s answer failed a check (`reason`: `invalid JSON`, `output blocked by <rail>`)."""
    if (m := _current.get()) is not None:
        m.escalations.inc((deployment, reason))


def record_guardrail_verdict(rail: str, stage: str, action: str) -> None:
    """One rail's verdict on one text."""
    if (m := _current.get()) is not None:
        m.guardrail_verdicts.inc((rail, stage, action))


def record_guardrail_latency(rail: str, stage: str, seconds: float) -> None:
    """One rail took `seconds` to check one text (a check past its budget counts up to the budget)."""
    if (m := _current.get()) is not None:
        m.guardrail_latency.observe((rail, stage), seconds)


def record_guardrail_timeout(rail: str, stage: str, outcome: str) -> None:
    """One check ran past its rail's latency budget and ended as `outcome` (`error`, `flag`, `allow`)."""
    if (m := _current.get()) is not None:
        m.guardrail_timeouts.inc((rail, stage, outcome))


def record_budget_rejection(scope_kind: str) -> None:
    """A budget of `scope_kind` (key, tenant, agent, ...) refused a call."""
    if (m := _current.get()) is not None:
        m.budget_rejections.inc((scope_kind,))


def record_budget_overrun(deployment: str, overrun_usd: float) -> None:
    """A call on `deployment` was billed `overrun_usd` over its budget reservation (not charged)."""
    if (m := _current.get()) is not None:
        m.budget_overruns.inc((deployment,))
        m.budget_overrun_usd.inc((deployment,), overrun_usd)


def record_claims(checked: int, unsupported: int, *, route: str, model: str, tenant: str = "") -> None:
    """Claims of one answer checked by the groundedness rail or verifier, and how many lacked support."""
    if (m := _current.get()) is None:
        return
    tenant = tenant or "none"
    if checked:
        m.claims.inc((route, model, tenant, "checked"), checked)
    if unsupported:
        m.claims.inc((route, model, tenant, "unsupported"), unsupported)


def record_grounding(outcome: str, *, route: str, model: str, tenant: str | None) -> None:
    """One grounded answer was delivered with `outcome` (answered, repaired, extracted, abstained)."""
    if (m := _current.get()) is not None:
        m.grounding.inc((route, model, tenant or "none", outcome))
