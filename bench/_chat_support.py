"""The fake LINE server and the load drivers for bench/chat.py.

The fake runs under gunicorn as ONE gthread worker: `FakeLine` keeps its state (reply
tokens, retry keys, the per-endpoint rate-limit window) per process, so with one process
the reply tokens the driver gets are the ones that answer, and the 429 counter and the
sliding window are exact for the whole channel. `BenchFake` wraps it to timestamp reply
arrivals and to answer the benchmark's own `/_bench/*` admin calls.

The drivers (`run_chat`, `run_flood`, `run_burst`) run in a spawned process of their own,
apart from both servers, like bench/_load.py does for bench/webhooks.py.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import logging
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as common
from bench._load import Connection
from tests.fakes import line_events as events

# label -> what the shopper types; the first five are the chat's commands
TEXTS = {
    "order": "注文",
    "stop": "配信停止",
    "resume": "配信再開",
    "link": "連携",
    "help": "help",
    "free text": "こんにちは！おすすめの商品はありますか？",
}
FAKE_THREADS = 16


# -- the fake LINE server (inside gunicorn) ------------------------------------------------
class BenchFake:
    """FakeLine plus what only a benchmark needs: when each reply arrived, and knobs.

    Arrival is `time.monotonic()` when the reply request reaches the WSGI app; on Linux
    that is CLOCK_MONOTONIC, one clock for every process, so the driver can subtract its
    own send time from it.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: dict[str, tuple[float, int]] = {}  # reply token -> (arrival, status)
        self.fake = self._new(enforce=True, push_limit=2000)

    @staticmethod
    def _new(*, enforce: bool, push_limit: int, reply_token_ttl: float = 60.0):
        from tests.fakes.line import FakeLine

        return FakeLine(
            channel_secret=os.environ["BENCH_LINE_SECRET"],
            access_token=os.environ["BENCH_LINE_TOKEN"],
            bot_user_id=os.environ["BENCH_LINE_BOT"],
            quota=None,
            enforce_rate_limits=enforce,
            push_limit_per_s=push_limit,
            reply_token_ttl=reply_token_ttl,
        )

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_bench/"):
            return self._admin(environ, start_response, path.removeprefix("/_bench/"))
        if path == "/v2/bot/message/reply":
            return self._timed_reply(environ, start_response)
        return self.fake(environ, start_response)

    def _timed_reply(self, environ, start_response):
        arrived = time.monotonic()
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            token = str(json.loads(raw).get("replyToken") or "")
        except (ValueError, AttributeError):
            token = ""

        def capture(status, headers, exc_info=None):
            with self.lock:
                self.arrivals[token] = (arrived, int(status.split()[0]))
            return start_response(status, headers, exc_info)

        return self.fake(environ, capture)

    def _admin(self, environ, start_response, verb: str):
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        args = json.loads(raw or b"{}")
        if verb == "tokens":  # reply tokens this process will honour, one per user
            answer = {"tokens": [self.fake.issue_reply_token(u) for u in args["users"]]}
        elif verb == "follow":  # new friends: a profile LINE will answer, and a reply token each
            for user in args["users"]:
                self.fake.add_user(user, display_name=f"友だち{user[-4:]}")
            answer = {"tokens": [self.fake.issue_reply_token(u) for u in args["users"]]}
        elif verb == "reset":  # a fresh channel state: window, counters, keys, arrivals
            with self.lock:
                self.fake = self._new(
                    enforce=args["enforce"],
                    push_limit=args["push_limit"],
                    reply_token_ttl=args.get("reply_token_ttl", 60.0),
                )
                self.arrivals = {}
            answer = {"ok": True}
        else:
            answer = self._stats()
        body = json.dumps(answer).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def _stats(self) -> dict:
        fake = self.fake
        with self.lock, fake._lock:
            pushes = [d for d in fake.deliveries if d.kind == "push"]
            kinds = Counter(d.messages[0].get("type", "?") for d in fake.deliveries if d.kind == "reply")
            return {
                "pid": os.getpid(),
                "arrivals": dict(self.arrivals),
                "reply_types": dict(kinds),
                "rate_limited": dict(fake.rate_limited),
                "pushes": len(pushes),
                "retry_keys": len({d.retry_key for d in pushes if d.retry_key}),
                "push_limit": fake.push_limit_per_s,
                "enforce": fake.enforce_rate_limits,
            }


