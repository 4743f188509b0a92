"""LearnedRouter: a decision table over a hand-made estimator, passthrough, errors, the quality knob."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import pytest
from socle.router.base import Deployment, RouteRequest
from socle.router.catalog import Catalog
from socle.router.features import STRUCTURE, VERSION
from socle.router.gateway import ChatRequest
from socle.router.learned import LearnedRouter
from socle.router.tier_estimator import FORMAT, TierEstimator

from socle.errors import ModelNotFoundError
from socle.tokens import count_prompt_tokens

pytestmark = pytest.mark.anyio

DIM = 64


def bucket(word: str) -> int:
    return zlib.crc32(word.encode()) % DIM


def tiny_estimator() -> TierEstimator:
    """p = sigmoid(-2 + 4 * [the message is 'prove']): 0.881 for 'prove', 0.119 for 'hi'."""
    assert bucket("prove") != bucket("hi")
    weights = [0.0] * (DIM + len(STRUCTURE))
    weights[bucket("prove")] = 4.0
    return TierEstimator.from_json(
        {"format": FORMAT, "features": VERSION, "dim": DIM, "intercept": -2.0, "weights": weights,
         "quantiles": [0.0, 0.2, 0.5, 0.8, 1.0], "pieces": {"vocab": ["[UNK]"], "scores": [0.0]}}
    )  # fmt: skip


def dep(name: str, tier: int, price: float, *, base: str = "", window: int = 8192) -> Deployment:
    return Deployment(
        name, f"vllm:{name}", base or f"http://{name}/v1", tier=tier,
        input_cost_per_mtok=price, output_cost_per_mtok=2 * price, context_window=window,
    )  # fmt: skip


SMALL = dep("small", 1, 0.1, window=2048)
MEDIUM = dep("medium", 2, 1.0)
BIG = dep("big", 3, 10.0)


@pytest.fixture
def router() -> LearnedRouter:
    return LearnedRouter(Catalog([SMALL, MEDIUM, BIG], default="small"), tiny_estimator())


def chat(text: str) -> list[dict[str, object]]:
    return [{"role": "user", "content": text}]


@pytest.mark.parametrize(
    ("model", "text", "quality", "expected", "reason"),
    [
        ("auto", "prove", 0.5, BIG, "auto: p_strong=0.88 >= 0.50 (quality 0.50) -> tier 3 (big)"),
        ("auto", "hi", 0.5, SMALL, "auto: p_strong=0.12 < 0.50 (quality 0.50) -> tier 1 (small)"),
        ("auto", "prove", 0.1, SMALL, "auto: p_strong=0.88 < 0.92 (quality 0.10) -> tier 1 (small)"),
        ("auto", "hi", 0.75, SMALL, "auto: p_strong=0.12 < 0.20 (quality 0.75) -> tier 1 (small)"),
        ("auto", "hi", 1.0, BIG, "auto: p_strong=0.12 >= 0.00 (quality 1.00) -> tier 3 (big)"),
        ("auto", "prove", 0.0, SMALL, "auto: p_strong=0.88 < 1.00 (quality 0.00) -> tier 1 (small)"),
        ("medium", "prove", 0.0, MEDIUM, "model named by the request"),
        ("small", "prove", 1.0, SMALL, "model named by the request"),
    ],
)
def test_decisions(
    router: LearnedRouter, model: str, text: str, quality: float, expected: Deployment, reason: str
) -> None:
    decision = router.route_messages(chat(text), RouteRequest(model), quality=quality)
    assert (decision.deployment, decision.reason) == (expected, reason)


def test_fallbacks_are_the_other_adequate_deployments_cheapest_first(router: LearnedRouter) -> None:
    weak = router.route_messages(chat("hi"), RouteRequest("auto"))
    strong = router.route_messages(chat("prove"), RouteRequest("auto"))
    assert weak.candidates == (SMALL, MEDIUM, BIG)
    assert strong.candidates == (BIG,)


def test_long_prompt_skips_deployments_whose_window_is_too_small(router: LearnedRouter) -> None:
    decision = router.route_messages(chat("hi"), RouteRequest("auto", estimated_prompt_tokens=4000))
    assert decision.candidates == (MEDIUM, BIG)


def test_a_calls_prompt_is_counted_only_when_the_router_needs_it(router: LearnedRouter) -> None:
    long = [{"role": "user", "content": "word " * 3000}]  # 3,000 tokens: more than small's 2,048
    request = ChatRequest("auto", {"model": "auto", "messages": long}).route_request()
    assert request.estimated_prompt_tokens is None  # building the request counted nothing
    assert request.prompt_tokens() == count_prompt_tokens(long)
    assert router.route_messages(chat("hi"), request).candidates == (MEDIUM, BIG)


def test_prompt_too_long_for_every_deployment_still_gets_the_adequate_ones(router: LearnedRouter) -> None:
    decision = router.route_messages(chat("hi"), RouteRequest("auto", estimated_prompt_tokens=10**6))
    assert decision.candidates == (SMALL, MEDIUM, BIG)


def test_tools_and_json_raise_the_tier_to_the_configured_floor() -> None:
    router = LearnedRouter(
        Catalog([SMALL, MEDIUM, BIG], default="small"), tiny_estimator(), structured_min_tier=2
    )
    plain = router.route_messages(chat("hi"), RouteRequest("auto"))
    tools = router.route_messages(chat("hi"), RouteRequest("auto", needs_tools=True))
    json_ = router.route_messages(chat("hi"), RouteRequest("auto", needs_json=True))
    assert (plain.deployment, tools.deployment, json_.deployment) == (SMALL, MEDIUM, MEDIUM)
    assert tools.reason.endswith("-> tier 2 (medium)")


def test_configured_tiers_and_a_missing_strong_tier_falls_back_to_the_strongest() -> None:
    router = LearnedRouter(
        Catalog([SMALL, MEDIUM], default="small"), tiny_estimator(), weak_tier=2, strong_tier=5
    )
    assert router.route_messages(chat("hi"), RouteRequest("auto")).deployment == MEDIUM
    assert router.route_messages(chat("prove"), RouteRequest("auto")).candidates == (MEDIUM,)


def test_cheapest_wins_among_adequate_tiers() -> None:
    # A tier-3 deployment cheaper than the tier-2 one serves calls that need tier 2 or more.
    cheap_big = dep("cheap-big", 3, 0.5)
    router = LearnedRouter(
        Catalog([SMALL, MEDIUM, cheap_big], default="small"), tiny_estimator(), weak_tier=2
    )
    assert router.route_messages(chat("hi"), RouteRequest("auto")).candidates == (cheap_big, MEDIUM)


def test_replicas_rotate_and_back_each_other_up() -> None:
    a, b = dep("small", 1, 0.1, base="http://a/v1"), dep("small", 1, 0.1, base="http://b/v1")
    router = LearnedRouter(Catalog([a, b, BIG], default="small"), tiny_estimator())
    first = router.route_messages(chat("hi"), RouteRequest("auto"))
    second = router.route_messages(chat("hi"), RouteRequest("auto"))
    assert {first.deployment, second.deployment} == {a, b}
    assert first.candidates[:2] == (first.deployment, second.deployment)
    assert first.candidates[2] == BIG
    named = router.route_messages(chat("hi"), RouteRequest("small"))
    assert set(named.candidates) == {a, b}


async def test_unknown_model(router: LearnedRouter) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        await router.route(RouteRequest("gpt-9"))
    assert info.value.param == "model"


async def test_route_without_messages_scores_an_empty_chat(router: LearnedRouter) -> None:
    decision = await router.route(RouteRequest("auto"))
    assert decision.deployment == SMALL
    assert decision.reason.startswith("auto: p_strong=0.12 <")


@dataclass(frozen=True, slots=True)
class ChatRouteRequest(RouteRequest):
    """RouteRequest as the lead will extend it: with the chat and a per-request quality."""

    messages: tuple[dict[str, object], ...] = ()
    quality: float | None = None


async def test_route_reads_messages_and_quality_from_an_extended_request(router: LearnedRouter) -> None:
    prove = ChatRouteRequest("auto", messages=tuple(chat("prove")))
    assert (await router.route(prove)).deployment == BIG
    frugal = ChatRouteRequest("auto", messages=tuple(chat("prove")), quality=0.1)
    assert (await router.route(frugal)).deployment == SMALL


@pytest.mark.parametrize("text", ["hi", "prove", "", "prove hi"])
def test_needed_tier_never_decreases_as_quality_rises(router: LearnedRouter, text: str) -> None:
    tiers = [
        router.route_messages(chat(text), RouteRequest("auto"), quality=q / 20).deployment.tier
        for q in range(21)
    ]
    assert tiers == sorted(tiers)
    assert (tiers[0], tiers[-1]) == (1, 3)


def test_the_shipped_artifact_sends_more_calls_strong_as_quality_rises() -> None:
    router = LearnedRouter.from_artifact(Catalog([SMALL, BIG], default="small"))
    prompts = [
        "hi", "Write a haiku about spring.", "Prove that the square root of 2 is irrational.",
        "Implement a thread-safe LRU cache in Python with O(1) operations and explain the locking.",
        "A train leaves at 3pm going 60 mph; another at 4pm going 80 mph. When does the second catch up?",
        "What is the capital of France?", "Summarize the plot of Hamlet in two sentences.",
    ]  # fmt: skip
    shares = [
        sum(
            router.route_messages(chat(p), RouteRequest("auto"), quality=q).deployment is BIG for p in prompts
        )
        for q in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    ]
    assert shares == sorted(shares)
    assert (shares[0], shares[-1]) == (0, len(prompts))


def test_model_names(router: LearnedRouter) -> None:
    assert router.model_names() == ("small", "medium", "big", "auto")


@pytest.mark.parametrize("quality", [-0.1, 1.5, math.nan])
def test_quality_outside_zero_one_is_refused(router: LearnedRouter, quality: float) -> None:
    with pytest.raises(ValueError, match="quality must be in"):
        router.route_messages(chat("hi"), RouteRequest("auto"), quality=quality)
    with pytest.raises(ValueError, match="quality must be in"):
        LearnedRouter(Catalog([SMALL], default="small"), tiny_estimator(), quality=quality)


def test_an_empty_catalog_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one deployment"):
        LearnedRouter(Catalog([], default="small"), tiny_estimator())
