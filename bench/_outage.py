"""One LINE-outage scenario against the real app under gunicorn (bench/line_outage.py and
tests/line/test_line_outage.py both run it).

The app (`gunicorn -w 2 -k gthread`, as production runs threads) serves a shop whose LINE
channel is a FakeLine in this process, switched into an outage (`FakeLine.outage`). LINE
webhooks (follow, "連携", a search word) and signed Shopify webhooks are sent at once from
threads; each answer is timed. Then LINE recovers and the worker runs (`flask run-due`,
in the app's own checkout), and the rows and LINE's deliveries are counted.

`root` is the checkout whose app runs: this one, or another (the base commit, for a
before/after with the same scenario). Seeding and counting use SQL only, so they work on
either schema.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import _common as common
from tests.fakes.line import FakeLine, new_user_id
from tests.fakes.server import LiveServer

FIXTURE = common.ROOT / "tests" / "fixtures" / "shopify" / "orders_create.json"
LINE_SECRET = "0123456789abcdef0123456789abcdef"
LINE_TOKEN = "outage-line-token-" + "ab" * 20


@dataclasses.dataclass(frozen=True)
class Scenario:
    database_url: str
    tmp: Path
    root: Path = common.ROOT
    outage: tuple[int, float] | None = (503, 5.0)  # (status, delay s); None: LINE healthy
    shopify: int = 50  # concurrent Shopify webhooks
    line_rounds: int = 2  # each round: one follow, one "連携", one search, concurrently
    max_waves: int = 10  # of Shopify webhooks, 2 s apart, while LINE webhooks wait


@dataclasses.dataclass
class Result:
    shopify_ms: list[float]
    shopify_status: dict[int, int]
    line_ms: dict[str, list[float]]  # kind -> ms
    line_status: dict[int, int]
    # after LINE recovered and the worker ran
    webhooks: dict[str, int]  # webhook_events status -> rows
    line_events: dict[str, int]  # line_events status -> rows
    profiles_missing: int  # followers without a display name
    links_sent: int  # "連携" users who got their link (reply or push)
    deliveries_per_event: dict[int, int]  # deliveries -> LINE events with that many
    worker_runs: int
    server_errors: list[str]

    @property
    def line_all_ms(self) -> list[float]:
        return [ms for values in self.line_ms.values() for ms in values]


def run(s: Scenario) -> Result:
    fake = FakeLine(channel_secret=LINE_SECRET, access_token=LINE_TOKEN, quota=None)
    with LiveServer(fake) as line_server:
        fake.url = line_server.url
        env = _env(s, fake)
        _migrate(s.root, env)
        followers, linkers = [new_user_id() for _ in range(s.line_rounds)], _seed(s, env, fake, s.line_rounds)
        for user in followers:
            fake.add_user(user, "はなこ", language="ja")
        server = _start(s, env)
        try:
            _warm_up(server, fake)
            if s.outage:
                fake.outage(*s.outage)
            line_ms, line_status, shopify_ms, shopify_status = _traffic(s, server, fake, followers, linkers)
        finally:
            common.stop(server)
        fake.recover()
        runs = _work(s.root, env)
        result = _count(s.database_url, fake, linkers, followers)
        errors = [line for line in server.log.read_text(errors="replace").splitlines() if "Traceback" in line]
    return Result(shopify_ms, shopify_status, line_ms, line_status, worker_runs=runs, server_errors=errors, **result)


def _env(s: Scenario, fake: FakeLine) -> dict[str, str]:
    env = common.app_env(s.database_url)
    env.update(
        SHOPIFY_API_BASE="http://127.0.0.1:9/{shop}",  # nothing here calls Shopify
        LINE_API_BASE=fake.url,
        APP_URL="https://tsunagu.bench",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(s.root),
    )
    return env


def _python(root: Path, env: dict[str, str], code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode:
        raise RuntimeError(f"failed in {root}:\n{done.stderr[-3000:]}")
    return done.stdout


def _migrate(root: Path, env: dict[str, str]) -> None:
    _python(root, env, "import os; from app.schema import upgrade; upgrade(os.environ['DATABASE_URL'])")


SEED = """
import json, os, sys
from sqlmodel import Session, create_engine
from app.crypto import Vault
from app.models import LineChannel, LineFriend, Shop
from app.timeutil import utcnow
v = Vault(tuple(os.environ['ENCRYPTION_KEYS'].split(',')))
args = json.loads(sys.argv[1])
engine = create_engine(os.environ['DATABASE_URL'])
with Session(engine) as s:
    shop = Shop(domain=args['shop'], name='ベンチ', installed_at=utcnow())
    s.add(shop)
    s.flush()
    channel = LineChannel(shop_id=shop.id, bot_user_id=args['bot'], display_name='bench',
        channel_secret_enc=v.encrypt(args['secret']), access_token_enc=v.encrypt(args['token']),
        connected_at=utcnow(), webhook_ok_at=utcnow())
    s.add(channel)
    s.flush()
    for user in args['friends']:
        s.add(LineFriend(shop_id=shop.id, channel_id=channel.id, line_user_id=user, display_name='けんじ',
            followed_at=utcnow()))
    s.commit()