def fake_app() -> BenchFake:
    """gunicorn factory: `bench._chat_support:fake_app()`."""
    return BenchFake()


def start_fake(tmp: Path, line_env: dict[str, str]) -> common.Server:
    """One gthread worker (exact shared state, see the module docstring), keep-alive on."""
    port, log = common.free_port(), tmp / "fake-line.log"
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        "1",
        "-k",
        "gthread",
        "--threads",
        str(FAKE_THREADS),
        "-b",
        f"127.0.0.1:{port}",
        "--chdir",
        str(common.ROOT),
        "--error-logfile",
        str(log),
        "bench._chat_support:fake_app()",
    ]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, env={**os.environ, **line_env}, stdout=out, stderr=out, cwd=common.ROOT)
    return common.Server("fake-line", port, proc, log)


def admin(port: int, verb: str, payload: dict | None = None) -> dict:
    """Call the fake's /_bench/<verb> (POST with a JSON body, GET without)."""
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/_bench/{verb}", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as answer:
        return json.loads(answer.read())


# -- chat round trip (driver process) --------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ChatSpec:
    app_port: int
    fake_port: int
    secret: str
    bot_user_id: str
    users: tuple[str, ...]
    events: int
    senders: int = 4
    batch: int = 25  # reply tokens fetched per round trip to the fake, outside the clock
    seed: int = 1


@dataclasses.dataclass
class Sent:
    """One webhook: its reply token, command, send and answer times (monotonic s)."""

    token: str
    text: str  # label in TEXTS
    started: float
    answered: float
    status: int  # 0: no HTTP answer (see error)
    error: str = ""


