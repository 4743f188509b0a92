"""Expert agents declared in config (role, prompt, tools, knowledge scope, minimum model tier).

Not built yet (issue: The governing orchestrator and its expert agents).
"""

__all__: list[str] = []
