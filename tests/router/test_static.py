"""StaticRouter: named models, `auto`, replicas rotated and used as fallbacks."""

from __future__ import annotations

import pytest
from socle.router.base import Deployment, RouteRequest
from socle.router.catalog import Catalog
from socle.router.static import StaticRouter

from socle.errors import ModelNotFoundError

pytestmark = pytest.mark.anyio


def dep(name: str, base: str) -> Deployment:
    return Deployment(name, f"vllm:{name}", base)


@pytest.fixture
def router() -> StaticRouter:
    catalog = Catalog(
        [dep("small", "http://a/v1"), dep("big", "http://b1/v1"), dep("big", "http://b2/v1")], default="small"
    )
    return StaticRouter(catalog)


@pytest.mark.parametrize(
    ("model", "expected", "reason"),
    [
        ("small", "http://a/v1", "model named by the request"),
        ("auto", "http://a/v1", "default model for 'auto'"),
    ],
)
async def test_decisions(router: StaticRouter, model: str, expected: str, reason: str) -> None:
    decision = await router.route(RouteRequest(model))
    assert (decision.deployment.api_base, decision.reason, decision.fallbacks) == (expected, reason, ())


async def test_replicas_rotate_and_back_each_other_up(router: StaticRouter) -> None:
    first = await router.route(RouteRequest("big"))
    second = await router.route(RouteRequest("big"))
    assert {first.deployment.api_base, second.deployment.api_base} == {"http://b1/v1", "http://b2/v1"}
    assert first.fallbacks == (second.deployment,)
    assert [d.api_base for d in first.candidates] == [first.deployment.api_base, second.deployment.api_base]


async def test_unknown_model(router: StaticRouter) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        await router.route(RouteRequest("gpt-9"))
    assert info.value.param == "model"


def test_model_names(router: StaticRouter) -> None:
    assert router.model_names() == ("small", "big", "auto")
