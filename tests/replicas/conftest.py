"""Three `socle serve` replicas on PostgreSQL, Redis and one fake upstream, for the whole module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from tests.conftest import POSTGRES_URL, REDIS_URL, _service
from tests.fakes.openai_upstream import FakeUpstream, serve_upstream
from tests.replicas.cluster import BUDGETED, Cluster, build

REPLICAS = 3
BUDGET_USD = 0.12  # a few calls of 8 tokens at 1,000 USD per million tokens (see the budget test)
POLICY = {
    "enabled": True,
    "engine": {"models": {"en": "socle_pii_ner_en"}, "phone_regions": ["FR"], "name_check": False},
    "tenants": {
        "default": {
            "input": [
                {"rail": "block_on", "pattern": "FORBIDDEN-TOPIC", "action": "block"},
                {"rail": "pii", "threshold": 0.5, "actions": {"pseudonymize": ["EMAIL_ADDRESS"]}},
            ],
            "output": [],
            "answers": {"policy": "off"},
        }
    },
}


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[FakeUpstream, str]]:
    fake = FakeUpstream(models=["fake-model"])
    with serve_upstream(fake) as url:
        yield fake, url


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, upstream: tuple[FakeUpstream, str]
) -> Iterator[Cluster]:
    postgres, redis = _service(POSTGRES_URL, 5432, "postgres"), _service(REDIS_URL, 6379, "redis")
    root = tmp_path_factory.mktemp("replicas")
    policy = root / "guardrails.yaml"
    policy.write_text(yaml.safe_dump(POLICY))
    budgets = [{"scope": "tenant", "scope_id": BUDGETED, "limit_usd": BUDGET_USD, "period": "total"}]
    yield from build(root, size=REPLICAS, postgres_url=postgres, redis_url=redis,
                     upstream=upstream[1], policy=policy, extra={"budgets": budgets})  # fmt: skip
