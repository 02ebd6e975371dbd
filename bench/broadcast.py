"""Campaign benchmark: planning a campaign to 700,000 friends, sending it to a fake LINE that
enforces 200 multicasts a second, and a worker killed half way and restarted.

    python bench/broadcast.py [--quick]      (--quick: 70,000 friends, the same code)

Each part runs in a process of its own, as in production: the fake LINE (tests/fakes/line.py,
rate limits enforced, every request recorded), the planner (the start_campaigns job's call;
its peak RSS is the process's own), and the sender (the send_campaigns job's call, run until
the campaign is done). The database is SQLite (the default deployment); 700,000 friends
who will receive it plus 1 % blocked and 1 % opted out, which planning leaves out.

The last lines are `BENCH <target> <measured> <unit> target <op> <value> PASS|MISS`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import bench_line  # noqa: E402

TOKEN = "bench-line-token-0123456789abcdef"
RATE = 200  # multicast requests per second the fake LINE allows


def user_id(i: int) -> str:
    return f"U{i:032x}"


# -- children ---------------------------------------------------------------------------------
def child_fake(port: int) -> None:
    """The fake LINE with LINE's multicast rate limit, plus /_stats and /_clear for the bench."""
    from collections import Counter

    from werkzeug.serving import WSGIRequestHandler, make_server
    from werkzeug.wrappers import Response

    from tests.fakes.line import FakeLine

    fake = FakeLine(access_token=TOKEN, quota=None, enforce_rate_limits=True, multicast_limit_per_s=RATE)

    def app(environ, start_response):
        path = environ.get("PATH_INFO")
        if path == "/_stats":
            counts = Counter(u for d in fake.multicasts() for u in d.to)
            calls = sum(1 for r in fake.requests if r.path == "/v2/bot/message/multicast")
            body = {
                "multicast_calls": calls,
                "accepted": len(fake.multicasts()),
                "rate_limited": fake.rate_limited["multicast"],
                "distinct": len(counts),
                "duplicates": sum(n - 1 for n in counts.values() if n > 1),
                "cpu_s": time.process_time(),
                "units": sorted({u for r in fake.requests for u in r.body.get("customAggregationUnits") or []}),
            }
            return Response(json.dumps(body), mimetype="application/json")(environ, start_response)
        if path == "/_clear":
            fake.clear()
            return Response("{}", mimetype="application/json")(environ, start_response)
        if path == "/_accepted":
            return Response(json.dumps(len(fake.multicasts())), mimetype="application/json")(environ, start_response)
        return fake(environ, start_response)

    # Keep-alive, as LINE's API has: without it every call opens a connection.
    WSGIRequestHandler.protocol_version = "HTTP/1.1"
    server = make_server("127.0.0.1", port, app, threaded=True)
    print("ready", flush=True)
    server.serve_forever()


def _app(db_url: str, line_url: str, key: str):
    from app import create_app
    from app.config import Settings

    return create_app(
        Settings(
            env="test",
            database_url=db_url,
            secret_key="s" * 40,
            encryption_keys=(key,),
            shopify_api_key="bench-key",
            line_api_base=line_url,
        )
    )


def child_plan(db_url: str, line_url: str, key: str) -> None:
    """Start (plan) every due campaign once; report wall time and this process's peak RSS."""
    from app import ext
    from app.campaigns.planning import start_due
    from app.timeutil import utcnow

    app = _app(db_url, line_url, key)
    # A worker has configured its mappers long before a campaign is due: not timed here.
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu = time.perf_counter(), time.process_time()
    with app.app_context():
        outcome = start_due(engine=ext.engine(app), now=utcnow())
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"outcome": outcome, "seconds": seconds, "cpu_s": cpu, "rss_mb": peak, "base_mb": base}), flush=True
    )


def child_send(db_url: str, line_url: str, key: str, stale_s: float) -> None:
    """The send_campaigns job back to back until no campaign is sending; reports its wall time."""
    from datetime import timedelta

    from sqlalchemy import text

    from app import ext
    from app.campaigns.sending import send_due
    from app.timeutil import utcnow

    app = _app(db_url, line_url, key)
    engine = ext.engine(app)
    print("ready", flush=True)
    sys.stdin.readline()  # go
    started, cpu = time.perf_counter(), time.process_time()
    totals: dict = {}
    while True:
        with app.app_context():
            for k, v in send_due(engine=engine, now=utcnow(), stale_after=timedelta(seconds=stale_s)).items():
                totals[k] = totals.get(k, 0) + v
        with engine.connect() as conn:
            if not conn.scalar(text("SELECT count(*) FROM campaigns WHERE status = 'sending'")):
                break
        time.sleep(0.05)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu_s": cpu, "totals": totals}), flush=True)


