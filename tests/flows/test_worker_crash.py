"""A sending worker killed mid-batch loses nothing and sends nothing twice (PostgreSQL).

Two real worker processes (the app's own code, configured by the environment like
`flask --app wsgi worker`) share one outbox through FOR UPDATE SKIP LOCKED. A gate in
front of the fake LINE lets the first pushes through, then holds the rest, so both
workers are known to be mid-batch; one is SIGKILLed there. Its held pushes are then
accepted by LINE although it never sees the answer (the case retry keys exist for), the
survivor finishes its own batch, and the killed worker's rows stay `sending`. Once they
are older than STALE_SENDING (their updated_at is moved back: the processes cannot share
a patched clock), a restarted worker claims them again: LINE answers 409 for those it
had accepted, which counts as sent, and pushes the others once.
"""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, func, make_url, text
from sqlmodel import Session, select

from app import create_app
from app.config import Settings
from app.flows.dispatcher import STALE_SENDING
from app.models import Customer, LineChannel, LineFriend, Notification
from app.models import NotificationStatus as St
from app.schema import upgrade
from app.timeutil import utcnow
from tests.conftest import PG_URL, _pg_available
from tests.fakes.line import FakeLine, new_user_id
from tests.fakes.server import LiveServer
from tests.helpers import make_shop

pytestmark = pytest.mark.skipif(not _pg_available(), reason="needs TEST_DATABASE_URL naming a reachable PostgreSQL")

ROOT = Path(__file__).resolve().parents[2]
N = 400
BATCH = N // 2  # each of the two workers claims one batch: both are mid-batch at the kill
LET_THROUGH = 40  # pushes LINE accepts before the gate starts holding them
PUSH_LATENCY_S = 0.008
TOKEN = "line-token-crash-0123456789abcdef"

# A worker: the send_notifications job's own call, back to back (the scheduler runs it
# every second); configured like wsgi.py, from the environment.
WORKER = """
import sys, time
from app import create_app
from app.flows.dispatcher import dispatch_due
from app.timeutil import utcnow
app = create_app()
engine = app.extensions["tsunagu.engine"]
print("ready", flush=True)
while True:
    with app.app_context():
        dispatch_due(engine=engine, now=utcnow(), batch=int(sys.argv[1]))
    time.sleep(0.05)
"""


class Gate:
    """WSGI middleware before FakeLine: every push waits PUSH_LATENCY_S; after LET_THROUGH
    pushes the rest are held (body already read) until `release()`. Counts 409 answers."""

    def __init__(self, fake: FakeLine):
        self.fake, self.lock, self.opened = fake, threading.Lock(), threading.Event()
        self.passed = self.held = self.active = self.conflicts = 0

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/v2/bot/message/push":
            return self.fake(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        with self.lock:
            self.active += 1
            self.passed += 1
            hold = self.passed > LET_THROUGH and not self.opened.is_set()
            self.held += hold
        try:
            time.sleep(PUSH_LATENCY_S)
            if hold:
                self.opened.wait(30)

            def answer(status, headers, exc_info=None):
                if status.startswith("409"):
                    with self.lock:
                        self.conflicts += 1
                return start_response(status, headers, exc_info)

            return self.fake(environ, answer)
        finally:
            with self.lock:
                self.active -= 1

    def release(self) -> None:
        self.opened.set()


@pytest.fixture
def crash_db():
    """A database of its own (other test runs may share TEST_DATABASE_URL), migrated."""
    url = make_url(PG_URL)
    name = f"{url.database}_worker_crash"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = url.set(database=name).render_as_string(hide_password=False)
    upgrade(db_url)
    yield db_url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(app, users: list[str]) -> list[str]:
    """A shop, its connected channel, one linked friend per user, each with one due order
    confirmation. Returns the notification ids (the retry keys)."""
    vault = app.extensions["tsunagu.vault"]
    with Session(app.extensions["tsunagu.engine"], expire_on_commit=False) as db:
        shop = make_shop(db)
        channel = LineChannel(
            shop_id=shop.id,
            bot_user_id=new_user_id(),
            basic_id="@crash",
            display_name="テスト",
            channel_secret_enc=vault.encrypt("crash-channel-secret"),
            access_token_enc=vault.encrypt(TOKEN),
            connected_at=utcnow(),
            webhook_ok_at=utcnow(),
        )
        customers = [Customer(shop_id=shop.id, shopify_id=7_000_000 + i) for i in range(len(users))]
        db.add_all([channel, *customers])
        db.flush()
        friends = [
            LineFriend(
                shop_id=shop.id,
                channel_id=channel.id,
                line_user_id=user,
                display_name="テスト",
                language="ja",
                followed_at=utcnow(),
                customer_id=c.id,
                linked_at=utcnow(),
                link_method="chat",
            )
            for user, c in zip(users, customers, strict=True)
        ]
        db.add_all(friends)
        db.flush()
        due = utcnow() - timedelta(minutes=1)
        rows = [
            Notification(
                shop_id=shop.id,
                flow="order_confirmation",
                dedupe_key=f"order:{i}",
                friend_id=f.id,
                customer_id=f.customer_id,
                marketing=False,
                due_at=due,
                messages=[{"type": "text", "text": f"ご注文 #{1000 + i} ありがとうございます"}],
            )
            for i, f in enumerate(friends)
        ]
        db.add_all(rows)
        db.commit()
        return [str(r.id) for r in rows]


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(BATCH)],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    return proc


