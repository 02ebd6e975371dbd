"""Load generator for bench/webhooks.py; runs in its own process, apart from the servers.

Every request (headers + signed body) is built before the clock starts, so the timed part
only connects, sends pre-made bytes and reads the answer. Raw sockets rather than an HTTP
library keep the generator's share of the two CPU cores small.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import itertools
import json
import socket
import sys
import threading
import time
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "shopify" / "orders_create.json"
TIMEOUT_S = 10.0  # per request; a slower answer counts as an error
CUSTOMERS = 1000  # orders cycle over this many customers, like a store with repeat buyers


@dataclasses.dataclass(frozen=True)
class PhaseSpec:
    """One timed phase against one server, as the orchestrator asks for it."""

    port: int
    shop: str
    secret: str
    prefix: str  # makes webhook ids unique across the run
    first_id: int  # first order id; the orchestrator hands out disjoint ranges
    mode: str  # "fixed" (open loop at `rate`) or "saturate" (closed loop, `conns` connections)
    seconds: float
    rate: float = 200.0
    conns: int = 8
    capacity: int = 0  # requests to pre-build for saturation (runs out → phase ends early)


@dataclasses.dataclass
class PhaseResult:
    """What happened: counts, latencies (s) and the webhook ids that were answered 200."""

    sent: int = 0
    ok_ids: list[str] = dataclasses.field(default_factory=list)
    ok_other: int = 0  # 200 whose body did not say "received"
    non200: int = 0
    errors: int = 0
    latencies: list[float] = dataclasses.field(default_factory=list)
    elapsed: float = 0.0
    cpu_s: float = 0.0  # the generator's own CPU seconds over the timed part
    ran_out: bool = False
    error_samples: list[str] = dataclasses.field(default_factory=list)


def _template() -> str:
    """The fixture order as a JSON string with placeholders for the per-request ids."""
    order = json.loads(FIXTURE.read_text(encoding="utf-8"))
    order["id"] = "@ORDER@"
    order["admin_graphql_api_id"] = "gid://shopify/Order/@ORDER@"
    order["name"] = "#@ORDER@"
    order["customer"]["id"] = "@CUSTOMER@"
    return json.dumps(order, ensure_ascii=False)


def build_requests(spec: PhaseSpec, count: int) -> list[tuple[str, bytes]]:
    """(webhook id, complete HTTP request bytes) for `count` unique, signed orders/create."""
    template, key = _template(), spec.secret.encode()
    out = []
    for i in range(count):
        order_id = spec.first_id + i
        body = (
            template.replace('"@ORDER@"', str(order_id))
            .replace("@ORDER@", str(order_id))
            .replace('"@CUSTOMER@"', str(7_000_000_000 + order_id % CUSTOMERS))
        ).encode()
        digest = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
        webhook_id = f"{spec.prefix}-{i}"
        head = (
            f"POST /webhooks/shopify HTTP/1.1\r\nHost: 127.0.0.1:{spec.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Shopify-Topic: orders/create\r\nX-Shopify-Hmac-Sha256: {digest}\r\n"
            f"X-Shopify-Shop-Domain: {spec.shop}\r\nX-Shopify-Webhook-Id: {webhook_id}\r\n"
            f"X-Shopify-Triggered-At: 2026-11-25T00:30:05.000Z\r\nX-Shopify-API-Version: 2026-10\r\n\r\n"
        )
        out.append((webhook_id, head.encode() + body))
    return out


class Connection:
    """One client connection that reconnects whenever the server closes it.

    gunicorn's sync workers answer `Connection: close` every time, so in practice each
    request opens a new TCP connection; a keep-alive server would get its socket reused.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None

    def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT_S)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock.sendall(raw)
            status, body, keep = _read_response(self.sock)
        except BaseException:
            self.close()
            raise
        if not keep:
            self.close()
        return status, body

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def _read_response(sock: socket.socket) -> tuple[int, bytes, bool]:
    """Status, body and whether the connection stays open (Content-Length framing only)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed before the response headers")
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    fields = {k.strip().lower(): v.strip().lower() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    length = int(fields.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed inside the response body")
        body += chunk
    return status, body, fields.get("connection") != "close"


class Recorder:
    """Thread-safe tally of one phase's outcomes."""

    def __init__(self) -> None:
        self.result = PhaseResult()
        self.lock = threading.Lock()

    def send(self, conn: Connection, webhook_id: str, raw: bytes, started: float) -> None:
        """Send one request; latency runs from `started` (the scheduled time in open loop)."""
        try:
            status, body = conn.request(raw)
            error = None
        except (OSError, ValueError, IndexError) as exc:
            status, body, error = 0, b"", f"{type(exc).__name__}: {exc}"
        done = time.perf_counter()
        with self.lock:
            r = self.result
            r.sent += 1
            r.latencies.append(done - started)
            if error:
                r.errors += 1
                if len(r.error_samples) < 3:
                    r.error_samples.append(error)
            elif status == 200:
                r.ok_ids.append(webhook_id)
                r.ok_other += b'"received"' not in body
            else:
                r.non200 += 1


def _fixed_rate(spec: PhaseSpec, reqs: list[tuple[str, bytes]]) -> PhaseResult:
    """Open loop: request i is due at t0 + i/rate whatever happened to earlier ones."""
    rec, counter = Recorder(), itertools.count()
    t0 = time.perf_counter() + 0.05
    deadline = t0 + spec.seconds + 15.0  # past this, unsent requests count as errors

    def worker() -> None:
        conn = Connection(spec.port)
        while (i := next(counter)) < len(reqs):
            due = t0 + i / spec.rate
            if time.perf_counter() > deadline:
                with rec.lock:
                    rec.result.errors += 1
                continue
            time.sleep(max(0.0, due - time.perf_counter()))
            rec.send(conn, *reqs[i], started=due)
        conn.close()

    _run_threads(worker, spec.conns)
    rec.result.elapsed = time.perf_counter() - t0
    return rec.result


def _saturate(spec: PhaseSpec, reqs: list[tuple[str, bytes]]) -> PhaseResult:
    """Closed loop: `conns` connections, each sending its next request as soon as it can."""
    rec, counter = Recorder(), itertools.count()
    t0 = time.perf_counter()
    stop_at = t0 + spec.seconds

    def worker() -> None:
        conn = Connection(spec.port)
        while time.perf_counter() < stop_at:
            i = next(counter)
            if i >= len(reqs):
                rec.result.ran_out = True
                break
            rec.send(conn, *reqs[i], started=time.perf_counter())
        conn.close()

    _run_threads(worker, spec.conns)
    rec.result.elapsed = time.perf_counter() - t0
    return rec.result


def _run_threads(target, n: int) -> None:
    threads = [threading.Thread(target=target, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run_phase(spec: PhaseSpec) -> PhaseResult:
    """Entry point in the generator process: build everything, then run the timed part."""
    sys.setswitchinterval(0.0005)  # wake I/O threads promptly; less GIL-induced latency
    count = int(spec.rate * spec.seconds) if spec.mode == "fixed" else spec.capacity
    reqs = build_requests(spec, count)
    started = time.process_time()
    result = (_fixed_rate if spec.mode == "fixed" else _saturate)(spec, reqs)
    result.cpu_s = time.process_time() - started
    return result
