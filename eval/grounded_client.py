"""`SocleClient`: the calls `grounded-qa` makes to a Socle server, and how it reads the answers.

A grounded answer is read from the JSON response: the text, `citations` (`[n]` -> document),
`unsourced`, and, when the server sends it, the `grounding` field (`outcome`, `removed_claims`,
`checked_claims`, `mode`: what the groundedness check did). The deployment that answered is the
`x-socle-model` header, else the body's `model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx
from pydantic import BaseModel, Field, ValidationError
from socle.eval.base import GroundedAnswer, GroundingReport
from socle.eval.chat_view import ChatCompletionView
from socle.eval.errors import CaseError, EvalError


class _Citation(BaseModel):
    index: int
    document_id: str


class _Grounding(BaseModel):
    outcome: Literal["answered", "repaired", "extracted", "abstained"]
    removed_claims: list[str] = Field(default_factory=list)
    checked_claims: int = 0
    mode: str = ""

    def report(self) -> GroundingReport:
        return GroundingReport(
            self.outcome,
            removed_claims=tuple(self.removed_claims),
            checked_claims=self.checked_claims,
            mode=self.mode,
        )


class _GroundedCompletion(ChatCompletionView):
    citations: list[_Citation] = Field(default_factory=list)
    unsourced: bool = False
    grounding: _Grounding | None = None


def read_answer(response: httpx.Response) -> GroundedAnswer:
    """The grounded answer of a successful chat completion response.

    Raises:
        CaseError: the body is not a chat completion (or its `grounding` field is malformed).
    """
    try:
        completion = _GroundedCompletion.model_validate_json(response.content)
    except ValidationError as e:
        raise CaseError(f"not a grounded chat completion: {e.error_count()} problem(s)") from e
    sources = tuple(c.document_id for c in sorted(completion.citations, key=lambda c: c.index))
    return GroundedAnswer(
        completion.text,
        sources,
        unsourced=completion.unsourced,
        grounding=completion.grounding.report() if completion.grounding else None,
        model=response.headers.get("x-socle-model") or completion.model,
    )


def _error(response: httpx.Response) -> str:
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = response.text[:200]
    return f"HTTP {response.status_code}: {message}"


@dataclass(frozen=True, slots=True)
class SocleClient:
    """The three calls the suite makes to a Socle server."""

    http: httpx.AsyncClient

    async def ingest(self, document_id: str, text: str) -> None:
        """Ingest `text` as an internal document. Raises `EvalError`: the run cannot go on without it."""
        body = {
            "filename": f"{document_id.rsplit('/', 1)[-1]}.txt",
            "content": text,
            "document_id": document_id,
        }
        try:
            response = await self.http.post("/v1/knowledge/documents", json=body)
        except httpx.TransportError as e:
            raise EvalError(f"cannot reach Socle at {self.http.base_url}: {e!r}") from e
        if response.status_code >= 400:
            raise EvalError(
                f"ingesting {document_id!r} failed: {_error(response)} (is --api-key an admin key?)"
            )

    async def ask(self, question: str, *, model: str, k: int, max_tokens: int) -> GroundedAnswer:
        """The grounded answer to `question`. Raises `CaseError` on any failure."""
        body = {
            "model": model,
            "messages": [{"role": "user", "content": question}],
            "knowledge": {"k": k},
            "temperature": 0,
            "max_tokens": max_tokens,
        }
        try:
            response = await self.http.post("/v1/chat/completions", json=body)
        except httpx.TransportError as e:
            raise CaseError(f"transport error: {e!r}") from e
        if response.status_code >= 400:
            raise CaseError(_error(response))
        return read_answer(response)

    async def delete(self, document_id: str) -> bool:
        """Erase the document; False if the server refused or could not be reached (404: already gone)."""
        try:
            response = await self.http.delete(f"/v1/knowledge/documents/{document_id}")
        except httpx.TransportError:
            return False
        return response.status_code < 400 or response.status_code == 404
