"""The graph's nodes, one per module: each is `async def node(state, deps) -> update`."""

__all__: list[str] = []
