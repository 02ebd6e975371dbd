"""Chat intake round trip and a push burst, both against a fake LINE platform on loopback.

    python bench/chat.py           # full: 3,000 chat events, 10,000 pushes per burst
    python bench/chat.py --quick   # same code, 300 events and 1,000 pushes, under a minute

1. Chat round trip: the app (`gunicorn -w 2 -k sync`, SQLite, like bench/webhooks.py)
   gets signed text-command webhooks from 4 sender threads in a separate process; latency
   runs from sending the webhook POST to the moment the fake LINE server RECEIVES the
   reply carrying that event's reply token. Target: p95 <= 100 ms.
2. Push burst: 10,000 pushes through the app's own `LineClient` (its real pacing) from a
   separate process with 32 threads, the fake enforcing LINE's documented 2,000 push/s per
   channel. Target: no 429. The fake's own ceiling is measured first with a raw-HTTP flood;
   when it is below 2,000/s the real-rate run cannot provoke a 429 whatever the client
   does, so the burst is ALSO run at a scaled rate the fake can exceed (fake limit and
   client pacer lowered to the same value), with an unpaced control run at that rate to
   show the limiter does bite there.

The fake runs as one gthread worker: FakeLine's reply tokens, retry keys and rate-limit
window live per process, so one process keeps all of them exact (see bench/_chat_support.py).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import secrets
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import ext
from bench import _chat_support as support
from bench import _common as common
from tests.fakes.line_events import new_user_id

REAL_PUSH_LIMIT = 2000  # LINE's documented push rate per channel (requests/s)
PACED_SHARE = 0.9  # the app's Pacer headroom: it paces push at 1,800/s
FRIENDS = 200  # half linked to a customer with one order


@dataclasses.dataclass(frozen=True)
class Workload:
    events: int  # measured chat events
    warmup: int  # chat events sent first and not counted (imports, pools, caches)
    pushes: int  # per paced burst
    control: int  # pushes in the unpaced control run
    flood_s: float
    senders: int = 4
    threads: int = 32
    flood_conns: int = 16


FULL = Workload(events=3000, warmup=100, pushes=10_000, control=3000, flood_s=4.0)
QUICK = Workload(events=300, warmup=30, pushes=1000, control=800, flood_s=1.5)


@dataclasses.dataclass(frozen=True)
class Line:
    """The channel the app is connected to, and the fake plays."""

    secret: str
    token: str
    bot: str

    def env(self) -> dict[str, str]:
        return {"BENCH_LINE_SECRET": self.secret, "BENCH_LINE_TOKEN": self.token, "BENCH_LINE_BOT": self.bot}


def seed(env: dict[str, str], line: Line, users: list[str]) -> None:
    """Shop, connected channel and friends through the app's own models and vault; the first
    half of the friends are linked to a customer with one order (so "注文" has work)."""
    from sqlmodel import Session

    from app import create_app
    from app.config import Settings
    from app.models import LineChannel, Shop
    from app.timeutil import utcnow

    app, now = create_app(Settings.from_env(env)), utcnow()
    vault, engine = ext.vault(app), ext.engine(app)
    with Session(engine) as s:
        shop = Shop(domain=common.SHOP, name="ベンチ茶舗", installed_at=now)
        s.add(shop)
        s.flush()
        channel = LineChannel(
            shop_id=shop.id,
            bot_user_id=line.bot,
            channel_secret_enc=vault.encrypt(line.secret),
            access_token_enc=vault.encrypt(line.token),
            connected_at=now,
        )
        s.add(channel)
        s.flush()
        for i, user in enumerate(users):
            _friend(s, shop, channel.id, user, i, linked=i < len(users) // 2, now=now)
        s.commit()
    engine.dispose()


def _friend(s, shop, channel_id: int, user: str, i: int, *, linked: bool, now) -> None:
    """A friend; a linked one gets a customer with one paid order of one line item."""
    from app.models import Customer, LineFriend, Order, OrderLineItem

    customer = None
    if linked:
        customer = Customer(
            shop_id=shop.id,
            shopify_id=8_000_000_000 + i,
            last_name="山田",
            first_name=f"花子{i}",
            email=f"buyer{i}@example.com",
        )
        s.add(customer)
        s.flush()
        order = Order(
            shop_id=shop.id,
            shopify_id=9_000_000_000 + i,
            customer_shopify_id=customer.shopify_id,
            name=f"#{1001 + i}",
            financial_status="paid",
            currency="JPY",
            total_price=Decimal(4980),
            subtotal_price=Decimal(4980),
            order_status_url=f"https://{shop.domain}/orders/{i}",
            processed_at=now,
        )
        s.add(order)
        s.flush()
        s.add(
            OrderLineItem(
                shop_id=shop.id,
                order_id=order.id,
                shopify_id=9_500_000_000 + i,
                title="抹茶ラテ",
                variant_title="200g",
                quantity=2,
                price=Decimal(2490),
            )
        )
    s.add(
        LineFriend(
            shop_id=shop.id,
            channel_id=channel_id,
            line_user_id=user,
            display_name=f"友だち{i}",
            followed_at=now,
            customer_id=customer.id if customer else None,
            linked_at=now if customer else None,
            link_method="merchant" if customer else None,
        )
    )


# -- part 1: chat round trip ---------------------------------------------------------------
@dataclasses.dataclass
class ChatOutcome:
    webhook: list[float]  # ms, answered 200
    roundtrip: list[float]  # ms, reply accepted by the fake
    by_text: dict[str, list[float]]
    errors: int  # transport errors and non-200 answers
    no_reply: int  # answered (or not) but no reply ever reached the fake
    rejected: int  # a reply arrived but the fake refused it (e.g. unknown token)
    elapsed: float
    samples: list[str]
    reply_types: dict[str, int] = dataclasses.field(default_factory=dict)  # first message's type
    left_for_worker: int = 0  # app log: events the request ran out of time for (no reply in-request)


def measure_chat(
    pool, work: Workload, app: common.Server, fake: common.Server, line: Line, users: list[str]
) -> ChatOutcome:
    def spec(n: int, seed: int) -> support.ChatSpec:
        return support.ChatSpec(
            app_port=app.port,
            fake_port=fake.port,
            secret=line.secret,
            bot_user_id=line.bot,
            users=tuple(users),
            events=n,
            senders=work.senders,
            seed=seed,
        )

    pool.apply(support.run_chat, (spec(work.warmup, 0),))
    support.admin(fake.port, "reset", {"enforce": True, "push_limit": REAL_PUSH_LIMIT})
    t0 = time.monotonic()
    sent = pool.apply(support.run_chat, (spec(work.events, 1),))
    elapsed = time.monotonic() - t0
    time.sleep(0.5)  # replies go out before the webhook answers; this is only a margin
    stats = support.admin(fake.port, "stats")
    outcome = match_replies(sent, stats["arrivals"], elapsed)
    outcome.reply_types = stats["reply_types"]
    return outcome


def match_replies(sent: list[support.Sent], arrivals: dict, elapsed: float) -> ChatOutcome:
    """Pair each sent event with the reply that carried its token, as the fake saw it."""
    out = ChatOutcome([], [], {t: [] for t in support.TEXTS}, 0, 0, 0, elapsed, [])
    for s in sent:
        if s.status == 200:
            out.webhook.append(1000 * (s.answered - s.started))
        else:
            out.errors += 1
            if len(out.samples) < 3:
                out.samples.append(s.error or f"HTTP {s.status}")
        arrival = arrivals.get(s.token)
        if arrival is None:
            out.no_reply += 1
        elif arrival[1] != 200:
            out.rejected += 1
        else:
            out.roundtrip.append(1000 * (arrival[0] - s.started))
            out.by_text[s.text].append(out.roundtrip[-1])
    return out


# -- part 2: push burst ----------------------------------------------------------------------
@dataclasses.dataclass
class BurstRow:
    label: str
    fake_limit: int
    pacer: str
    result: support.BurstResult
    stats: dict

    @property
    def rate(self) -> float:
        return sum(self.result.outcomes.values()) / self.result.elapsed if self.result.elapsed else 0.0

    @property
    def throttled(self) -> int:
        return int(self.stats["rate_limited"].get("push", 0))


def burst(pool, fake: common.Server, label: str, limit: int, spec: support.BurstSpec) -> BurstRow:
    """Fresh fake channel state at `limit` push/s, then the burst, then the fake's counts."""
    support.admin(fake.port, "reset", {"enforce": True, "push_limit": limit})
    result = pool.apply(support.run_burst, (spec,))
    stats = support.admin(fake.port, "stats")
    stats.pop("arrivals")
    pacer = "none (control)" if spec.unpaced else f"{spec.pacer_rate or REAL_PUSH_LIMIT:g}/s x0.9"
    row = BurstRow(label, limit, pacer, result, stats)
    print(f"  {label}: {row.rate:.0f} req/s, {row.throttled} x 429", flush=True)
    return row


