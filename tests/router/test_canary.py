"""`CanaryRouter`: the sticky split of a production model's conversations, shared by replicas."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from socle.router.base import Deployment, RouteRequest, subject_of
from socle.router.canary import CanaryRouter, Split, bucket
from socle.router.catalog import Catalog
from socle.router.static import StaticRouter

pytestmark = pytest.mark.anyio
PROD = (Deployment("prod", "vllm:p", "http://p0/v1"), Deployment("prod", "vllm:p", "http://p1/v1"))
CAND = (Deployment("next", "vllm:n", "http://n0/v1"), Deployment("next", "vllm:n", "http://n1/v1"))
CATALOG = Catalog((*PROD, *CAND, Deployment("other", "vllm:o", "http://o/v1")), default="prod")


class FixedSplits:
    def __init__(self, splits: Mapping[str, Split]) -> None:
        self.value = dict(splits)

    async def splits(self) -> Mapping[str, Split]:
        return self.value


def router(share: float, canary_id: str = "can_1") -> CanaryRouter:
    splits = FixedSplits({"prod": Split(canary_id, "next", share)})
    return CanaryRouter(StaticRouter(CATALOG), CATALOG, splits)


def request(subject: str | None, *, model: str = "prod", tenant: str = "acme") -> RouteRequest:
    return RouteRequest(model, tenant_id=tenant, subject=subject)


@pytest.mark.parametrize(
    ("conversation", "key", "expected"),
    [("c1", "k1", "conversation:c1"), ("request:r1", "k1", "key:k1"), (None, "k1", "key:k1"),
     ("request:r1", None, None)],
)  # fmt: skip
def test_the_subject_is_a_lasting_conversation_else_the_key(
    conversation: str | None, key: str | None, expected: str | None
) -> None:
    assert subject_of(conversation, key) == expected


def test_buckets_are_stable_and_differ_by_canary_and_tenant() -> None:
    assert bucket("can_1", "acme", "conversation:c1") == bucket("can_1", "acme", "conversation:c1")
    assert bucket("can_1", "acme", "conversation:c1") != bucket("can_2", "acme", "conversation:c1")
    assert bucket("can_1", "acme", "conversation:c1") != bucket("can_1", "globex", "conversation:c1")
    assert 0.0 <= bucket("can_1", None, "key:k") < 1.0


async def test_the_share_of_conversations_goes_to_the_candidate() -> None:
    canary = router(0.1)
    names = [(await canary.route(request(f"conversation:c{i}"))).deployment.name for i in range(4000)]
    assert 0.08 < names.count("next") / len(names) < 0.12


async def test_a_conversation_stays_on_its_side_and_replicas_agree() -> None:
    one, two = router(0.3), router(0.3)  # two Socle replicas reading the same split
    for i in range(200):
        subject = f"conversation:c{i}"
        first = (await one.route(request(subject))).deployment.name
        assert (await one.route(request(subject))).deployment.name == first
        assert (await two.route(request(subject))).deployment.name == first


async def test_a_bigger_share_keeps_the_conversations_of_a_smaller_one() -> None:
    small, big = router(0.1), router(0.5)
    for i in range(500):
        subject = f"conversation:c{i}"
        if (await small.route(request(subject))).deployment.name == "next":
            assert (await big.route(request(subject))).deployment.name == "next"


async def test_the_candidate_arm_falls_back_to_candidate_replicas_only() -> None:
    decision = await router(1.0).route(request("conversation:c1"))
    assert decision.candidates == CAND
    assert "canary can_1" in decision.reason


async def test_other_models_and_calls_without_subject_stay_put() -> None:
    canary = router(1.0)
    assert (await canary.route(request("conversation:c1", model="other"))).deployment.name == "other"
    assert (await canary.route(request(None))).deployment.name == "prod"


async def test_auto_routed_to_production_is_split_too() -> None:
    decision = await router(1.0).route(request("conversation:c1", model="auto"))
    assert decision.deployment.name == "next"


async def test_no_split_routes_as_the_inner_router() -> None:
    plain = CanaryRouter(StaticRouter(CATALOG), CATALOG, FixedSplits({}))
    assert (await plain.route(request("conversation:c1"))).deployment.name == "prod"
    assert plain.model_names() == StaticRouter(CATALOG).model_names()
