"""`socle ingest`: documents into a knowledge tier, on this machine or through a running Socle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import httpx
import typer

from socle.cli._common import ConfigOption, console
from socle.cli._common import run as _run
from socle.cli._common import settings as _settings
from socle.knowledge.base import DocumentSpec
from socle.sovereignty_settings import ClassName


def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders (txt, md, html, pdf, docx).", exists=True)
    ],
    tier: Annotated[
        str, typer.Option(help="internal (company documents) or external (curated sources).")
    ] = "internal",
    acl: Annotated[
        list[str] | None,
        typer.Option(help="Who may read: '*' (default), 'group:<name>' or 'key:<id>'; repeatable."),
    ] = None,
    tenant: Annotated[str, typer.Option(help="Tenant owning the documents (local mode).")] = "default",
    label: Annotated[
        ClassName | None,
        typer.Option(help="The documents' data class: public, internal, personal, sensitive or secret."),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(help="Ingest through a running Socle, e.g. http://127.0.0.1:8000 (needs --api-key)."),
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="SOCLE_API_KEY", help="Admin key for --server.")
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="CPU threads embedding the chunks (local mode; default: knowledge.embedding.threads). "
            "More help only when cores are idle.",
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Ingest documents into a knowledge tier, with a progress bar and a summary table.

    Re-ingesting an unchanged file does nothing; a changed file becomes a new version.
    """
    from socle.cli import ingest_command as ic

    settings = _settings(config)
    if threads is not None:
        settings = ic.with_embedding_threads(settings, threads)
    files = ic.collect(paths)
    if not files:
        console.print("[yellow]no supported files found[/]")
        raise typer.Exit(1)
    roots = {f: next((p for p in paths if p.is_dir() and f.is_relative_to(p)), None) for f in files}
    acl_entries = tuple(acl or ["*"])

    def spec_for(path: Path) -> DocumentSpec:
        return DocumentSpec(
            tenant, tier=tier, acl=acl_entries, document_id=ic.document_id(path, roots[path]),  # type: ignore[arg-type]
            ingested_by="cli", classification=label,
        )  # fmt: skip

    async def run_local() -> list[ic.Outcome]:
        from socle.guardrails.chunk_screen import GuardScreen
        from socle.knowledge.service import open_knowledge
        from socle.wiring.guard import build_guard

        guard = await build_guard(settings, warm=False)  # its retrieval rails screen every chunk
        screen = GuardScreen(guard) if guard is not None else None
        async with open_knowledge(settings, screen=screen) as knowledge:
            return await ic.run(files, spec_for, ic.local_ingest(knowledge.ingestor), console)

    async def run_remote() -> list[ic.Outcome]:
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        async with httpx.AsyncClient(
            base_url=(server or "").rstrip("/"), headers=headers, timeout=300
        ) as client:
            return await ic.run(files, spec_for, ic.server_ingest(client), console)

    outcomes = _run(run_remote if server else run_local)
    console.print(ic.summary(outcomes))
    failed = sum(o.result is None for o in outcomes)
    chunks = sum(o.result.chunks for o in outcomes if o.result)
    console.print(f"{len(outcomes) - failed} ingested ({chunks} chunks), {failed} failed")
    if failed:
        raise typer.Exit(1)
