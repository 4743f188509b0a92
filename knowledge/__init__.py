"""Tiered, access-controlled RAG over Qdrant: internal > external > native knowledge.

Ingestion (parse, chunk, embed, screen), hybrid retrieval with document ACLs in the query, citations,
and the stores behind the `VectorStore` seam (Qdrant Edge embedded, Qdrant server in production).
docs/knowledge.md is the guide.
"""

__all__: list[str] = []
