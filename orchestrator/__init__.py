"""The governing LangGraph graph: plan, expert agents in parallel, ground, synthesize, verify.

Not built yet (issue: The governing orchestrator). It will call models only through
`socle.router.Gateway`, like the HTTP API does.
"""

__all__: list[str] = []
