"""The Shopify Flow action endpoint under load: signed "Send LINE message" runs at a fixed rate.

    python bench/shopify_flow_action.py           # full size: 30 s at 100 req/s per database
    python bench/shopify_flow_action.py --quick   # 3 s at 100 req/s, SQLite only, under a minute

The app runs as `gunicorn -w 2 -k sync` on loopback (SQLite, and PostgreSQL when it
answers), with a shop, a connected LINE channel and 1,000 linked customers (200 quick). Requests are
sent open loop at a fixed rate (latency from the scheduled send time, so a slow answer
delays nothing it should not), each a new action_run_id for a random customer, every tenth
one a repeat of an earlier run (Flow resending it). Afterwards: one Notification per
distinct run, none for a repeat. Target (issue 15): p95 ≤ 50 ms at 100 requests per second.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import http.client
import json
import queue
import random
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as common

PATH = "/flow/actions/send-line-message"
PG_DB = "tsunagu_bench_shopify_flow"
TARGET_P95_MS = 50.0


@dataclasses.dataclass(frozen=True)
class Workload:
    seconds: float
    rate: float = 100.0
    customers: int = 1000
    threads: int = 16
    postgres: bool = True  # also PostgreSQL (when it answers): its migration alone takes half a minute here


FULL = Workload(seconds=30.0)
QUICK = Workload(seconds=3.0, customers=200, postgres=False)


def seed(url: str, customers: int) -> None:
    from sqlmodel import Session, create_engine

    from app.models import Customer, LineChannel, LineFriend, Shop
    from app.timeutil import utcnow

    engine = create_engine(url.replace("sqlite:///", "sqlite:///", 1))
    with Session(engine) as s:
        shop = Shop(domain=common.SHOP, name="ベンチ", installed_at=utcnow(), timezone="Asia/Tokyo")
        s.add(shop)
        s.flush()
        channel = LineChannel(shop_id=shop.id, bot_user_id="Ubench", connected_at=utcnow(), webhook_ok_at=utcnow())
        s.add(channel)
        s.flush()
        for i in range(customers):
            customer = Customer(shop_id=shop.id, shopify_id=9_000_000 + i, first_name="花子", last_name=f"山田{i}")
            s.add(customer)
            s.flush()
            s.add(
                LineFriend(
                    shop_id=shop.id,
                    channel_id=channel.id,
                    line_user_id=f"U{i:032x}",
                    customer_id=customer.id,
                    linked_at=utcnow(),
                    followed_at=utcnow(),
                )
            )
        s.commit()
    engine.dispose()


def _signed(body: bytes) -> str:
    return base64.b64encode(hmac.new(common.SECRET.encode(), body, hashlib.sha256).digest()).decode()


def build(work: Workload) -> list[tuple[str, bytes]]:
    """(run id, body) per request, in send order; every tenth repeats an earlier run."""
    rng, sent, out = random.Random(15), [], []
    for i in range(int(work.seconds * work.rate)):
        if i % 10 == 9 and sent:
            out.append(rng.choice(sent))
            continue
        run_id = str(uuid.uuid4())
        body = {
            "shop_id": "1",
            "shopify_domain": common.SHOP,
            "action_run_id": run_id,
            "action_definition_id": "Send LINE message",
            "handle": "send-line-message",
            "properties": {
                "customer_id": f"gid://shopify/Customer/{9_000_000 + rng.randrange(work.customers)}",
                "message": "{customer_name}様、お誕生日おめでとうございます！クーポン BIRTHDAY10 をどうぞ。",
                "transactional": False,
            },
        }
        item = (run_id, json.dumps(body, ensure_ascii=False).encode())
        sent.append(item)
        out.append(item)
    return out


@dataclasses.dataclass
class Result:
    latencies: list[float]
    statuses: dict[int, int]
    errors: int
    elapsed: float


def load(port: int, work: Workload, requests: list[tuple[str, bytes]]) -> Result:
    jobs: queue.Queue = queue.Queue()
    latencies, statuses, errors, lock = [], {}, [0], threading.Lock()
    start = time.monotonic() + 0.2
    for i, (_run, body) in enumerate(requests):
        jobs.put((start + i / work.rate, body))

    def worker():
        while True:
            try:
                due, body = jobs.get_nowait()
            except queue.Empty:
                return
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request(
                    "POST",
                    PATH,
                    body=body,
                    headers={"Content-Type": "application/json", "X-Shopify-Hmac-Sha256": _signed(body)},
                )
                response = conn.getresponse()
                response.read()
                conn.close()
                took = time.monotonic() - due
                with lock:
                    latencies.append(took)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
            except OSError:
                with lock:
                    errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(work.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(latencies, statuses, errors[0], time.monotonic() - start)


SEQUENTIAL = 50  # requests sent one at a time first: the service time without queueing


def sequential(port: int, requests: list[tuple[str, bytes]]) -> list[float]:
    took = []
    for _run, body in requests:
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request(
            "POST",
            PATH,
            body=body,
            headers={"Content-Type": "application/json", "X-Shopify-Hmac-Sha256": _signed(body)},
        )
        conn.getresponse().read()
        conn.close()
        took.append(time.monotonic() - started)
    return took


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))]


def notifications(url: str) -> tuple[int, int]:
    from sqlalchemy import func, select
    from sqlmodel import Session, create_engine

    from app.models import Notification, ShopifyFlowRun

    engine = create_engine(url)
    with Session(engine) as s:
        notes = s.execute(select(func.count()).select_from(Notification)).scalar_one()
        runs = s.execute(select(func.count()).select_from(ShopifyFlowRun)).scalar_one()
    engine.dispose()
    return notes, runs


def run(work: Workload, tmp: Path) -> int:
    targets = [("sqlite", common.fresh_sqlite(tmp))]
    pg_url, why = common.fresh_postgres(PG_DB) if work.postgres else (None, "not in --quick")
    if pg_url:
        targets.append(("postgresql", pg_url))
    else:
        print(f"PostgreSQL left out: {why}")
    requests = build(dataclasses.replace(work, seconds=work.seconds + SEQUENTIAL / work.rate))
    distinct = len({run_id for run_id, _ in requests})
    rows, ok = [], True
    for name, url in targets:
        seed(url, work.customers)
        server = common.start_gunicorn(f"flow-{name}", "wsgi:app", common.app_env(url), tmp)
        try:
            common.wait_ready(server)
            warm = build(dataclasses.replace(work, seconds=0.5))
            load(
                server.port, work, [(r, b.replace(b'"action_run_id": "', b'"action_run_id": "warm-')) for r, b in warm]
            )
            one = sequential(server.port, requests[:SEQUENTIAL])
            result = load(server.port, work, requests[SEQUENTIAL:])
        finally:
            common.stop(server)
        notes, runs = notifications(url)
        warm_distinct = len({r for r, _ in warm})
        rows.append((name, work, result, distinct, notes - warm_distinct, runs - warm_distinct, one))
    print(
        f"\n{'database':<11} {'rate':>6} {'secs':>5} {'requests':>8} {'repeats':>7} {'200':>6} {'other':>5}"
        f" {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'runs':>6} {'messages':>8} {'alone p50/p95 ms':>17}"
    )
    for name, w, r, distinct_runs, notes, runs, one in rows:
        other = sum(n for s, n in r.statuses.items() if s != 200)
        print(
            f"{name:<11} {w.rate:>6.0f} {w.seconds:>5.0f} {len(r.latencies) + r.errors:>8} "
            f"{len(requests) - distinct_runs:>7} {r.statuses.get(200, 0):>6} {other:>5} {r.errors:>6}"
            f" {pct(r.latencies, 0.5):>7.1f} {pct(r.latencies, 0.95):>7.1f} {pct(r.latencies, 0.99):>7.1f}"
            f" {runs:>6} {notes:>8} {pct(one, 0.5):>8.1f}/{pct(one, 0.95):<8.1f}"
        )
        ok = ok and notes == distinct_runs and other == 0 and r.errors == 0
    print(
        f"\n{work.customers:,} linked customers; {SEQUENTIAL} requests sent alone first, then {work.rate:.0f} req/s"
        f" open loop (latency from the scheduled send time)"
    )
    print(f"one message per distinct run, none for a repeat: {'yes' if ok else 'NO'}")
    for name, w, r, *_ in rows:
        p95 = pct(r.latencies, 0.95)
        verdict = "PASS" if p95 <= TARGET_P95_MS else "MISS"
        print(
            f"BENCH shopify_flow_action_p95_{name}_{w.rate:.0f}rps {p95:.1f} ms target <= {TARGET_P95_MS:.0f} {verdict}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(
        common.main_with_workdir(
            sys.argv[1:],
            description=__doc__.splitlines()[0],
            quick=QUICK,
            full=FULL,
            run=run,
            name="shopify-flow-action",
        )
    )
