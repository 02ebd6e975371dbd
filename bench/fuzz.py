"""Fuzzing as a benchmark: validly signed, randomly broken bodies through the real app and worker.

    python bench/fuzz.py                      # full size: 100,000 cases per endpoint
    python bench/fuzz.py --quick              # 2,000 cases per endpoint, a minute or two
    python bench/fuzz.py --seed 7 --only shopify:123   # replay one case (the seed is printed)
    python bench/fuzz.py --database postgresql         # PostgreSQL at 127.0.0.1:5432 (optional)

In one process, with Flask's test client: each case is a signed POST to `/webhooks/shopify`
(every topic subscribed in shopify.app.toml, the fixture of its shape broken by
bench/_fuzz_mutate.py) or to `/line/webhook` (one to three events of every LINE type, broken
the same way), LINE being the fake LINE over loopback HTTP. Every few cases the worker's
`process_webhooks` and `process_line_events` jobs run as app/jobs.py runs them. A control
phase first sends the same shapes unbroken. Then every delivery's final status is read back:
a handler crash is a delivery left `received`, failed without a reason, failed by an
unexpected exception (not a refusal of the payload), or a job that raised.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import random
import sys
import tempfile
import time
import tomllib
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as common
from bench import _fuzz_report as report
from bench._fuzz_line import BUILDERS, CaseRandom
from bench._fuzz_mutate import dumps, mutate

FIXTURES = common.ROOT / "tests" / "fixtures" / "shopify"
RESULTS = common.ROOT / "bench" / "results"
LINE_SECRET = "fuzz-line-secret-0123456789abcdef"
LINE_TOKEN = "fuzz-line-token"
LINE_SHOP = "fuzz-line.myshopify.com"  # the LINE side's shop: shop/redact fuzzing never erases it
# A topic without a fixture of its own borrows the fixture of its shape.
SHAPES = {"update": "create", "paid": "create", "cancelled": "create"}
# Topics that end a shop (erase it, uninstall it) each get a shop of their own, so the other
# cases keep theirs and every delivery's final status can be read back.
OWN_SHOP = ("shop/redact", "app/uninstalled")


@dataclasses.dataclass(frozen=True)
class Workload:
    cases: int  # per endpoint, broken bodies
    control: int  # per endpoint, unbroken bodies first
    batch: int  # the worker's jobs run after this many cases
    progress: int  # a progress line (with the RSS) after this many cases


FULL = Workload(cases=100_000, control=1_000, batch=50, progress=10_000)
QUICK = Workload(cases=2_000, control=200, batch=50, progress=500)


@dataclasses.dataclass
class Case:
    endpoint: str  # shopify | line
    index: int
    label: str  # topic or event types
    body: bytes
    changes: list[str]
    shop: str = common.SHOP


def subscribed_topics() -> list[str]:
    config = tomllib.loads((common.ROOT / "shopify.app.toml").read_text())
    topics = []
    for sub in config["webhooks"]["subscriptions"]:
        topics += sub.get("topics", []) + sub.get("compliance_topics", [])
    return topics


def shopify_shape(topic: str, shop: str, rng: random.Random) -> dict:
    """The documented body of `topic` (its fixture), with fresh ids and this shop's domain."""
    if topic in ("customers/delete", "products/delete"):
        return {"id": rng.randrange(10**9, 10**13)}
    resource, _, action = topic.partition("/")
    name = f"{resource}_{SHAPES.get(action, action)}".replace("/", "_")
    doc = json.loads((FIXTURES / f"{name}.json").read_text())
    for key in ("shop_domain", "myshopify_domain"):
        if key in doc:
            doc[key] = shop
    if isinstance(doc.get("id"), int):
        doc["id"] = rng.randrange(10**9, 10**13)
    return doc


def shopify_case(seed: int, index: int, *, broken: bool, shop: str, topics: list[str]) -> Case:
    rng = random.Random(f"{seed}:shopify:{index}")
    topic = rng.choice(topics)
    shop = f"fuzz-{index}.myshopify.com" if topic in OWN_SHOP else shop
    doc, changes = shopify_shape(topic, shop, rng), []
    if broken:
        doc, changes = mutate(doc, rng)
    return Case("shopify", index, topic, dumps(doc), changes, shop=shop)


