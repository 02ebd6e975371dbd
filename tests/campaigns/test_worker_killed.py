"""A campaign survives its worker being SIGKILLed mid-send: every recipient exactly once.

Real worker processes (the app's own code, configured from the environment like `flask --app
wsgi worker`) run the send_campaigns job's call back to back. The fake LINE answers each
multicast slowly, so a worker is known to be mid-campaign (chunks claimed, some calls
accepted by LINE whose answers it never reads) when it is killed. A restarted worker
reclaims the dead worker's `sending` chunks with the same retry keys: LINE answers 409 for
those it had accepted (counted as sent), and takes the others once. On PostgreSQL two
workers share the chunks through FOR UPDATE SKIP LOCKED while one of them is killed.
"""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, make_url, text
from sqlmodel import Session

from app import create_app, ext
from app.campaigns.planning import start_due
from app.config import Settings
from app.models import Campaign, LineChannel, LineFriend
from app.models import CampaignStatus as CS
from app.schema import upgrade
from app.timeutil import utcnow
from tests.fakes.line import FakeLine, new_user_id
from tests.fakes.server import LiveServer
from tests.helpers import make_shop
from tests.plugins.environment import PG_URL, backends

ROOT = Path(__file__).resolve().parents[2]
N = 6_000  # 12 chunks
LATENCY_S = 0.3
TOKEN = "line-token-campaign-crash-0123456789"

WORKER = """
import sys, time
from datetime import timedelta
from app import create_app, ext
from app.campaigns.sending import send_due
from app.timeutil import utcnow
app = create_app()
engine = ext.engine(app)
print("ready", flush=True)
while True:
    with app.app_context():
        send_due(engine=engine, now=utcnow(), batch=2, stale_after=timedelta(seconds=float(sys.argv[1])))
    time.sleep(0.02)
"""


class Slow:
    """WSGI middleware before FakeLine: each multicast waits LATENCY_S after LINE accepted it."""

    def __init__(self, fake: FakeLine):
        self.fake, self.lock, self.accepted = fake, threading.Lock(), 0

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/v2/bot/message/multicast":
            return self.fake(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        answer = self.fake(environ, start_response)
        time.sleep(LATENCY_S)
        return answer


@pytest.fixture(params=backends())
def crash_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'crash.db'}"
        upgrade(url)
        yield url
        return
    url = make_url(PG_URL)
    name = f"{url.database}_campaign_crash"
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


def seed(app, users: list[str]) -> int:
    """A shop, its channel, a friend per user and a campaign to all, due now."""
    vault = ext.vault(app)
    engine = ext.engine(app)
    with Session(engine, expire_on_commit=False) as db:
        shop = make_shop(db)
        channel = LineChannel(
            shop_id=shop.id,
            bot_user_id=new_user_id(),
            channel_secret_enc=vault.encrypt("crash-channel-secret"),
            access_token_enc=vault.encrypt(TOKEN),
            connected_at=utcnow(),
        )
        db.add(channel)
        db.flush()
        db.add_all(LineFriend(shop_id=shop.id, channel_id=channel.id, line_user_id=u) for u in users)
        now = utcnow()
        campaign = Campaign(
            shop_id=shop.id,
            name="クラッシュ試験",
            status=CS.SCHEDULED,
            audience={"kind": "all"},
            messages=[{"type": "text", "text": "セールのお知らせ"}],
            scheduled_at=now,
            exempt_from_cap=True,
        )
        # Quiet hours off: the test runs at any hour.
        shop.settings = {"policies": {"quiet_start": "00:00", "quiet_end": "00:00"}}
        db.add_all([campaign, shop])
        db.commit()
    return campaign.id


def plan(app) -> None:
    """The start_campaigns job: the chunks are fixed and the workers start claiming them."""
    with app.app_context():
        assert start_due(engine=ext.engine(app), now=utcnow()) == {"sending": 1}


def worker(env: dict, stale_s: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(stale_s)],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout.readline().strip() == "ready", "a worker did not start"
    return proc


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def sending(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM campaign_chunks WHERE status = 'sending'"))


def status(engine, campaign_id: int) -> str:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT status FROM campaigns WHERE id = :id"), {"id": campaign_id})


@contextmanager
def rig(crash_url: str, middleware):
    """The fake LINE behind `middleware` on a live server, the workers' environment, and an
    app on the same database: (fake, env, app, engine)."""
    fake = FakeLine(access_token=TOKEN, quota=None)
    key = Fernet.generate_key().decode()
    with LiveServer(middleware(fake)) as server:
        env = {
            "PATH": "/usr/bin:/bin",
            "APP_ENV": "test",
            "DATABASE_URL": crash_url,
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
                database_url=crash_url,
                secret_key="s" * 40,
                encryption_keys=(key,),
                shopify_api_key="crash-test-key",
                line_api_base=server.url,
            )
        )
        yield fake, env, app, ext.engine(app)


def test_a_killed_worker_and_its_replacement_send_everyone_exactly_once(crash_url):
    is_pg = crash_url.startswith("postgresql")
    with rig(crash_url, Slow) as (fake, env, app, engine):
        users = [new_user_id() for _ in range(N)]
        campaign_id = seed(app, users)
        # SQLite: one worker (one writer); PostgreSQL: two share the chunks (SKIP LOCKED).
        workers = [worker(env, 300.0) for _ in range(2 if is_pg else 1)]
        replacement = None
        try:
            plan(app)
            # Every worker holds a claimed batch (2 chunks; the next batch is claimed while one
            # is in flight, so up to 4) and LINE has accepted some calls.
            wait_for(
                lambda: len(fake.multicasts()) >= 2 and sending(engine) >= 2 * len(workers), "workers mid-campaign"
            )
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            # The dead worker's claims stay `sending` until reclaimed (a live one's may be too).
            assert sending(engine) >= 2
            time.sleep(1.0)
            replacement = worker(env, 1.0)  # its claims are over a second old: the dead one's
            wait_for(lambda: status(engine, campaign_id) == CS.DONE, "the campaign to finish")
        finally:
            for proc in [*workers, replacement]:
                if proc is not None and proc.poll() is None:
                    proc.kill()
                    proc.wait()
        reached = fake.multicast_recipients()
        assert len(reached) == N and set(reached) == set(users), "someone was missed"
        assert set(reached.values()) == {1}, "someone received it twice"
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT chunks_done, chunks_total, sent_count FROM campaigns WHERE id = :id"), {"id": campaign_id}
            ).one()
            conflicts = sum(1 for r in fake.requests if r.path.endswith("multicast")) - len(fake.multicasts())
        assert tuple(row) == (12, 12, N)
        assert conflicts >= 0
    engine.dispose()