def await_ready(*procs: subprocess.Popen) -> None:
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", "a worker did not start"


def by_status(engine) -> Counter:
    with engine.connect() as conn:
        return Counter(dict(conn.execute(text("SELECT status, count(*) FROM notifications GROUP BY status")).all()))


def wait_for(condition, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(crash_db, tmp_path):
    fake = FakeLine(access_token=TOKEN, quota=None)
    gate = Gate(fake)
    key = Fernet.generate_key().decode()
    with LiveServer(gate) as server:
        env = {
            "PATH": "/usr/bin:/bin",
            "APP_ENV": "test",
            "DATABASE_URL": crash_db,
            "LINE_API_BASE": server.url,
            "DELIVERY_MODE": "live",
            "SECRET_KEY": "s" * 40,
            "ENCRYPTION_KEYS": key,
            "SHOPIFY_API_KEY": "crash-test-key",
            "SHOPIFY_API_SECRET": "crash-test-secret-0123456789",
            "LOG_LEVEL": "WARNING",
        }
        app = create_app(
            Settings(
                env="test",
                database_url=crash_db,
                secret_key="s" * 40,
                encryption_keys=(key,),
                shopify_api_key="crash-test-key",
                line_api_base=server.url,
            )
        )
        engine = app.extensions["tsunagu.engine"]
        users = [new_user_id() for _ in range(N)]
        ids = seed(app, users)
        workers = [start_worker(env), start_worker(env)]
        restarted = None
        try:
            await_ready(*workers)
            # Both workers hold a claimed batch, pushes past LET_THROUGH are held: kill one.
            held = []
            wait_for(lambda: by_status(engine)[St.SENDING] == N and _settled(gate, held), "both workers mid-batch")
            workers[0].kill()
            workers[0].wait()
            gate.release()
            wait_for(lambda: by_status(engine)[St.SENT] == N - BATCH and gate.active == 0, "the survivor's batch")
            with engine.connect() as conn:
                orphaned = {str(i) for i in conn.scalars(text("SELECT id FROM notifications WHERE status = 'sending'"))}
            accepted_unrecorded = orphaned & set(fake.accepted_retry_keys())
            assert len(orphaned) == BATCH
            assert 0 < len(accepted_unrecorded) < BATCH  # killed after some pushes, before all

            # Five minutes pass (for the stale check, which compares with the wall clock).
            with engine.begin() as conn:
                conn.execute(
                    text("UPDATE notifications SET updated_at = updated_at - :age WHERE status = 'sending'"),
                    {"age": STALE_SENDING + timedelta(seconds=1)},
                )
            restarted = start_worker(env)
            await_ready(restarted)
            wait_for(lambda: by_status(engine)[St.SENT] == N, "the outbox to drain", timeout=30)
        finally:
            for proc in [*workers, restarted]:
                if proc is not None and proc.poll() is None:
                    proc.kill()
                    proc.wait()

        assert by_status(engine) == Counter({St.SENT: N})
        keys = fake.accepted_retry_keys()
        assert len(keys) == len(set(keys)) == N
        assert set(keys) == set(ids)
        assert Counter(d.to for d in fake.pushes()) == Counter({user: 1 for user in users})
        # The accepted-but-unrecorded pushes came back as 409 once each and were marked sent.
        assert gate.conflicts == len(accepted_unrecorded)
        with Session(engine) as db:
            attempts = dict(db.exec(select(Notification.attempts, func.count()).group_by(Notification.attempts)).all())
        assert attempts == {1: N - BATCH, 2: BATCH}
        engine.dispose()


def _settled(gate: Gate, seen: list[int]) -> bool:
    """The number of held pushes stopped growing (every sender thread is waiting)."""
    seen.append(gate.held)
    return len(seen) > 6 and gate.held > 0 and len(set(seen[-6:])) == 1
