"""`socle ingest`: files and folders into a knowledge tier, locally or through a running server."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from socle.errors import SocleError
from socle.knowledge.base import DocumentSpec, IngestResult
from socle.knowledge.ingest import Ingestor, Upload
from socle.knowledge.loaders import LOADERS
from socle.settings import Settings

IngestBatch = Callable[[Sequence[tuple[Path, DocumentSpec]]], Awaitable[list[IngestResult | str]]]
"""Ingest some files; one result per file, in order: what ingesting it did, or why it failed."""

BATCH = 32
"""Files per batch: their chunks are embedded and written together (see `Ingestor.ingest_many`)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One file's result, or why it failed."""

    path: Path
    result: IngestResult | None
    error: str = ""


def with_embedding_threads(settings: Settings, threads: int) -> Settings:
    """`settings` with the local embedder on `threads` threads (`socle ingest --threads`).

    Ingestion embeds batches of chunks, which torch spreads over the threads it is given: worth it
    on idle cores only (measured on 2 busy cores, 2 threads were slower than 1: docs/knowledge.md).
    """
    embedding = settings.knowledge.embedding.model_copy(update={"threads": threads})
    knowledge = settings.knowledge.model_copy(update={"embedding": embedding})
    return settings.model_copy(update={"knowledge": knowledge})


def collect(paths: Iterable[Path]) -> list[Path]:
    """The supported files among `paths`, folders walked recursively, sorted, without duplicates."""
    found: dict[Path, None] = {}
    for path in paths:
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for candidate in candidates:
            if candidate.suffix.lower() in LOADERS:
                found[candidate] = None
    return list(found)


def document_id(path: Path, root: Path | None = None) -> str:
    """A stable id: the path relative to where the user pointed, with forward slashes."""
    if root is not None and root.is_dir():
        return path.relative_to(root).as_posix()
    return path.name


async def run(
    files: list[Path], spec_for: Callable[[Path], DocumentSpec], ingest: IngestBatch, console: Console
) -> list[Outcome]:
    """Ingest every file, `BATCH` at a time, with a progress bar; a file that fails stops no other."""
    outcomes: list[Outcome] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("Ingesting", total=len(files))
        for start in range(0, len(files), BATCH):
            group = files[start : start + BATCH]
            progress.update(
                task, description=f"Ingesting {group[0].name}" + (" ..." if len(group) > 1 else "")
            )
            try:
                results = await ingest([(path, spec_for(path)) for path in group])
            except (SocleError, OSError, httpx.HTTPError) as e:
                results = [getattr(e, "message", None) or str(e)] * len(group)
            for path, result in zip(group, results, strict=True):
                outcomes.append(
                    Outcome(path, None, result) if isinstance(result, str) else Outcome(path, result)
                )
            progress.advance(task, len(group))
    return outcomes


def summary(outcomes: list[Outcome]) -> Table:
    """The per-file table printed at the end."""
    table = Table("file", "document id", "result", "version", "chunks", "quarantined")
    for o in outcomes:
        if o.result is None:
            table.add_row(str(o.path), "", f"[red]failed: {o.error}[/]", "", "", "")
        else:
            r = o.result
            table.add_row(
                str(o.path), r.document_id, r.action, str(r.version), str(r.chunks), str(r.quarantined)
            )
    return table


def local_ingest(ingestor: Ingestor) -> IngestBatch:
    """Ingest with this process's own knowledge stores, a batch of files per write."""

    async def ingest(batch: Sequence[tuple[Path, DocumentSpec]]) -> list[IngestResult | str]:
        results: list[IngestResult | str] = []
        uploads: list[Upload] = []
        slots: list[int] = []
        for path, spec in batch:
            try:
                uploads.append(Upload(await anyio.Path(path).read_bytes(), path.name, spec))
                slots.append(len(results))
                results.append("")
            except OSError as e:
                results.append(f"cannot read the file: {e.strerror or e}")
        for slot, result in zip(slots, await ingestor.ingest_many(uploads), strict=True):
            results[slot] = result.message if isinstance(result, SocleError) else result
        return results

    return ingest


def server_ingest(client: httpx.AsyncClient) -> IngestBatch:
    """Ingest through POST /v1/knowledge/documents of a running server, one request per file."""

    async def ingest_one(path: Path, spec: DocumentSpec) -> IngestResult:
        data = await anyio.Path(path).read_bytes()
        body: dict[str, object] = {
            "filename": path.name,
            "tier": spec.tier,
            "acl": list(spec.acl),
            "document_id": spec.document_id,
            "content_base64": base64.b64encode(data).decode(),
            "classification": spec.classification,
        }
        response = await client.post("/v1/knowledge/documents", json=body)
        if response.status_code not in (200, 201):
            raise SocleError(response.json().get("error", {}).get("message", response.text))
        payload = response.json()
        return IngestResult(
            payload["document_id"], payload["action"], payload["version"], payload["chunks"],
            quarantined=payload["quarantined"],
        )  # fmt: skip

    async def ingest(batch: Sequence[tuple[Path, DocumentSpec]]) -> list[IngestResult | str]:
        results: list[IngestResult | str] = []
        for path, spec in batch:
            try:
                results.append(await ingest_one(path, spec))
            except (SocleError, OSError, httpx.HTTPError) as e:
                results.append(getattr(e, "message", None) or str(e))
        return results

    return ingest
