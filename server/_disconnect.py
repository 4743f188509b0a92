"""`until_disconnected`: run a handler's work, and stop it as soon as the client goes away.

A server does not stop a handler whose client closed the connection: the work runs to its end and
its answer is dropped. For the CPU-heavy handlers (embeddings, ingestion, search) that is work
anyone with a key can have done for nothing, again and again. Here the work runs beside a watcher
that waits for the ASGI `http.disconnect` message and cancels the work when it comes. Work done in
a worker thread cannot be interrupted: it stops at its next await, so CPU-heavy work is done in
bounded steps (batches), each one a thread call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
from fastapi import Request

T = TypeVar("T")

CLIENT_CLOSED = 499
"""The status the request log records for a request whose client left first (nginx's)."""


class ClientGone(Exception):
    """The client disconnected before the work finished; the work was cancelled."""


async def until_disconnected(request: Request, work: Callable[[], Awaitable[T]]) -> T:
    """`await work()`, cancelled if the client disconnects first.

    Call it once the request body has been read: the watcher takes the next ASGI messages.

    Raises:
        ClientGone: the client left and the work was cancelled.
    """
    done: list[T] = []
    try:
        async with anyio.create_task_group() as group:

            async def watch() -> None:
                while (await request.receive())["type"] != "http.disconnect":
                    pass
                group.cancel_scope.cancel()

            async def run() -> None:
                done.append(await work())
                group.cancel_scope.cancel()

            group.start_soon(watch)
            group.start_soon(run)
    except BaseExceptionGroup as errors:  # the work failed: its own error, not the group's
        if len(errors.exceptions) == 1:
            raise errors.exceptions[0] from errors
        raise
    if not done:
        raise ClientGone
    return done[0]
