"""A push campaign survives its worker being SIGKILLed mid-chunk: every recipient exactly
once, and the restart resumes each chunk near where the dead worker got to.

The harness of test_worker_killed.py (real worker processes, configured from the
environment), with a campaign whose messages name each recipient, so it goes by push: one
request per friend, under the key uuid5(campaign uid, "<chunk>:<friend>"). The fake LINE
answers each push slowly, so the workers are known to be inside their chunks (progress
written, some pushes accepted whose answers they never read) when one is killed. Its
replacement reclaims the chunks, resumes from their recorded progress, and LINE answers 409
for the pushes it had already accepted.
"""

from __future__ import annotations

import io
import json
import signal
import time
from collections import Counter

from sqlalchemy import text
from sqlmodel import Session, select

from app import ext
from app.campaigns.push import PROGRESS_EVERY, PUSH_CHUNK
from app.models import Campaign, LineFriend
from app.models import CampaignStatus as CS
from tests.campaigns.test_worker_killed import crash_url, plan, rig, seed, sending, status, wait_for, worker
from tests.fakes.line import FakeLine, new_user_id

__all__ = ["crash_url"]  # the fixture, shared with the multicast test

N = 4 * PUSH_CHUNK  # 4 chunks
LATENCY_S = 0.03


class SlowPush:
    """WSGI middleware before FakeLine: each push waits LATENCY_S after LINE accepted it."""

    def __init__(self, fake: FakeLine):
        self.fake = fake

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/v2/bot/message/push":
            return self.fake(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        answer = self.fake(environ, start_response)
        time.sleep(LATENCY_S)
        return answer


def personalise(app, campaign_id: int) -> dict[str, str]:
    """Name every friend and make the campaign's message name them: it goes by push."""
    names = {}
    with Session(ext.engine(app)) as db:
        for i, friend in enumerate(db.exec(select(LineFriend))):
            friend.display_name = names[friend.line_user_id] = f"友だち{i}"
            db.add(friend)
        campaign = db.get(Campaign, campaign_id)
        campaign.messages = [{"type": "text", "text": "{customer_name}さん、セールのお知らせです"}]
        db.add(campaign)
        db.commit()
    return names


def most_progress(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT max(pushed) FROM campaign_chunks WHERE status = 'sending'")) or 0


def _list(value) -> list:
    return json.loads(value) if isinstance(value, str) else value


def saved_progress(engine) -> tuple[int, set[str]]:
    """The chunks held at the kill, and the friends their last progress write counts done."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT friend_ids, pushed FROM campaign_chunks WHERE status = 'sending'")).all()
        # JSON comes back as text from SQLite, as a list from PostgreSQL.
        ids = [i for friend_ids, pushed in rows for i in _list(friend_ids)[:pushed]]
        users = conn.execute(text("SELECT id, line_user_id FROM line_friends")).all()
    by_id = dict(users)
    return len(rows), {by_id[i] for i in ids}


def chunk_states(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(text("SELECT number, status, pushed, attempts FROM campaign_chunks ORDER BY number")).all()


def test_a_worker_killed_mid_chunk_and_its_replacement_push_to_everyone_exactly_once(crash_url):
    is_pg = crash_url.startswith("postgresql")
    with rig(crash_url, SlowPush) as (fake, env, app, engine):
        users = [new_user_id() for _ in range(N)]
        campaign_id = seed(app, users)
        names = personalise(app, campaign_id)
        workers = [worker(env, 300.0) for _ in range(2 if is_pg else 1)]
        replacement = None
        try:
            plan(app)
            # Every worker holds two chunks or more (the next batch is claimed while one is in
            # flight), one at least two progress writes in.
            try:
                wait_for(
                    lambda: sending(engine) >= 2 * len(workers) and most_progress(engine) >= 2 * PROGRESS_EVERY,
                    "workers mid-chunk",
                )
            except AssertionError as timed_out:  # say where the workers were (this has timed out under load)
                raise AssertionError(f"{timed_out}: {chunk_states(engine)}, {len(fake.pushes())} pushes") from None
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            held, saved = saved_progress(engine)
            assert held >= 2 and saved
            time.sleep(1.0)
            replacement = worker(env, 1.0)  # its claims are over a second old: the dead one's
            wait_for(lambda: status(engine, campaign_id) == CS.DONE, "the campaign to finish", timeout=120)
        finally:
            for proc in [*workers, replacement]:
                if proc is not None and proc.poll() is None:
                    proc.kill()
                    proc.wait()
        reached = Counter(d.to for d in fake.pushes())
        assert set(reached) == set(users), "someone was missed"
        assert set(reached.values()) == {1}, "someone received it twice"
        assert all(d.messages[0]["text"] == f"{names[d.to]}さん、セールのお知らせです" for d in fake.pushes())
        asked = Counter(r.body["to"] for r in fake.requests if r.path == "/v2/bot/message/push")
        # The chunks resume at their last progress write: no friend it counts is asked again,
        # and each held chunk asks again at most PROGRESS_EVERY pushes (and the one in flight).
        assert all(asked[u] == 1 for u in saved), "a resumed chunk started before its recorded progress"
        assert N <= asked.total() <= N + held * (PROGRESS_EVERY + 1)
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT chunks_done, chunks_total, sent_count FROM campaigns WHERE id = :id"), {"id": campaign_id}
            ).one()
        assert tuple(row) == (4, 4, N)
    engine.dispose()
