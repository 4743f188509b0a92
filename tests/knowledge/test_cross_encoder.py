"""The local cross-encoder reranker loads a model folder offline and scores (query, text) pairs.

No reranker weights ship on PyPI, so the model here is a tiny BERT with random weights built in
the test: what is checked is the adapter (offline loading, pair scoring, order), not quality.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from socle.knowledge.base import Chunk, Reader
from socle.knowledge.memory import InMemoryKnowledgeStore
from socle.knowledge.registry import open_reranker
from socle.knowledge.tiers import TieredRetriever

from socle.settings import RerankSettings

pytestmark = pytest.mark.anyio

WORDS = ["refund", "policy", "days", "travel", "lyon", "rhone", "river", "paris", "seine", "the", "is"]


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-layer BERT sequence classifier (one logit) with its WordPiece tokenizer, saved to disk."""
    torch = pytest.importorskip("torch")
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder = tmp_path_factory.mktemp("cross-encoder")
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64, num_labels=1,
    )  # fmt: skip
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


async def test_scores_are_the_model_s_and_follow_the_pairs(tiny_cross_encoder: Path) -> None:
    from sentence_transformers import CrossEncoder

    reranker = open_reranker(RerankSettings(engine="cross-encoder", path=tiny_cross_encoder))
    assert reranker is not None
    texts = ["refund policy is 30 days", "the rhone river", "refund policy is 30 days"]
    scores = await reranker.score("refund days", texts)
    expected = CrossEncoder(str(tiny_cross_encoder), device="cpu").predict(
        [("refund days", t) for t in texts]
    )
    assert scores == pytest.approx([float(x) for x in expected], abs=1e-5)
    assert scores[0] == pytest.approx(scores[2]) and scores[0] != pytest.approx(scores[1])
    assert await reranker.score("refund days", []) == []


async def test_the_retriever_orders_hits_by_the_cross_encoder(tiny_cross_encoder: Path) -> None:
    reranker = open_reranker(RerankSettings(engine="cross-encoder", path=tiny_cross_encoder))
    assert reranker is not None
    texts = ["refund policy days", "refund travel", "refund lyon rhone", "refund paris seine"]
    store = InMemoryKnowledgeStore(
        "internal", [Chunk(f"c{i}", f"d{i}", t, tenant_id="a") for i, t in enumerate(texts)]
    )
    retriever = TieredRetriever({"internal": store}, reranker=reranker, rerank_candidates=4)
    result = await retriever.retrieve("refund", k=4, reader=Reader("a"))
    scores = await reranker.score("refund", [h.chunk.text for h in result.hits])
    assert scores == sorted(scores, reverse=True)
    assert [h.score for h in result.hits] == pytest.approx(scores)
