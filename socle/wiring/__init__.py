"""The composition root: Socle's parts built from `Settings`, for the server, the CLI and `socle eval`.

One module per part, each importing only what its part needs (docs/architecture.md):
`store` (the database, caches, limiters), `guard` (the guardrails), `models` (catalog, router,
canaries, gateways), `drift`, `erasure`, `runs` (the orchestrator: LangGraph) and `system` (all of
it, running: what `socle serve` serves). Nothing is imported here, so that `socle keys list` loads
only `wiring.store`.
"""

__all__: list[str] = []