# -- the bench --------------------------------------------------------------------------------
def seed(db_url: str, key: str, friends: int, excluded_each: int) -> None:
    """A shop, its channel, friends (ids in user order) and the excluded ones, by bulk insert."""
    from sqlalchemy import create_engine, insert

    from app.crypto import Vault
    from app.models import LineChannel, LineFriend, Shop
    from app.timeutil import utcnow

    engine = create_engine(db_url)
    now = utcnow()
    vault = Vault((key,))
    with engine.begin() as conn:
        shop_id = conn.execute(
            insert(Shop.__table__).returning(Shop.__table__.c.id),
            [
                {
                    "domain": "bench-shop.myshopify.com",
                    "name": "ベンチ",
                    "timezone": "Asia/Tokyo",
                    "currency": "JPY",
                    "locale": "ja",
                    "scopes": "",
                    "installed_at": now,
                    "is_demo": False,
                    # Quiet hours off: the bench runs at any hour.
                    "settings": {"policies": {"quiet_start": "00:00", "quiet_end": "00:00"}},
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        ).scalar_one()
        channel_id = conn.execute(
            insert(LineChannel.__table__).returning(LineChannel.__table__.c.id),
            [
                {
                    "shop_id": shop_id,
                    "bot_user_id": "U" + "f" * 32,
                    "access_token_enc": vault.encrypt(TOKEN),
                    "channel_secret_enc": vault.encrypt("bench-secret"),
                    "connected_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        ).scalar_one()
        total = friends + 2 * excluded_each
        step = 20_000
        for start in range(0, total, step):
            rows = []
            for i in range(start, min(total, start + step)):
                kind = i % 100  # 1 % blocked, 1 % opted out, spread through the ids
                blocked = kind == 98 and excluded_each > 0
                opted = kind == 99 and excluded_each > 0
                rows.append(
                    {
                        "shop_id": shop_id,
                        "channel_id": channel_id,
                        "line_user_id": user_id(i),
                        "is_blocked": blocked,
                        "marketing_opt_out_at": now if opted else None,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            conn.execute(insert(LineFriend.__table__), rows)
    engine.dispose()


def add_campaign(db_url: str, name: str) -> int:
    from sqlalchemy import create_engine, insert

    from app.models import Campaign
    from app.timeutil import utcnow

    engine = create_engine(db_url)
    now = utcnow()
    import uuid

    with engine.begin() as conn:
        campaign_id = conn.execute(
            insert(Campaign.__table__).returning(Campaign.__table__.c.id),
            [
                {
                    "shop_id": 1,
                    "uid": uuid.uuid4(),
                    "name": name,
                    "status": "scheduled",
                    "audience": {"kind": "all"},
                    "messages": [{"type": "text", "text": "年末セール開催中！"}],
                    "scheduled_at": now,
                    "exempt_from_cap": True,
                    "forecast": {},
                    "recipients": 0,
                    "excluded": {},
                    "chunks_total": 0,
                    "chunks_done": 0,
                    "sent_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        ).scalar_one()
    engine.dispose()
    return campaign_id


def spawn(*args: str, stdin=None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, __file__, "--child", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stdin=stdin,
        text=True,
    )


def fake_get(port: int, what: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_{what}", timeout=30) as answer:
        return json.loads(answer.read())


def campaign_row(db_url: str, campaign_id: int) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT status, recipients, chunks_total, chunks_done, sent_count, excluded FROM campaigns WHERE id=:i"
            ),
            {"i": campaign_id},
        ).one()
    engine.dispose()
    return dict(row._mapping)


def send_phase(db_url: str, line_url: str, key: str, stale_s: float = 300.0) -> subprocess.Popen:
    proc = spawn("send", db_url, line_url, key, str(stale_s), stdin=subprocess.PIPE)
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError("the sender did not start")
    proc.stdin.write("go\n")
    proc.stdin.flush()
    return proc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        mode, *rest = args.child
        {"fake": lambda: child_fake(int(rest[0])), "plan": lambda: child_plan(*rest)}.get(
            mode, lambda: child_send(rest[0], rest[1], rest[2], float(rest[3]))
        )()
        return

    from cryptography.fernet import Fernet

    from app.schema import upgrade
    from bench._common import free_port

    friends = 70_000 if args.quick else 700_000
    excluded_each = friends // 98  # ~1 % blocked and ~1 % opted out on top
    calls_expected = -(-friends // 500)
    floor = calls_expected / RATE
    key = Fernet.generate_key().decode()
    tmp = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    db_url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(db_url)
    started = time.perf_counter()
    seed(db_url, key, friends, excluded_each)
    seeded = time.perf_counter() - started
    port = free_port()
    fake = spawn("fake", str(port))
    line_url = f"http://127.0.0.1:{port}"
    procs = [fake]
    try:
        assert fake.stdout.readline().strip() == "ready"
        # 1. planning, in a process of its own (peak RSS is its own)
        first = add_campaign(db_url, "一斉配信")
        planner = spawn("plan", db_url, line_url, key)
        plan = json.loads(planner.communicate(timeout=600)[0].strip().splitlines()[-1])
        planned = campaign_row(db_url, first)
        # 2. sending at the fake LINE's rate limit
        fake_cpu_before = fake_get(port, "stats")["cpu_s"]
        sender = send_phase(db_url, line_url, key)
        procs.append(sender)
        send = json.loads(sender.communicate(timeout=600)[0].strip().splitlines()[-1])
        sent_stats = fake_get(port, "stats")
        sent_row = campaign_row(db_url, first)
        # 3. a worker killed half way, then a new one
        fake_get(port, "clear")
        second = add_campaign(db_url, "再起動試験")
        json.loads(spawn("plan", db_url, line_url, key).communicate(timeout=600)[0].strip().splitlines()[-1])
        victim = send_phase(db_url, line_url, key)
        procs.append(victim)
        while fake_get(port, "accepted") < calls_expected // 2:
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        at_kill = fake_get(port, "accepted")
        # The dead worker's chunks are reclaimed at once (its replacement knows it is dead).
        replacement = send_phase(db_url, line_url, key, stale_s=0.0)
        procs.append(replacement)
        json.loads(replacement.communicate(timeout=600)[0].strip().splitlines()[-1])
        restart_stats = fake_get(port, "stats")
        restart_row = campaign_row(db_url, second)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    missed = planned["recipients"] - restart_stats["distinct"]
    ratio = send["seconds"] / floor
    rss_note = f"peak RSS {plan['rss_mb']:.0f} MB (app {plan['base_mb']:.0f} MB)"
    restart_note = f"killed after {at_kill} accepted; {restart_stats['duplicates']} twice, {missed} missed"
    print(f"friends {friends + 2 * excluded_each:,} (recipients {friends:,}; excluded {planned['excluded']})")
    print(f"seeded in {seeded:.1f} s; database {tmp / 'bench.db'}")
    print()
    print(f"{'phase':<28}{'size':>12}{'calls':>8}{'429s':>6}{'wall s':>9}{'note':>40}")
    print(
        f"{'plan (exclusions, chunks)':<28}{planned['recipients']:>12,}{'':>8}{'':>6}{plan['seconds']:>9.2f}"
        f"{rss_note:>40}"
    )
    print(
        f"{'send at 200 req/s':<28}{sent_row['sent_count']:>12,}{sent_stats['multicast_calls']:>8,}"
        f"{sent_stats['rate_limited']:>6}{send['seconds']:>9.2f}{f'floor {floor:.1f} s, ratio {ratio:.2f}':>40}"
    )
    print(
        f"{'kill at half, restart':<28}{restart_row['sent_count']:>12,}{restart_stats['multicast_calls']:>8,}"
        f"{restart_stats['rate_limited']:>6}{'':>9}"
        f"{restart_note:>40}"
    )
    print(
        f"CPU seconds: planner {plan['cpu_s']:.1f}; sender {send['cpu_s']:.1f}; fake LINE while sending "
        f"{sent_stats['cpu_s'] - fake_cpu_before:.1f}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"units on the requests: {sent_stats['units'] + restart_stats['units']}; status {restart_row['status']}")
    print()
    print(bench_line("broadcast-plan-seconds", round(plan["seconds"], 1), "s", "<=", 10))
    print(bench_line("broadcast-plan-rss-mb", round(plan["rss_mb"]), "MB", "<=", 300))
    print(bench_line("broadcast-send-wall-ratio", round(ratio, 2), "x", "<=", 1.2))
    print(bench_line("broadcast-send-429", sent_stats["rate_limited"], "responses", "==", 0))
    print(bench_line("broadcast-send-calls", sent_stats["multicast_calls"], "calls", "==", calls_expected))
    print(bench_line("broadcast-restart-duplicates", restart_stats["duplicates"], "recipients", "==", 0))
    print(bench_line("broadcast-restart-missed", missed, "recipients", "==", 0))


if __name__ == "__main__":
    main()
