"""A lean fake of LINE's push endpoint for bench/dispatch.py, in a process of its own.

tests/fakes/line.py (werkzeug, full validation, every request recorded) is what tests
use; under a 100,000-message load it would be the bottleneck. This one is a bare asyncio
HTTP/1.1 server with keep-alive that still answers push like LINE does:

- 401 unless `Authorization: Bearer <token>`;
- 400 unless `to` is a user id and 1-5 messages are given, or the retry key is not a UUID;
- 200 {"sentMessages": [{"id", "quoteToken"}...]} and `x-line-request-id` on acceptance;
- 409 {"message": "The retry key is already accepted", "sentMessages": [...]} plus
  `x-line-accepted-request-id` on a retry key it accepted before.

GET /v2/bot/message/quota answers {"type": "none"}; GET /_stats reports what was accepted
(and this process's CPU seconds); POST /_reset forgets the keys between phases.

    python bench/_fake_push.py PORT TOKEN
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
import uuid

UUID_RE = re.compile(rb"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
USER_RE = re.compile(r"^U[0-9a-f]{32}$")
REASONS = {200: b"OK", 400: b"Bad Request", 401: b"Unauthorized", 404: b"Not Found", 409: b"Conflict"}


class State:
    def __init__(self, token: str):
        self.auth = f"Bearer {token}".encode()
        self.reset()

    def reset(self) -> None:
        self.keys: dict[bytes, tuple[str, list]] = {}  # retry key -> (request id, sentMessages)
        self.accepted = 0
        self.conflicts = 0
        self.rejected = 0
        self.recipients: dict[str, int] = {}  # user id -> messages accepted for them
        self.first = self.last = 0.0


def respond(status: int, payload, headers: dict[str, str] | None = None) -> bytes:
    body = json.dumps(payload).encode()
    head = [
        b"HTTP/1.1 %d %s" % (status, REASONS[status]),
        b"Content-Type: application/json",
        b"Content-Length: %d" % len(body),
        b"x-line-request-id: " + str(uuid.uuid4()).encode(),
    ]
    head += [f"{k}: {v}".encode() for k, v in (headers or {}).items()]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def push(state: State, headers: dict[bytes, bytes], body: bytes) -> bytes:
    if headers.get(b"authorization") != state.auth:
        state.rejected += 1
        return respond(
            401,
            {"message": "Authentication failed. Confirm that the access token in the authorization header is valid."},
        )
    key = headers.get(b"x-line-retry-key")
    if key is not None and not UUID_RE.match(key):
        state.rejected += 1
        return respond(400, {"message": "The value for the 'X-Line-Retry-Key' header is invalid"})
    try:
        doc = json.loads(body)
        to, messages = doc["to"], doc["messages"]
    except (ValueError, KeyError, TypeError):
        state.rejected += 1
        return respond(400, {"message": "The request body has 1 error(s)"})
    if (
        not isinstance(to, str)
        or not USER_RE.match(to)
        or not isinstance(messages, list)
        or not 1 <= len(messages) <= 5
    ):
        state.rejected += 1
        return respond(400, {"message": "The request body has 1 error(s)"})
    if key is not None and key in state.keys:
        state.conflicts += 1
        prior_id, sent = state.keys[key]
        return respond(
            409,
            {"message": "The retry key is already accepted", "sentMessages": sent},
            {"x-line-accepted-request-id": prior_id},
        )
    request_id = str(uuid.uuid4())
    sent = [{"id": str(uuid.uuid4().int % 10**18), "quoteToken": uuid.uuid4().hex} for _ in messages]
    if key is not None:
        state.keys[key] = (request_id, sent)
    state.accepted += 1
    state.recipients[to] = state.recipients.get(to, 0) + len(messages)
    state.last = time.time()
    state.first = state.first or state.last
    return respond(200, {"sentMessages": sent})


def stats(state: State) -> dict:
    counts = list(state.recipients.values())
    return {
        "accepted": state.accepted,
        "conflicts": state.conflicts,
        "rejected": state.rejected,
        "distinct_keys": len(state.keys),
        "recipients": len(counts),
        "max_per_recipient": max(counts, default=0),
        "cpu_s": time.process_time(),
        "first": state.first,
        "last": state.last,
    }


def route(state: State, method: bytes, path: bytes, headers: dict[bytes, bytes], body: bytes) -> bytes:
    if method == b"POST" and path == b"/v2/bot/message/push":
        return push(state, headers, body)
    if method == b"GET" and path == b"/v2/bot/message/quota":
        return respond(200, {"type": "none"})
    if method == b"GET" and path == b"/_stats":
        return respond(200, stats(state))
    if method == b"POST" and path == b"/_reset":
        state.reset()
        return respond(200, {"ok": True})
    return respond(404, {"message": "Not found"})


class Http(asyncio.Protocol):
    def __init__(self, state: State):
        self.state, self.buffer = state, b""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        out = []
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            lines = self.buffer[:end].split(b"\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            if len(self.buffer) < end + 4 + length:
                break
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, path = lines[0].split(b" ")[:2]
            out.append(route(self.state, method, path, headers, body))
        if out:
            self.transport.write(b"".join(out))


async def main(port: int, token: str) -> None:
    state = State(token)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Http(state), "127.0.0.1", port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