def _webhook(spec: ChatSpec, user: str, text: str, token: str) -> bytes:
    """A complete signed POST /line/webhook carrying one text event, as LINE sends it."""
    body = events.webhook_body([events.text_event(user, text, reply_token=token)], spec.bot_user_id)
    headers = events.webhook_headers(spec.secret, body)
    head = (
        f"POST /line/webhook HTTP/1.1\r\nHost: 127.0.0.1:{spec.app_port}\r\n"
        f"Content-Length: {len(body)}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    )
    return head.encode() + body


def run_chat(spec: ChatSpec) -> list[Sent]:
    """`senders` threads, each closed loop: take a batch of the plan, get its reply tokens
    from the fake, then send the events one by one, the clock running per send only."""
    sys.setswitchinterval(0.0005)
    rng = random.Random(spec.seed)
    labels = list(TEXTS)
    plan = [(rng.choice(spec.users), labels[i % len(labels)]) for i in range(spec.events)]
    counter, out, lock = itertools.count(), [], threading.Lock()

    def sender() -> None:
        conn = Connection(spec.app_port)
        while (start := next(counter) * spec.batch) < len(plan):
            chunk = plan[start : start + spec.batch]
            tokens = admin(spec.fake_port, "tokens", {"users": [u for u, _ in chunk]})["tokens"]
            for (user, label), token in zip(chunk, tokens, strict=False):
                raw = _webhook(spec, user, TEXTS[label], token)
                sent = _send(conn, raw, token, label)
                with lock:
                    out.append(sent)
        conn.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(spec.senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _send(conn: Connection, raw: bytes, token: str, text: str) -> Sent:
    started = time.monotonic()
    try:
        status, _ = conn.request(raw)
        error = ""
    except (OSError, ValueError, IndexError) as exc:
        status, error = 0, f"{type(exc).__name__}: {exc}"
    return Sent(token, text, started, time.monotonic(), status, error)


# -- the fake's own ceiling: a raw-HTTP flood of pushes (driver process) ----------------------
def _push_request(port: int, token: str, to: str) -> bytes:
    body = json.dumps(
        {"to": to, "messages": [{"type": "text", "text": "ご注文ありがとうございます"}]}, ensure_ascii=False
    ).encode()
    return (
        f"POST /v2/bot/message/push HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"X-Line-Retry-Key: {uuid.uuid4()}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def run_flood(port: int, token: str, seconds: float, conns: int, capacity: int) -> tuple[int, int, float]:
    """Closed loop over `conns` keep-alive sockets, requests pre-built: (200s, others, s).
    No SDK, no pacing: what the fake server itself can answer per second."""
    reqs = [_push_request(port, token, events.new_user_id()) for _ in range(capacity)]
    counter, tally, lock = itertools.count(), [0, 0], threading.Lock()
    t0 = time.monotonic()

    def worker() -> None:
        conn = Connection(port)
        while time.monotonic() - t0 < seconds and (i := next(counter)) < len(reqs):
            try:
                ok = conn.request(reqs[i])[0] == 200
            except (OSError, ValueError, IndexError):
                ok = False
            with lock:
                tally[0 if ok else 1] += 1
        conn.close()

    _join([threading.Thread(target=worker, daemon=True) for _ in range(conns)])
    return tally[0], tally[1], time.monotonic() - t0


def _join(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# -- a burst of pushes through the app's own LineClient (driver process) -------------------------
@dataclasses.dataclass(frozen=True)
class BurstSpec:
    fake_url: str
    token: str
    pushes: int
    threads: int = 32
    pacer_rate: float | None = None  # None: the app's shared Pacer at LINE's real 2,000/s
    unpaced: bool = False  # control run: a pacer that never waits


@dataclasses.dataclass
class BurstResult:
    outcomes: dict[str, int]  # sent | already_accepted | failed
    elapsed: float
    retries_logged: int  # the client's own "LINE call retry" log lines (429s and 5xx it saw)
    pool_discards: int  # urllib3 "Connection pool is full, discarding connection"
    error_samples: list[str]


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    def emit(self, record) -> None:
        self.n += 1


def _counted(name: str) -> _Count:
    """Count a logger's records instead of letting them flood stderr."""
    handler, logger = _Count(), logging.getLogger(name)
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.INFO)
    return handler


def _client(spec: BurstSpec):
    """The app's LineClient; a lower rate goes in through its `pacer` argument:
    Pacer(share=rate/2000) paces push at rate x 0.9 headroom, like the real one at 2,000."""
    from app.line.client import PUSH_PER_S, LineClient
    from app.line.pacing import Pacer

    pacer = None
    if spec.unpaced:
        pacer = Pacer(share=1e9)
    elif spec.pacer_rate is not None:
        pacer = Pacer(share=spec.pacer_rate / PUSH_PER_S)
    return LineClient(host=spec.fake_url, access_token=spec.token, channel_key="bench", pacer=pacer)


def run_burst(spec: BurstSpec) -> BurstResult:
    """`threads` threads share one client and push until `pushes` are done, each push to a
    fresh LINE user id with a fresh uuid4 retry key."""
    from app.line.client import LineError

    retries, discards = _counted("tsunagu.line"), _counted("urllib3.connectionpool")
    client = _client(spec)
    jobs = [(events.new_user_id(), str(uuid.uuid4())) for _ in range(spec.pushes)]
    message = [{"type": "text", "text": "ご注文の商品を発送しました。"}]
    counter, outcomes, samples, lock = itertools.count(), {}, [], threading.Lock()

    def worker() -> None:
        while (i := next(counter)) < len(jobs):
            try:
                outcome = client.push(jobs[i][0], message, retry_key=jobs[i][1]).outcome
            except LineError as exc:
                outcome = "failed"
                samples.append(str(exc))
            with lock:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

    t0 = time.monotonic()
    _join([threading.Thread(target=worker, daemon=True) for _ in range(spec.threads)])
    elapsed = time.monotonic() - t0
    return BurstResult(outcomes, elapsed, retries.n, discards.n, samples[:3])
