"""Tiered, access-controlled RAG over Qdrant: internal > external > native knowledge.

Not built yet (issue: Knowledge).
"""

__all__: list[str] = []
