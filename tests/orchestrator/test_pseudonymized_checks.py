"""A run's checked answer is chat's on the same question and documents, placeholders or not.

Chat checks its answer against the documents as written (the retrieval's `kept` texts); a run's
sources reach it through the context rails, which write names and places as the run's placeholders.
Here the rails are a fake that pseudonymizes a few names (`Placeholders`), the policy is
`lexical_answer_policy()` and the planner model answers `extractive` (no model call, as the embedded
SmolLM2): the run must give the answer that chat's `GroundedGateway` gives over the same documents,
short answer included, and keep none of the names in its checkpoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from socle.guardrails.fake import lexical_answer_policy
from socle.guardrails.grounded_gateway import GroundedGateway
from socle.knowledge.base import Chunk, KnowledgeStore, Reader, Tier
from socle.knowledge.memory import InMemoryKnowledgeStore
from socle.knowledge.tiers import Retrieval, TieredRetriever
from socle.orchestrator import AnswerChecks, RunRequest
from socle.orchestrator._pseudonyms import Pseudonyms, pseudonyms
from socle.orchestrator.answers import sources_of
from socle.orchestrator.fake import FunctionChatModel
from socle.router.base import CallTrace, ChatRequest, JSONObject
from socle.router.catalog import Catalog
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter

from tests.orchestrator.kit import DEPLOYMENTS, TENANT, build

pytestmark = pytest.mark.anyio

NAMES = {
    "Ada Lovelace": "<PERSON_1>",
    "Alan Turing": "<PERSON_2>",
    "London": "<LOCATION_1>",
    "Paris": "<LOCATION_2>",
}
DOCS = {
    "people": (
        "Ada Lovelace was a mathematician. She was born in 1815 in London. "
        "Alan Turing was a computer scientist. He was born in 1912 in London."
    ),
    "travel": "Travel policy: hotel nights are reimbursed up to 180 EUR in Paris. Meals are not.",
}
POLICY = lexical_answer_policy()
EXTRACTIVE = AnswerChecks(lambda tenant: POLICY, modes={"small": "extractive", "large": "extractive"})


def masked(text: str) -> str:
    for name, placeholder in NAMES.items():
        text = text.replace(name, placeholder)
    return text


def unmasked(text: str) -> str:
    for name, placeholder in NAMES.items():
        text = text.replace(placeholder, name)
    return text


class Placeholders:
    """The rails of a run, faked: its request and its retrieved chunks take the run's placeholders.

    A `Shield` (`conceal` the request, `reveal` the answer) and a retriever (the chunks as the
    context rails write them), with the same placeholders, as the guard's pseudonymizer gives them
    in one run's scope.
    """

    def __init__(self, inner: TieredRetriever) -> None:
        self.inner = inner

    async def conceal(
        self, messages: Sequence[JSONObject], *, tenant_id: str, key_id: str, conversation_id: str | None
    ) -> list[JSONObject]:
        return [{**m, "content": masked(str(m.get("content")))} for m in messages]

    async def reveal(self, text: str, *, tenant_id: str, key_id: str, conversation_id: str | None) -> str:
        return unmasked(text)

    async def retrieve(self, query: str, *, k: int, reader: Reader, tiers: Any = None) -> Retrieval:
        found = await self.inner.retrieve(query, k=k, reader=reader, tiers=tiers)
        shown = tuple(replace(h, chunk=replace(h.chunk, text=masked(h.chunk.text))) for h in found.hits)
        return replace(found, hits=shown)


def documents() -> TieredRetriever:
    chunks = [
        Chunk(f"{d}-0", d, text, tenant_id=TENANT, source=f"{d}.txt", title=d) for d, text in DOCS.items()
    ]
    stores: dict[Tier, KnowledgeStore] = {"internal": InMemoryKnowledgeStore("internal", chunks)}
    return TieredRetriever(stores)


async def chat_answer(question: str, *, k: int) -> str:
    """What chat with `knowledge` answers: the policy over the documents as written, in its mode."""
    retrieval = await documents().retrieve(question, k=k, reader=Reader.of(TENANT))
    evidence = await POLICY.assess(question, sources_of(retrieval.hits))
    gateway = Gateway(
        StaticRouter(Catalog(DEPLOYMENTS, default="small")), FunctionChatModel(lambda c: "never")
    )
    grounded = GroundedGateway(gateway, POLICY, evidence, mode="extractive")
    request = ChatRequest("auto", {"messages": [{"role": "user", "content": question}]}, tenant_id=TENANT)
    completion = await grounded.complete(request, CallTrace())
    content = completion.body["choices"][0]["message"]["content"]  # type: ignore[index,call-overload]
    return str(content)


async def run_answer(question: str, saver: InMemorySaver) -> tuple[Any, int]:
    rails = Placeholders(documents())
    orchestrator, model = build(
        lambda call: "never asked", answers=EXTRACTIVE, shield=rails, knowledge=rails, checkpointer=saver
    )
    request = RunRequest("socle-orchestrator", [{"role": "user", "content": question}], tenant_id=TENANT)
    result = await orchestrator.run(request)
    assert model.calls == []
    report = await orchestrator.report(result.run_id, tenant_id=TENANT)
    agent = report["tasks"][0]["agent"]
    return result, orchestrator.deps.agents[agent].retrieval_k


@pytest.mark.parametrize(
    "question",
    ["Who was born first, Ada Lovelace or Alan Turing?", "What is the hotel limit in Paris?"],
)
async def test_a_run_answers_as_chat_does_over_the_same_documents(question: str) -> None:
    saver = InMemorySaver()
    result, k = await run_answer(question, saver)
    assert result.status == "completed"
    assert result.answer == await chat_answer(question, k=k)
    saved = " ".join([repr(c) async for c in saver.alist(None)])
    assert saved and not any(name in saved for name in NAMES)  # the run keeps its placeholders only


async def test_a_choice_between_two_pseudonymized_people_leads_with_the_short_answer() -> None:
    result, _ = await run_answer("Who was born first, Ada Lovelace or Alan Turing?", InMemorySaver())
    assert result.answer.startswith("Ada Lovelace — ")
    # each option's year quoted (the sentence that holds it, since the choice leads quote what they say)
    assert '"She was born in 1815 in London." [1]' in result.answer
    assert '"He was born in 1912 in London." [1]' in result.answer
    assert result.grounding is not None and result.grounding["outcome"] == "extracted"


async def revealing(text: str) -> str:
    return unmasked(text)


async def test_pseudonyms_conceal_is_the_inverse_of_reveal_on_revealed_text() -> None:
    names = await pseudonyms(revealing, ["<PERSON_1> met <PERSON_2> in <LOCATION_1>.", "<PERSON_9> stays"])
    assert dict(names.originals) == {
        "<PERSON_1>": "Ada Lovelace",
        "<PERSON_2>": "Alan Turing",
        "<LOCATION_1>": "London",
    }
    text = 'Ada Lovelace — "Ada Lovelace, of London, met Alan Turing." [1] Londoner'
    assert names.conceal(text) == '<PERSON_1> — "<PERSON_1>, of <LOCATION_1>, met <PERSON_2>." [1] Londoner'
    assert names.reveal(names.conceal(text)) == text
    assert names.reveal("<PERSON_9> is unknown") == "<PERSON_9> is unknown"


def test_without_placeholders_texts_pass_unchanged() -> None:
    empty = Pseudonyms()
    assert empty.conceal("Ada Lovelace") == "Ada Lovelace" and empty.reveal("<PERSON_1>") == "<PERSON_1>"
