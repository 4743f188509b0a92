"""A document's own label is a data class: its chunks carry it to the residency decision.

Two deployments, `local` on-prem and `us` in us-cloud, and the shipped policy (secret: on-prem
only). The documents are in the `external` tier (class public), so only the label can keep one
on-prem. Runs are held to their floor: a labelled chunk the floor does not cover is withheld.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from socle.knowledge.base import Chunk, Hit, Reader
from socle.knowledge.tiers import Retrieval
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.residency import Residency, ResidencyPolicy
from socle.router.static import StaticRouter

from socle.sovereignty_settings import SovereigntySettings
from socle.wiring.runs import LabelFloor
from tests.conftest import App, build_app, make_settings

pytestmark = pytest.mark.anyio
VAULT = "Vault combination kept by treasurer Zorglub."


def _deployment(name: str, location: str, tier: int) -> dict[str, object]:
    api_base = f"http://127.0.0.1:9/{name}/v1"
    return {"name": name, "model": f"vllm:{name}", "api_base": api_base, "location": location, "tier": tier}


@pytest.fixture
async def labelled(tmp_path) -> AsyncIterator[App]:
    deployments = [_deployment("us", "us-cloud", 3), _deployment("local", "on-prem", 1)]
    settings = make_settings(
        tmp_path, models={"default": "us", "manage_local": False, "deployments": deployments}
    )
    async for app in build_app(settings, FakeChatModel(["Answer [1]."] * 5)):
        catalog = Catalog.from_settings(settings.models)
        residency = Residency(ResidencyPolicy.from_settings(settings.sovereignty), catalog.all())
        app.deps.residency = residency
        app.deps.gateway = Gateway(StaticRouter(catalog), app.model, residency=residency)  # type: ignore[arg-type]
        for filename, content, label in [("vault.md", VAULT, "secret"),
                                         ("cafeteria.md", "Cafeteria opens at noon.", None)]:  # fmt: skip
            body = {"filename": filename, "content": content, "tier": "external", "classification": label}
            response = await app.http.post(
                "/v1/knowledge/documents", json=body, headers={"Authorization": f"Bearer {app.admin_key}"}
            )
            assert response.status_code == 201, response.text
        yield app


async def _ask(app: App, model: str, question: str):
    body = {"model": model, "messages": [{"role": "user", "content": question}], "knowledge": {}}
    return await app.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {app.user_key}"}
    )


async def test_a_secret_document_never_reaches_a_location_the_policy_forbids(labelled: App) -> None:
    refused = await _ask(labelled, "us", "Who keeps the vault combination?")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "data_location_refused"
    assert "Zorglub" not in refused.text and labelled.model.calls == []  # type: ignore[attr-defined]
    served = await _ask(labelled, "auto", "Who keeps the vault combination?")
    assert served.status_code == 200, served.text
    await labelled.deps.request_log.flush()
    record = labelled.store.records[-1]
    assert (record.location, record.data_classes) == ("on-prem", "secret,public")


async def test_an_unlabelled_document_of_the_same_tier_goes_where_it_may(labelled: App) -> None:
    served = await _ask(labelled, "us", "When does the cafeteria open?")
    assert served.status_code == 200, served.text
    await labelled.deps.request_log.flush()
    assert labelled.store.records[-1].location == "us-cloud"


async def test_chunks_carry_their_label_and_a_relabel_is_a_new_version(labelled: App) -> None:
    knowledge = labelled.deps.knowledge
    assert knowledge is not None
    hits = await knowledge.stores["external"].search("vault combination", k=1, reader=Reader("acme"))
    assert hits[0].chunk.classification == "secret"
    body = {"filename": "vault.md", "content": VAULT, "tier": "external", "classification": "sensitive"}
    response = await labelled.http.post(
        "/v1/knowledge/documents", json=body, headers={"Authorization": f"Bearer {labelled.admin_key}"}
    )
    assert response.status_code == 201 and response.json()["version"] == 2
    record = await labelled.deps.audit.last()
    assert record is not None and record.event.details["classification"] == "sensitive"
    hits = await knowledge.stores["external"].search("vault combination", k=1, reader=Reader("acme"))
    assert hits[0].chunk.classification == "sensitive"


class Fixed:
    def __init__(self, *chunks: Chunk) -> None:
        self.hits = tuple(Hit(c, 1.0) for c in chunks)

    async def retrieve(self, query: str, *, k: int, reader: Reader, tiers=None) -> Retrieval:
        return Retrieval(query, self.hits, searched=("internal",), native=False)


async def test_runs_withhold_a_labelled_chunk_their_floor_does_not_cover() -> None:
    policy = ResidencyPolicy.from_settings(SovereigntySettings())
    floor = policy.base_classes(None, ["internal"])  # a run's steps: internal, so on-prem or eu-cloud
    chunks = [Chunk(f"c{i}", f"d{i}", "text", tenant_id="acme", classification=label)
              for i, label in enumerate(["", "secret", "personal", "public"])]  # fmt: skip
    retrieval = await LabelFloor(Fixed(*chunks), policy, floor).retrieve("q", k=5, reader=Reader("acme"))
    assert [h.chunk.chunk_id for h in retrieval.hits] == ["c0", "c2", "c3"]  # personal: on-prem, eu-cloud too
    assert [w[0] for w in retrieval.withheld] == ["c1"] and "secret" in retrieval.withheld[0][1]


@pytest.mark.parametrize(
    ("floor", "label", "covered"),
    [
        ({"internal"}, "secret", False),
        ({"secret"}, "secret", True),
        ({"internal"}, "personal", True),
        ({"public"}, "internal", False),  # the floor goes anywhere; internal data does not
        ({"public"}, "public", True),
        ({"sensitive"}, "personal", True),
    ],
)
def test_covers(floor: set[str], label: str, covered: bool) -> None:
    assert ResidencyPolicy.from_settings(SovereigntySettings()).covers(floor, label) is covered
