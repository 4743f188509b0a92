"""Grounding a chat request in retrieved evidence: numbered sources in, `[n]` citations out (pure).

The sources go to the model as one system message; the answer's citations list says, for each `[n]`,
which document, version, page and tier it points to, so clients can show and check them.
"""

from __future__ import annotations

from collections.abc import Sequence

from socle.knowledge.tiers import Retrieval

INSTRUCTIONS = (
    "Answer using the numbered sources below. After each statement taken from a source, cite it as [n]. "
    "If the sources do not contain the answer, say so instead of guessing."
)
UNSOURCED = (
    "No company document or curated source matches this question. Answer from general knowledge only "
    "if you are sure, and say that the answer is not backed by the company's documents."
)


def last_user_text(messages: Sequence[object]) -> str:
    """The text of the last user message: the retrieval query."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def sources_message(retrieval: Retrieval) -> dict[str, str]:
    """The system message carrying the numbered sources (or the unsourced warning)."""
    if not retrieval.hits:
        return {"role": "system", "content": UNSOURCED}
    blocks = []
    for n, hit in enumerate(retrieval.hits, start=1):
        chunk = hit.chunk
        where = ", ".join(
            x for x in (chunk.title, f"p. {chunk.page}" if chunk.page else "", chunk.heading) if x
        )
        blocks.append(f"[{n}] ({where})\n{chunk.text}")
    return {"role": "system", "content": INSTRUCTIONS + "\n\n" + "\n\n".join(blocks)}


def citations(retrieval: Retrieval) -> list[dict[str, object]]:
    """The machine-readable list behind the `[n]` markers."""
    return [
        {
            "index": n,
            "document_id": hit.chunk.document_id,
            "title": hit.chunk.title,
            "version": hit.chunk.version,
            "page": hit.chunk.page,
            "heading": hit.chunk.heading,
            "tier": hit.chunk.tier,
            "source": hit.chunk.source,
            "score": hit.score,
        }
        for n, hit in enumerate(retrieval.hits, start=1)
    ]


def grounded_messages(messages: Sequence[dict[str, object]], retrieval: Retrieval) -> list[dict[str, object]]:
    """`messages` with the sources message placed just before the last user message."""
    return _before_last_user(messages, sources_message(retrieval))


def unsourced_messages(messages: Sequence[dict[str, object]]) -> list[dict[str, object]]:
    """`messages` with the unsourced warning (no source answers) just before the last user message."""
    return _before_last_user(messages, {"role": "system", "content": UNSOURCED})


def _before_last_user(
    messages: Sequence[dict[str, object]], message: dict[str, str]
) -> list[dict[str, object]]:
    out = list(messages)
    for i in range(len(out) - 1, -1, -1):
        if out[i].get("role") == "user":
            return [*out[:i], dict(message), *out[i:]]
    return [*out, dict(message)]