def measure_push(pool, work: Workload, fake: common.Server, line: Line) -> tuple[float, list[BurstRow]]:
    """Fake ceiling, the burst at LINE's real rate, then (when the real-rate run cannot earn a
    429: the fake or the client cannot go past 2,000/s) a scaled run and its unpaced control."""
    support.admin(fake.port, "reset", {"enforce": False, "push_limit": REAL_PUSH_LIMIT})
    ok, bad, secs = pool.apply(
        support.run_flood, (fake.port, line.token, work.flood_s, work.flood_conns, int(work.flood_s * 6000))
    )
    ceiling = ok / secs
    print(
        f"  fake ceiling (raw-HTTP flood, {work.flood_conns} keep-alive connections, limiter off):"
        f" {ceiling:.0f} push/s ({ok} x 200, {bad} other in {secs:.1f} s)",
        flush=True,
    )
    spec = support.BurstSpec(f"http://127.0.0.1:{fake.port}", line.token, work.pushes, work.threads)
    rows = [burst(pool, fake, "real rate", REAL_PUSH_LIMIT, spec)]
    reach = min(ceiling, rows[0].rate)
    if ceiling < REAL_PUSH_LIMIT or rows[0].rate < 0.95 * PACED_SHARE * REAL_PUSH_LIMIT:
        scaled = max(100, int(reach / 2 // 100 * 100))  # well under what fake and client can do
        rows.append(burst(pool, fake, "scaled rate", scaled, dataclasses.replace(spec, pacer_rate=scaled)))
        rows.append(
            burst(pool, fake, "scaled control", scaled, dataclasses.replace(spec, pushes=work.control, unpaced=True))
        )
    return ceiling, rows


# -- report ---------------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (nan when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))]


def print_workload(work: Workload) -> None:
    name = "quick" if work is QUICK else "full"
    print(f"workload ({name})")
    print(f"  {'part':<16} {'size':>8}  how")
    print(
        f"  {'chat round trip':<16} {work.events:>8}  text events (+{work.warmup} warm-up not counted),"
        f" {work.senders} closed-loop senders, {FRIENDS} friends ({FRIENDS // 2} linked with an order),"
        f" in turn: {', '.join(f'{k} {v!r}' for k, v in list(support.TEXTS.items())[:5])}, free text"
    )
    print(
        f"  {'push burst':<16} {work.pushes:>8}  pushes per paced run via the app's LineClient,"
        f" {work.threads} threads; control run {work.control} unpaced pushes (only at a scaled rate)"
    )
    print(f"  {'fake ceiling':<16} {work.flood_s:>7g}s  raw-HTTP push flood, {work.flood_conns} connections")
    print(
        f"  servers: app gunicorn -w {common.WORKERS} -k sync (SQLite); fake LINE gunicorn -w 1 -k gthread"
        f" --threads {support.FAKE_THREADS} (one process: exact reply tokens, 429 counter and rate window)"
    )


def print_chat(c: ChatOutcome) -> None:
    print(
        f"\nchat round trip: {len(c.webhook) + c.errors} events in {c.elapsed:.1f} s"
        f" = {(len(c.webhook) + c.errors) / c.elapsed:.0f} events/s"
    )
    print(f"  {'measure':<34} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    rows = [("webhook answered 200", c.webhook), ("send -> reply at fake", c.roundtrip)]
    rows += [(f"  send -> reply, {label}", v) for label, v in c.by_text.items()]
    for name, v in rows:
        print(
            f"  {name:<34} {len(v):>5} {pct(v, 0.5):>8.1f} {pct(v, 0.95):>8.1f} {pct(v, 0.99):>8.1f}"
            f" {max(v, default=float('nan')):>8.1f}"
        )
    print(
        f"  errors {c.errors}, events without a reply {c.no_reply}, replies refused by the fake {c.rejected};"
        f" webhook answers over LINE's 2 s timeout {sum(ms > 2000 for ms in c.webhook)};"
        f" 'left for the worker' in the app log (warm-up included) {c.left_for_worker}"
    )
    print(f"  replies by first message type: {', '.join(f'{k} {v}' for k, v in sorted(c.reply_types.items()))}")
    for sample in c.samples:
        print(f"  error sample: {sample}")


def print_push(ceiling: float, rows: list[BurstRow], work: Workload) -> None:
    print(f"\npush burst (fake ceiling {ceiling:.0f} push/s; LINE's documented limit {REAL_PUSH_LIMIT}/s)")
    print(
        f"  {'run':<15} {'fake limit':>10} {'client pacer':>15} {'pushes':>6} {'secs':>6} {'req/s':>7}"
        f" {'429s':>5} {'failed':>6} {'keys ok':>7} {'retries':>7} {'pool drop':>9}"
    )
    for r in rows:
        res, done = r.result, sum(r.result.outcomes.values())
        print(
            f"  {r.label:<15} {r.fake_limit:>8}/s {r.pacer:>15} {done:>6} {res.elapsed:>6.1f} {r.rate:>7.0f}"
            f" {r.throttled:>5} {res.outcomes.get('failed', 0):>6} {r.stats['retry_keys']:>7}"
            f" {res.retries_logged:>7} {res.pool_discards:>9}"
        )
        for sample in res.error_samples:
            print(f"    error sample: {sample}")
    if len(rows) == 1:
        print(f"  fake and client both go past {REAL_PUSH_LIMIT}/s: the real-rate run stresses the limiter itself")
    else:
        print(
            f"  the fake ({ceiling:.0f}/s) or this client ({rows[0].rate:.0f}/s at the real rate) cannot go past"
            f" {REAL_PUSH_LIMIT}/s here, so the real-rate run could not earn a 429 whatever the pacing did; the"
            f" scaled runs test the pacing at {rows[1].fake_limit}/s, a rate both can exceed (see the control)"
        )
        if rows[-1].throttled == 0:
            print("  WARNING: the unpaced control earned no 429 either: the limiter was not stressed")
    for r in rows[:2]:
        print(
            f"  informational: {r.label} burst {r.rate:.0f} requests/s,"
            f" retry keys accepted {r.stats['retry_keys']} of {work.pushes}"
        )


def bench_line(target_id: str, measured: float, unit: str, op: str, value: float) -> str:
    """_common's line, with the figure written as this bench's table writes it."""
    shown = f"{measured:.0f}" if unit == "count" else f"{measured:.1f}"
    return common.bench_line(target_id, measured, unit, op, value, shown=shown)


def report(chat: ChatOutcome, rows: list[BurstRow], work: Workload) -> None:
    """A chat event lost (error, no reply) counts as slower than any target: it cannot PASS."""
    lost = chat.errors + chat.no_reply + chat.rejected
    p95 = pct(chat.roundtrip + [float("inf")] * lost, 0.95)
    paced = [r for r in rows if r.pacer != "none (control)"]
    throttled = sum(r.throttled for r in paced)
    keys_short = sum(work.pushes - r.stats["retry_keys"] for r in paced)
    print(
        f"\npush-burst-429s counts the fake's 429s over the paced runs ({', '.join(r.label for r in paced)});"
        f" retry keys missing over them: {keys_short}"
    )
    print(bench_line("chat-roundtrip-p95", p95, "ms", "<=", 100))
    print(bench_line("push-burst-429s", throttled, "count", "==", 0))


def run(work: Workload, tmp: Path) -> int:
    """Seed, start both servers, measure; servers are stopped whatever happens."""
    line = Line(secrets.token_hex(16), "bench-line-token-" + secrets.token_hex(20), new_user_id())
    users = [new_user_id() for _ in range(FRIENDS)]
    env = common.app_env(common.fresh_sqlite(tmp))  # one ENCRYPTION_KEYS for seed and server
    fake = support.start_fake(tmp, line.env())
    env.update(LINE_API_BASE=f"http://127.0.0.1:{fake.port}", DELIVERY_MODE="live")
    seed(env, line, users)
    app = common.start_gunicorn("app", "wsgi:app", env, tmp)
    pool = multiprocessing.get_context("spawn").Pool(1)
    print_workload(work)
    try:
        common.wait_ready(fake)
        common.wait_ready(app)
        pid = support.admin(fake.port, "stats")["pid"]
        chat = measure_chat(pool, work, app, fake, line, users)
        ceiling, rows = measure_push(pool, work, fake, line)
        if support.admin(fake.port, "stats")["pid"] != pid:
            raise RuntimeError("the fake's worker was replaced mid-run: its counts are incomplete")
    except RuntimeError as exc:
        print(exc)
        return 1
    finally:
        pool.close()
        pool.join()
        for server in (app, fake):
            if server.proc.poll() is not None:
                print(f"server {server.name} exited early; log tail:\n{server.tail()}")
            common.stop(server)
    chat.left_for_worker = app.log.read_text(errors="replace").count("LINE events left for the worker")
    print_chat(chat)
    print_push(ceiling, rows, work)
    report(chat, rows, work)
    return 0


def main(argv: list[str] | None = None) -> int:
    return common.main_with_workdir(
        argv,
        description="Chat round trip and push burst (see the module docstring)",
        quick=QUICK,
        full=FULL,
        run=run,
        name="chat",
    )


if __name__ == "__main__":
    sys.exit(main())
