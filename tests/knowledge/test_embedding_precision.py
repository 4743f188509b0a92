"""bfloat16 autocast of the packaged MiniLM: the vectors stay those of float32, to within rounding."""

from __future__ import annotations

import pytest
from socle.knowledge.embeddings import SentenceTransformerEmbedder

pytestmark = pytest.mark.anyio

TEXTS = [
    "Employees get 25 days of paid leave per year.",
    "Le NIR compte quinze chiffres et identifie une personne.",
    "The 2026 bonus pool is 3% of payroll, paid in March after the annual review.",
]


async def test_bfloat16_vectors_agree_with_float32() -> None:
    full = await SentenceTransformerEmbedder(precision="float32").embed(TEXTS)
    half = await SentenceTransformerEmbedder(precision="bfloat16").embed(TEXTS)
    for a, b in zip(full, half, strict=True):
        assert sum(x * y for x, y in zip(a, b, strict=True)) > 0.999
        assert max(abs(x - y) for x, y in zip(a, b, strict=True)) > 1e-4  # bfloat16 did run
