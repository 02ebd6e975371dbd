"""Part 2 of bench/sequences.py: new friends arriving through LINE follow webhooks, enrolled
in the shop's enabled friend-added sequence.

The app is served like the other HTTP benches (`gunicorn -w 2 -k sync`, bench/_common.py),
the fake LINE like bench/chat.py's (one gthread worker, bench/_chat_support.py): it answers
the follow handler's profile call and its greeting reply, so nothing reaches the network.
The follows are posted to the real route `/line/webhook`, signed with the channel secret,
open loop at `friends / seconds` per second from a spawned process (bench/_load.py's
fixed-rate sender: every request built before the clock starts, latency from its scheduled
send time). Then the worker's jobs run in this process, by name from the job registry
(`process_line_events` for whatever a request left, `advance_sequences` for the runs'
first step) until they find nothing, and the rows are counted: every friend must have
exactly one active run of the sequence.

Reply tokens are issued by the fake before the clock starts (one round trip per batch,
outside the timing), so the fake's token lifetime is set past the run's length: LINE counts
a token's minute from the event, which here is the scheduled send time.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench import _chat_support as support
from bench import _common as common
from bench import _load as load
from tests.fakes import line_events as events

SENDER_THREADS = 32  # like bench/webhooks.py's fixed phase: a stall does not delay the schedule
TOKEN_BATCH = 500


@dataclasses.dataclass(frozen=True)
class Line:
    secret: str
    token: str
    bot: str

    def env(self) -> dict[str, str]:
        return {"BENCH_LINE_SECRET": self.secret, "BENCH_LINE_TOKEN": self.token, "BENCH_LINE_BOT": self.bot}


@dataclasses.dataclass
class Outcome:
    """What the load and the worker did, and what the tables say afterwards."""

    database: str
    friends: int
    seconds: float
    load: load.PhaseResult
    worker: dict[str, int]
    worker_s: float
    counts: dict[str, int]
    replies: dict[str, int]

    @property
    def latencies_ms(self) -> list[float]:
        """Every sent request's latency; one never sent (past the sender's deadline) counts
        as slower than any target. A non-200 answer keeps its time but fails the verdict."""
        unsent = self.friends - self.load.sent
        return [x * 1000 for x in self.load.latencies] + [float("inf")] * unsent

    @property
    def failed(self) -> int:
        return self.friends - len(self.load.ok_ids)

    @property
    def enrolled(self) -> int:
        return self.counts["one_active_run"]


def seed(env: dict[str, str], line: Line) -> int:
    """Shop, connected channel and the welcome sequence switched on (the app's own preset:
    day 0 the follow greeting, day 1 and day 3 at 10:00). Its id."""
    from sqlmodel import Session

    from app import create_app, ext
    from app.config import Settings
    from app.models import LineChannel, Shop
    from app.sequences import welcome
    from app.timeutil import utcnow

    app, now = create_app(Settings.from_env(env)), utcnow()
    vault, engine = ext.vault(app), ext.engine(app)
    with app.app_context(), Session(engine) as s:  # the editor reads the app's settings
        shop = Shop(domain=common.SHOP, name="ベンチ茶舗", installed_at=now)
        s.add(shop)
        s.flush()
        s.add(
            LineChannel(
                shop_id=shop.id,
                bot_user_id=line.bot,
                channel_secret_enc=vault.encrypt(line.secret),
                access_token_enc=vault.encrypt(line.token),
                connected_at=now,
            )
        )
        sequence = welcome.ensure(session=s, shop=shop)
        sequence.enabled = True
        s.add(sequence)
        s.commit()
        sequence_id = sequence.id
    engine.dispose()
    return sequence_id


@dataclasses.dataclass(frozen=True)
class FollowSpec:
    app_port: int
    fake_port: int
    secret: str
    bot: str
    friends: int
    seconds: float


def run_follows(spec: FollowSpec) -> load.PhaseResult:
    """In the spawned driver process: new user ids, their profiles and reply tokens at the
    fake, signed follow webhooks built, then sent open loop at friends / seconds."""
    users = [events.new_user_id() for _ in range(spec.friends)]
    tokens: list[str] = []
    for start in range(0, len(users), TOKEN_BATCH):
        tokens += support.admin(spec.fake_port, "follow", {"users": users[start : start + TOKEN_BATCH]})["tokens"]
    reqs = []
    for user, token in zip(users, tokens, strict=True):
        event = events.follow_event(user, reply_token=token)
        body = events.webhook_body([event], spec.bot)
        headers = events.webhook_headers(spec.secret, body)
        head = (
            f"POST /line/webhook HTTP/1.1\r\nHost: 127.0.0.1:{spec.app_port}\r\n"
            f"Content-Length: {len(body)}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        )
        reqs.append((event["webhookEventId"], head.encode() + body))
    phase = load.PhaseSpec(
        port=spec.app_port,
        shop="",
        secret="",
        prefix="follow",
        first_id=0,
        mode="fixed",
        seconds=spec.seconds,
        rate=spec.friends / spec.seconds,
        conns=SENDER_THREADS,
    )
    sys.setswitchinterval(0.0005)
    return load._fixed_rate(phase, reqs)


def drain(env: dict[str, str], rounds: int = 50) -> tuple[dict[str, int], float]:
    """The worker's jobs, by name, until a round finds nothing: chat events a request left
    (their `now` is past the orphan delay, as the worker's clock would be by then), then due
    sequence steps. Totals by outcome and the time taken."""
    from app import create_app
    from app.config import Settings
    from app.jobs import JOBS, run_job
    from app.line.events import ORPHAN_AFTER
    from app.timeutil import utcnow

    app = create_app(Settings.from_env(env))
    jobs = {j.name: j for j in JOBS}
    totals: dict[str, int] = {}
    t0 = time.monotonic()
    for _ in range(rounds):
        found = 0
        for name, ahead in (("process_line_events", ORPHAN_AFTER + timedelta(seconds=1)), ("advance_sequences", None)):
            result = run_job(app, jobs[name], utcnow() + (ahead or timedelta(0))) or {}
            for key, n in result.items():
                if isinstance(n, int):
                    totals[f"{name}:{key}"] = totals.get(f"{name}:{key}", 0) + n
                    found += n
        if not found:
            break
    return totals, time.monotonic() - t0


def count(database_url: str, sequence_id: int) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    q = {"s": sequence_id, "d": common.SHOP}
    with engine.connect() as conn:

        def one(sql: str) -> int:
            return int(conn.execute(text(sql), q).scalar_one())

        counts = {
            "friends": one("SELECT count(*) FROM line_friends f JOIN shops s ON s.id = f.shop_id WHERE s.domain = :d"),
            "runs": one("SELECT count(*) FROM sequence_runs WHERE sequence_id = :s"),
            "active_runs": one("SELECT count(*) FROM sequence_runs WHERE sequence_id = :s AND status = 'active'"),
            "one_active_run": one(
                "SELECT count(*) FROM (SELECT friend_id FROM sequence_runs WHERE sequence_id = :s"
                " AND status = 'active' GROUP BY friend_id HAVING count(*) = 1) x"
            ),
            "past_greeting": one(
                "SELECT count(*) FROM sequence_runs WHERE sequence_id = :s AND status = 'active' AND next_position = 2"
            ),
        }
        for status in ("processed", "received", "unanswered", "failed"):
            counts[f"events_{status}"] = one(
                f"SELECT count(*) FROM line_events WHERE type = 'follow' AND status = '{status}'"
            )
    engine.dispose()
    return counts


def measure(label: str, database_url: str, friends: int, seconds: float, tmp: Path) -> Outcome:
    """Seed, start the fake and the app, post the follows, drain the worker, count."""
    line = Line(secrets.token_hex(16), "bench-line-token-" + secrets.token_hex(20), events.new_user_id())
    env = common.app_env(database_url)
    fake = support.start_fake(tmp, line.env())
    env.update(LINE_API_BASE=f"http://127.0.0.1:{fake.port}", DELIVERY_MODE="live")
    app, pool = None, None
    try:
        sequence_id = seed(env, line)
        app = common.start_gunicorn(f"app-{label}", "wsgi:app", env, tmp)
        pool = multiprocessing.get_context("spawn").Pool(1)
        common.wait_ready(fake)
        common.wait_ready(app)
        support.admin(fake.port, "reset", {"enforce": True, "push_limit": 2000, "reply_token_ttl": seconds + 600})
        spec = FollowSpec(app.port, fake.port, line.secret, line.bot, friends, seconds)
        result = pool.apply(run_follows, (spec,))
        time.sleep(0.5)
        common.stop(app)  # the requests are over; the worker finishes what they left
        worker, worker_s = drain(env)
        stats = support.admin(fake.port, "stats")
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        for server in (s for s in (app, fake) if s is not None):
            if server.proc.poll() is not None and server.proc.returncode not in (0, -15):
                print(f"server {server.name} exited early; log tail:\n{server.tail()}")
            common.stop(server)
    replies = {"accepted": 0, "refused": 0}
    for _arrived, status in stats["arrivals"].values():
        replies["accepted" if status == 200 else "refused"] += 1
    return Outcome(label, friends, seconds, result, worker, worker_s, count(database_url, sequence_id), replies)
