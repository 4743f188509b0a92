"""A minimal, fast OpenAI-compatible upstream for bench/gateway.py: raw asyncio HTTP/1.1, keep-alive.

Every POST gets the same small chat.completion; every GET gets a one-model /v1/models list. It must
never be the bottleneck, so it reads only the end of each request head and its Content-Length, and
answers with pre-built bytes (uvloop when installed).

    python bench/mock_upstream.py --port 9100
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import cast

COMPLETION = {
    "id": "chatcmpl-mock",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "mock",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "pong"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
}
MODELS = {
    "object": "list",
    "data": [{"id": "mock", "object": "model", "owned_by": "bench"}],
}


def response(payload: dict[str, object]) -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    head = f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    return head.encode() + body


CHAT, LIST = response(COMPLETION), response(MODELS)


def content_length(head: bytes) -> int:
    marker = head.lower().find(b"\r\ncontent-length:")
    if marker < 0:
        return 0
    stop = head.find(b"\r\n", marker + 2)
    return int(head[marker + 17 : stop if stop >= 0 else len(head)])


class MockProtocol(asyncio.Protocol):
    """Answers each complete request on the connection, in order (pipelining works too)."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no asyncio.Transport subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            total = end + 4 + content_length(self.buffer[:end])
            if len(self.buffer) < total:
                return
            reply = LIST if self.buffer.startswith(b"GET") else CHAT
            self.buffer = self.buffer[total:]
            if self.transport is not None:
                self.transport.write(reply)


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(MockProtocol, host, port, backlog=4096)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        uvloop = None
    if uvloop is not None:
        uvloop.install()
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