"""


def _seed(s: Scenario, env: dict[str, str], fake: FakeLine, n: int) -> list[str]:
    """The shop, its connected channel, and `n` friends (not linked) who will type "連携"."""
    friends = [new_user_id() for _ in range(n)]
    for user in friends:
        fake.add_user(user, "けんじ", language="ja")
    args = {"shop": common.SHOP, "bot": fake.bot_user_id, "secret": LINE_SECRET, "token": LINE_TOKEN}
    _python(s.root, env, SEED, json.dumps(args | {"friends": friends}))
    return friends


def _start(s: Scenario, env: dict[str, str]) -> common.Server:
    port, log = common.free_port(), s.tmp / f"app-{uuid.uuid4().hex[:6]}.log"
    cmd = [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "8", "--timeout", "60"]
    cmd += ["-b", f"127.0.0.1:{port}", "--chdir", str(s.root), "--error-logfile", str(log), "wsgi:app"]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=out, cwd=s.root)
    server = common.Server("app", port, proc, log)
    common.wait_ready(server, timeout=60)
    return server


def _warm_up(server: common.Server, fake: FakeLine, rounds: int = 3) -> None:
    """Every worker thread imports, connects and compiles before the clock runs: a few
    concurrent rounds of Shopify webhooks and LINE verification pings (no events)."""
    for _ in range(rounds):
        jobs = [_shopify_request(server.port) for _ in range(16)]
        jobs += [("/line/webhook", *fake.webhook_request([])) for _ in range(16)]
        threads = [threading.Thread(target=_post_once, args=(server.port, *job)) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def _post_once(port: int, target: str, body: bytes, headers: dict) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", target, body=body, headers=headers)
        conn.getresponse().read()
    finally:
        conn.close()


def _shopify_request(port: int) -> tuple[str, bytes, dict]:
    payload = json.loads(FIXTURE.read_text(encoding="utf-8"))
    payload["id"] = int(uuid.uuid4().int % 10**12)
    body = json.dumps(payload, ensure_ascii=False).encode()
    signature = base64.b64encode(hmac.new(common.SECRET.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Shop-Domain": common.SHOP,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
        "X-Shopify-API-Version": "2026-10",
    }
    return "/webhooks/shopify", body, headers


def _traffic(s: Scenario, server: common.Server, fake: FakeLine, followers: list[str], linkers: list[str]):
    """LINE webhooks first, then waves of `s.shopify` concurrent Shopify webhooks: 0.2 s
    later, and every 2 s after that while a LINE webhook is still waiting for its answer
    (a delivery arriving while a chat handler holds the database is the case that broke)."""
    line_jobs = []
    for follower, linker in zip(followers, linkers, strict=True):
        line_jobs += [("follow", fake.follow_event(follower)), ("link", fake.text_event(linker, "連携"))]
        line_jobs.append(("search", fake.text_event(linker, "煎茶")))
    line_out: list[tuple[str, float, int]] = []
    shopify_out: list[tuple[float, int]] = []
    lock = threading.Lock()

    def line_post(kind: str, event: dict) -> None:
        raw, headers = fake.webhook_request([event])
        ms, status = _timed_post(server.port, "/line/webhook", raw, headers)
        with lock:
            line_out.append((kind, ms, status))

    def shopify_post(target: str, body: bytes, headers: dict) -> None:
        answer = _timed_post(server.port, target, body, headers)
        with lock:
            shopify_out.append(answer)

    line_threads = [threading.Thread(target=line_post, args=job) for job in line_jobs]
    _start_all(line_threads)
    time.sleep(0.2)
    waves: list[threading.Thread] = []
    for _wave in range(s.max_waves):
        wave = [threading.Thread(target=shopify_post, args=_shopify_request(server.port)) for _ in range(s.shopify)]
        _start_all(wave)
        waves += wave
        for _ in range(20):  # 2 s, or less when every LINE webhook has its answer
            if not any(t.is_alive() for t in line_threads):
                break
            time.sleep(0.1)
        if not any(t.is_alive() for t in line_threads):
            break
    for thread in line_threads + waves:
        thread.join()
    line_ms: dict[str, list[float]] = {}
    for kind, ms, _status in line_out:
        line_ms.setdefault(kind, []).append(ms)
    return (
        line_ms,
        _tally(status for _k, _ms, status in line_out),
        [ms for ms, _ in shopify_out],
        _tally(status for _ms, status in shopify_out),
    )


def _start_all(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()


def _timed_post(port: int, target: str, body: bytes, headers: dict) -> tuple[float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=90)
    conn.connect()  # connected before the clock starts: the answer is what is timed
    started = time.monotonic()
    try:
        conn.request("POST", target, body=body, headers=headers)
        status = conn.getresponse().status
    except OSError:
        status = 0
    finally:
        conn.close()
    return 1000 * (time.monotonic() - started), status


def _tally(values) -> dict:
    out: dict = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return out


def _work(root: Path, env: dict[str, str], runs: int = 4) -> int:
    """`flask run-due` after recovery, at moments past the orphan and retry delays."""
    for step in range(runs):
        now = datetime.now(UTC) + timedelta(seconds=15) + timedelta(minutes=2 * step)
        cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "run-due", "--now", now.isoformat()]
        subprocess.run(cmd, cwd=root, env=env, capture_output=True, timeout=600, check=True)
    return runs


def _count(database_url: str, fake: FakeLine, linkers: list[str], followers: list[str]) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as c:
        webhooks = dict(c.execute(text("SELECT status, count(*) FROM webhook_events GROUP BY status")).all())
        line_events = dict(c.execute(text("SELECT status, count(*) FROM line_events GROUP BY status")).all())
        missing = c.execute(
            text("SELECT count(*) FROM line_friends WHERE display_name IS NULL AND line_user_id IN :users").bindparams(
                _expanding()
            ),
            {"users": followers},
        ).scalar()
        tokens = [row[0] for row in c.execute(text("SELECT body FROM line_events")).all()]
    engine.dispose()
    per_event = _deliveries_per_event(fake, [json.loads(b) if isinstance(b, str) else b for b in tokens])
    links = sum(1 for user in linkers if "linkToken=" in json.dumps(fake.messages_to(user)))
    return {
        "webhooks": webhooks,
        "line_events": line_events,
        "profiles_missing": int(missing or 0),
        "links_sent": links,
        "deliveries_per_event": per_event,
    }


def _expanding():
    from sqlalchemy import bindparam

    return bindparam("users", expanding=True)


def _deliveries_per_event(fake: FakeLine, bodies: list[dict]) -> dict[int, int]:
    """For each LINE event: the replies carrying its token plus the pushes keyed by it
    (a push fallback's retry key is the event's own; see app/line/replies.py)."""
    by_token: dict[str, int] = {}
    pushes_to: dict[str, int] = {}
    for d in list(fake.deliveries):
        if d.kind == "reply" and d.reply_token:
            by_token[d.reply_token] = by_token.get(d.reply_token, 0) + 1
        elif d.kind == "push" and isinstance(d.to, str):
            pushes_to[d.to] = pushes_to.get(d.to, 0) + 1
    out: dict[int, int] = {}
    for body in bodies:
        n = by_token.get(body.get("replyToken") or "", 0)
        out[n] = out.get(n, 0) + 1
    if pushes_to:
        out[-1] = sum(pushes_to.values())  # pushes (fallbacks), counted apart
    return out


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def clean_environment() -> None:
    """The fake and the driver log nothing to the console (werkzeug's request lines)."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
