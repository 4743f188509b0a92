"""`StrictLocalQdrant`: qdrant-client's local mode, as strict about payload indexes as a server.

Local mode ignores payload indexes and filters anything. A Qdrant server in strict mode
(`unindexed_filtering_retrieve` / `unindexed_filtering_update` false, the setting of managed
clusters) refuses a filter on a key that has no index of the matched value's type, with
"Index required but not found for ...". This client records the indexes created through it and
raises that error for every filter it is given (searches, counts, scrolls, filtered updates and
deletes), so a store's collection setup is checked here without a server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qdrant_client import AsyncQdrantClient, models


class UnindexedFilter(RuntimeError):
    """What a strict Qdrant server answers (HTTP 400) for a filter on a key without its index."""


def _schema_type(schema: Any) -> str:
    """`keyword`, `bool`, `integer`, ... of a `PayloadSchemaType` or of index params."""
    kind = getattr(schema, "type", schema)
    return str(getattr(kind, "value", kind))


def _value_type(match: Any) -> str:
    """The index type a server requires to match this value (a bool is no integer here)."""
    if isinstance(match, models.MatchAny):
        values = list(match.any)
        return "integer" if values and isinstance(values[0], int) else "keyword"
    value = getattr(match, "value", None)
    if isinstance(value, bool):
        return "bool"
    return "integer" if isinstance(value, int) else "keyword"


def conditions(flt: models.Filter) -> Iterator[models.FieldCondition]:
    """Every field condition of a filter, nested filters included."""
    for clause in (flt.must, flt.should, flt.must_not):
        items = clause if isinstance(clause, list) else [clause] if clause is not None else []
        for item in items:
            if isinstance(item, models.Filter):
                yield from conditions(item)
            elif isinstance(item, models.FieldCondition):
                yield item


class StrictLocalQdrant(AsyncQdrantClient):
    """A local-mode client that refuses filters on unindexed keys, like a server in strict mode."""

    def __init__(self, location: str = ":memory:") -> None:
        super().__init__(location=location)
        self.indexes: dict[tuple[str, str], str] = {}  # (collection, key) -> index type
        self.checked: set[str] = set()  # the keys of every filter that passed

    async def create_payload_index(  # type: ignore[override]
        self, collection_name: str, field_name: str, field_schema: Any = None, **kwargs: Any
    ) -> Any:
        # Not passed on: local mode has no payload indexes, and warns about each one.
        self.indexes[(collection_name, field_name)] = _schema_type(field_schema)
        return models.UpdateResult(operation_id=0, status=models.UpdateStatus.COMPLETED)

    def _check(self, collection: str, flt: models.Filter | None) -> None:
        for condition in conditions(flt) if flt is not None else ():
            needed = _value_type(condition.match)
            if self.indexes.get((collection, condition.key)) != needed:
                raise UnindexedFilter(
                    f'Bad request: Index required but not found for "{condition.key}" of one of the '
                    f"following types: [{needed}]"
                )
            self.checked.add(condition.key)

    def _check_selector(self, collection: str, selector: Any) -> None:
        if isinstance(selector, models.FilterSelector):
            self._check(collection, selector.filter)

    async def query_points(self, collection_name: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._check(collection_name, kwargs.get("query_filter"))
        prefetch = kwargs.get("prefetch") or []
        for p in prefetch if isinstance(prefetch, list) else [prefetch]:
            self._check(collection_name, p.filter)
        return await super().query_points(collection_name, *args, **kwargs)

    async def count(self, collection_name: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._check(collection_name, kwargs.get("count_filter"))
        return await super().count(collection_name, *args, **kwargs)

    async def scroll(self, collection_name: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._check(collection_name, kwargs.get("scroll_filter"))
        return await super().scroll(collection_name, *args, **kwargs)

    async def delete(self, collection_name: str, points_selector: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._check_selector(collection_name, points_selector)
        return await super().delete(collection_name, points_selector, **kwargs)

    async def set_payload(self, collection_name: str, payload: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._check_selector(collection_name, kwargs.get("points"))
        return await super().set_payload(collection_name, payload, **kwargs)
