"""One sending process for bench/dispatch.py (configured by the environment, like wsgi.py).

    python bench/_dispatch_worker.py outbox      # the worker's send_notifications job, run
                                                 # back to back until nothing is due
    python bench/_dispatch_worker.py bare N      # baseline: N pushes straight through the
                                                 # LINE client, no outbox, same thread count

It builds the app, prints "ready", waits for a line on stdin (so every process starts the
clock together), works, then prints one JSON line: wall start/end (epoch s), CPU seconds
of this process, and what it did.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, select

from app import create_app, ext
from app.jobs import JOBS, run_job
from app.line import channels
from app.models import LineChannel, LineFriend, Shop
from app.timeutil import utcnow

MESSAGES = [{"type": "text", "text": "ご注文ありがとうございます。発送までしばらくお待ちください。"}]


def outbox(app) -> dict:
    job = next(j for j in JOBS if j.name == "send_notifications")
    totals: Counter = Counter()
    runs = 0
    while True:
        result = run_job(app, job, utcnow())
        runs += 1
        if not result:
            return {"outcomes": dict(totals), "runs": runs}
        totals.update(result)


def bare(app, n: int) -> dict:
    engine = ext.engine(app)
    with Session(engine) as s:
        shop = s.exec(select(Shop)).first()
        channel = s.exec(select(LineChannel).where(LineChannel.shop_id == shop.id)).one()
        users = list(s.exec(select(LineFriend.line_user_id).where(LineFriend.shop_id == shop.id).limit(n)))
    with app.app_context():
        client = channels.client_for(channel, shop=shop)
    outcomes: Counter = Counter()

    def push(i: int) -> str:
        return client.push(users[i % len(users)], MESSAGES, retry_key=str(uuid.uuid4())).outcome

    with ThreadPoolExecutor(max_workers=ext.settings(app).line_push_threads) as pool:
        outcomes.update(pool.map(push, range(n)))
    return {"outcomes": dict(outcomes), "runs": 1}


def main() -> None:
    mode = sys.argv[1]
    app = create_app()
    print("ready", flush=True)
    sys.stdin.readline()
    cpu0, start = time.process_time(), time.time()
    done = outbox(app) if mode == "outbox" else bare(app, int(sys.argv[2]))
    done.update(start=start, end=time.time(), cpu_s=time.process_time() - cpu0)
    print(json.dumps(done), flush=True)


if __name__ == "__main__":
    main()
