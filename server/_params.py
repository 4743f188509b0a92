"""Query parameters several routes read the same way, with the same 400 when they are unusable."""

from __future__ import annotations

from datetime import UTC, datetime

from socle.errors import InvalidRequestError


def since(text: str | None) -> datetime | None:
    """`?since=` as an aware datetime (a date or time without a zone is UTC); None when absent.

    Raises:
        InvalidRequestError: not an ISO date or time (400, `param: since`).
    """
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError as e:
        raise InvalidRequestError(f"since {text!r} is not an ISO date or time", param="since") from e
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