def line_case(seed: int, index: int, *, broken: bool, bot: str, users: list[str]) -> Case:
    rng = CaseRandom(seed, index)
    kinds = [rng.choice(list(BUILDERS)) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    events, changes = [BUILDERS[k](rng, users) for k in kinds], []
    doc = {"destination": bot, "events": events}
    if broken and rng.random() < 0.05:  # the envelope itself
        doc, changes = mutate(doc, rng)
        changes = [f"envelope {c}" for c in changes]
    elif broken:
        doc["events"], changes = mutate(events, rng)
    return Case("line", index, "+".join(kinds), dumps(doc), changes)


class Crashes(logging.Handler):
    """Log records with a traceback, from the app's loggers: each is an unexpected exception."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.current = "setup"
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            exc = record.exc_info[1]
            where = _innermost_app_frame(exc.__traceback__)
            self.records.append(
                (self.current, f"{record.getMessage()[:120]} | {type(exc).__name__}: {str(exc)[:200]} at {where}")
            )


def _innermost_app_frame(tb) -> str:
    """file:line of the deepest frame in app/ (where to look), else the deepest frame."""
    import traceback

    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if "/app/" in f.filename and "site-packages" not in f.filename] or frames
    return f"{Path(ours[-1].filename).name}:{ours[-1].lineno} ({ours[-1].name})" if ours else "?"


class Harness:
    """The app, its database, the fake LINE and the worker's jobs, in this process."""

    def __init__(self, database_url: str, fake_line) -> None:
        from cryptography.fernet import Fernet

        from app import create_app, jobs
        from app.config import Settings

        self.fake = fake_line
        settings = Settings(
            env="development",
            database_url=database_url,
            secret_key="s" * 40,
            encryption_keys=(Fernet.generate_key().decode(),),
            app_url="https://tsunagu.fuzz",
            shopify_api_key="fuzz-key",
            shopify_api_secret=common.SECRET,
            shopify_api_base="http://127.0.0.1:9/{shop}",  # a closed port: never the internet
            line_api_base=fake_line.url,
            log_level="INFO",
        )
        self.app = create_app(settings)
        self.client = self.app.test_client()
        self.crashes = Crashes()
        for name in ("tsunagu", self.app.logger.name):  # quiet, but every traceback is counted
            logger = logging.getLogger(name)
            logger.handlers, logger.propagate = [self.crashes], False
        self.jobs = {j.name: j for j in jobs.JOBS}
        self.run_job = jobs.run_job
        self.job_errors: list[str] = []

    def seed_line(self, users: list[str]) -> None:
        from sqlmodel import Session

        from app import ext
        from app.models import LineChannel, Shop
        from app.timeutil import utcnow

        vault = ext.vault(self.app)
        with Session(ext.engine(self.app)) as s:
            shop = Shop(domain=LINE_SHOP, name="ファズ茶舗", installed_at=utcnow())
            s.add(shop)
            s.flush()
            s.add(
                LineChannel(
                    shop_id=shop.id,
                    bot_user_id=self.fake.bot_user_id,
                    channel_secret_enc=vault.encrypt(LINE_SECRET),
                    access_token_enc=vault.encrypt(LINE_TOKEN),
                    connected_at=utcnow(),
                )
            )
            s.commit()
        for i, user in enumerate(users[: len(users) // 2]):
            self.fake.add_user(user, ["はなこ", "", "🍵" * 300, "\u202e"][i % 4], language=["ja", "en", "x"][i % 3])

    def send(self, case: Case) -> int:
        from tests.fakes.line_events import signature

        if case.endpoint == "shopify":
            headers = {
                "Content-Type": "application/json",
                "X-Shopify-Topic": case.label,
                "X-Shopify-Hmac-Sha256": _shopify_hmac(case.body),
                "X-Shopify-Shop-Domain": case.shop,
                "X-Shopify-Webhook-Id": f"fuzz-{case.index}-{uuid.uuid4().hex[:8]}",
                "X-Shopify-Triggered-At": "2026-11-25T01:00:00.000Z",
                "X-Shopify-API-Version": "2026-10",
            }
            url = "/webhooks/shopify"
        else:
            headers = {"Content-Type": "application/json", "x-line-signature": signature(LINE_SECRET, case.body)}
            url = "/line/webhook"
        self.crashes.current = f"{case.endpoint}:{case.index}"
        try:
            return self.client.post(url, data=case.body, headers=headers).status_code
        except Exception as exc:  # a test client that propagates: still a 5xx
            self.crashes.records.append((self.crashes.current, f"raised {type(exc).__name__}: {exc}"[:400]))
            return 599

    def work(self, label: str) -> int:
        """The worker's two jobs once; LINE's orphan job sees 'now' past its grace period."""
        from app.line.events import ORPHAN_AFTER
        from app.timeutil import utcnow

        self.crashes.current = f"worker after {label}"
        done = 0
        for name, now in (("process_webhooks", utcnow()), ("process_line_events", utcnow() + ORPHAN_AFTER)):
            result = self.run_job(self.app, self.jobs[name], now) or {}
            if result.get("error"):
                self.job_errors.append(f"{name} after {label}")
            done += sum(v for k, v in result.items() if k != "error")
        self.fake.clear()
        return done


def _shopify_hmac(body: bytes) -> str:
    import base64
    import hashlib
    import hmac

    return base64.b64encode(hmac.new(common.SECRET.encode(), body, hashlib.sha256).digest()).decode()


def rss_mb() -> float:
    """Resident memory once garbage is collected and free heap pages are handed back: what the
    process holds, not the high-water mark a 3 MB body leaves in glibc's arenas."""
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: the plain RSS
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_phase(h: Harness, cases, work: Workload, phase: report.Phase) -> None:
    for n, case in enumerate(cases, start=1):
        status = h.send(case)
        phase.record(case, status)
        if n % work.batch == 0:
            h.work(f"{case.endpoint}:{case.index}")
        if n % work.progress == 0:
            print(f"    {phase.name}: {n} cases, RSS {rss_mb():.0f} MB", flush=True)
    while h.work(f"{phase.name} drain"):
        pass


def make_cases(args, work: Workload, endpoint: str, *, broken: bool, bot: str, users: list[str]):
    topics = subscribed_topics()
    start = work.control if broken else 0
    count = work.cases if broken else work.control
    for index in range(start, start + count):
        if endpoint == "shopify":
            yield shopify_case(args.seed, index, broken=broken, shop=common.SHOP, topics=topics)
        else:
            yield line_case(args.seed, index, broken=broken, bot=bot, users=users)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fuzzing as a benchmark (see the module docstring)")
    parser.add_argument("--quick", action="store_true", help="2,000 cases per endpoint")
    parser.add_argument("--cases", type=int, help="broken cases per endpoint (overrides the size)")
    parser.add_argument("--seed", type=int, default=None, help="the run's seed (printed; random when left out)")
    parser.add_argument("--only", help="replay one case, e.g. shopify:123 or line:45 (with its --seed)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args(argv)
    args.seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**9)
    work = QUICK if args.quick else FULL
    if args.cases:
        work = dataclasses.replace(work, cases=args.cases)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-fuzz-") as tmp:
        status = run(args, work, Path(tmp))
    print(f"elapsed {time.monotonic() - started:.0f} s")
    return status


def run(args, work: Workload, tmp: Path) -> int:
    from tests.fakes.line import FakeLine
    from tests.fakes.server import LiveServer

    if args.database == "postgresql":
        url, why = common.fresh_postgres()
        if url is None:
            print(f"PostgreSQL did not answer ({why})")
            return 1
    else:
        url = common.fresh_sqlite(tmp)
    fake = FakeLine(channel_secret=LINE_SECRET, access_token=LINE_TOKEN, quota=None, seed=args.seed)
    users = ["U{:032x}".format(random.Random(f"{args.seed}:user:{i}").getrandbits(128)) for i in range(40)]
    with LiveServer(fake) as server:
        fake.url = server.url
        h = Harness(url, fake)
        h.seed_line(users)
        if args.only:
            return replay(h, args, work, users)
        report.header(args, work, url)
        rss_setup = rss_mb()
        phases = {}
        for broken in (False, True):
            for endpoint in ("shopify", "line"):
                name = f"{endpoint}-{'fuzz' if broken else 'control'}"
                if broken and endpoint == "shopify":
                    rss_start = rss_mb()
                phase = phases[name] = report.Phase(name, endpoint)
                cases = make_cases(args, work, endpoint, broken=broken, bot=fake.bot_user_id, users=users)
                t0 = time.monotonic()
                run_phase(h, cases, work, phase)
                phase.seconds = time.monotonic() - t0
                print(f"  {name}: {phase.sent} cases in {phase.seconds:.0f} s, RSS {rss_mb():.0f} MB", flush=True)
        rss_end = rss_mb()
        report.final_statuses(h, phases, control=work.control)

    def describe(endpoint: str, index: int) -> Case:
        broken = index >= work.control
        if endpoint == "shopify":
            return shopify_case(args.seed, index, broken=broken, shop=common.SHOP, topics=subscribed_topics())
        return line_case(args.seed, index, broken=broken, bot=fake.bot_user_id, users=users)

    return report.summary(args, phases, h, rss=(rss_setup, rss_start, rss_end), results=RESULTS, describe=describe)


def replay(h: Harness, args, work: Workload, users: list[str]) -> int:
    endpoint, _, index = args.only.partition(":")
    index = int(index)
    broken = index >= work.control
    if endpoint == "shopify":
        case = shopify_case(args.seed, index, broken=broken, shop=common.SHOP, topics=subscribed_topics())
    else:
        case = line_case(args.seed, index, broken=broken, bot=h.fake.bot_user_id, users=users)
    print(f"case {args.only} seed {args.seed}: {case.label}; {'; '.join(case.changes) or 'unbroken'}")
    print(f"body ({len(case.body)} bytes): {case.body[:600]!r}")
    print(f"answer: {h.send(case)}")
    h.work("replay")
    for where, what in h.crashes.records:
        print(f"traceback logged ({where}): {what}")
    report.print_rows(h, case)
    return 0


if __name__ == "__main__":
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    sys.exit(main())
