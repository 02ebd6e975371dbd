"""Servers and databases for bench/webhooks.py: gunicorn subprocesses, fresh DBs, row counts."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOP = "bench-shop.myshopify.com"
SECRET = "bench-secret-" + "0123456789abcdef" * 2
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "tsunagu_bench"
WORKERS = 2


@dataclasses.dataclass
class Server:
    """A running gunicorn master and where its error log goes."""

    name: str
    port: int
    proc: subprocess.Popen
    log: Path

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(database_url: str) -> dict[str, str]:
    """The environment `wsgi.py` reads: real (non-demo) credentials, no proxy trust."""
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    env.update(
        APP_ENV="development",
        DATABASE_URL=database_url,
        SHOPIFY_API_KEY="bench-key",
        SHOPIFY_API_SECRET=SECRET,
        SECRET_KEY="s" * 40,
        TRUST_PROXY="0",
        ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    return env


def start_gunicorn(name: str, target: str, env: dict[str, str], tmp: Path) -> Server:
    """`gunicorn -w 2` (sync workers) on a free loopback port; the same flags for every server."""
    port, log = free_port(), tmp / f"{name}.log"
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(WORKERS),
        "-k",
        "sync",
        "-b",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        "--error-logfile",
        str(log),
        target,
    ]
    with open(log, "ab") as out:  # the app's own stderr logging lands in the same file
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=out, cwd=ROOT)
    return Server(name, port, proc, log)


def wait_ready(server: Server, timeout: float = 30.0) -> None:
    """Block until the server answers an HTTP request (any status) or fail with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=2) as s:
                s.sendall(b"GET /bench-ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(16).startswith(b"HTTP/1."):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server {server.name} did not answer; log tail:\n{server.tail()}")


def stop(server: Server) -> None:
    """SIGTERM the master (it stops its workers), SIGKILL only if it hangs."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


def migrate(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from app.schema import upgrade

    upgrade(database_url)


def fresh_sqlite(tmp: Path) -> str:
    url = f"sqlite:///{tmp / 'bench.db'}"
    migrate(url)
    return url


def fresh_postgres(name: str = PG_DB, *, migrated: bool = True) -> tuple[str | None, str]:
    """(url, "") for a fresh (migrated) database, or (None, why) when PostgreSQL does not answer."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.Error as exc:
        return None, f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    if migrated:
        migrate(url)
    return url, ""


@dataclasses.dataclass
class RowCheck:
    """webhook_events rows for the bench shop, compared with the ids answered 200."""

    rows: int
    answered: int
    missing: int  # answered 200, no row
    unanswered: int  # a row whose delivery never got a 200 (e.g. client timeout)
    duplicates: int  # rows beyond the first for one webhook id
    orders: int

    @property
    def mismatch(self) -> int:
        return self.missing + self.unanswered + self.duplicates


def check_rows(database_url: str, ok_ids: list[str]) -> RowCheck:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    shop = {"d": SHOP}
    with engine.connect() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                text("SELECT e.webhook_id FROM webhook_events e JOIN shops s ON s.id = e.shop_id WHERE s.domain = :d"),
                shop,
            )
        ]
        orders = conn.execute(
            text("SELECT count(*) FROM orders o JOIN shops s ON s.id = o.shop_id WHERE s.domain = :d"), shop
        ).scalar_one()
    engine.dispose()
    stored, answered = set(ids), set(ok_ids)
    return RowCheck(
        rows=len(ids),
        answered=len(ok_ids),
        missing=len(answered - stored),
        unanswered=len(stored - answered),
        duplicates=len(ids) - len(stored) + len(ok_ids) - len(answered),
        orders=orders,
    )


def main_with_workdir(argv, *, description: str, quick, full, run, name: str) -> int:
    """`python bench/<name>.py [--quick]`: run(work, a temporary directory), then the time taken."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small workload, whole run under a minute")
    work = quick if parser.parse_args(argv).quick else full
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"tsunagu-bench-{name}-") as tmp:
        status = run(work, Path(tmp))
    print(f"elapsed {time.monotonic() - started:.0f} s")
    return status


def bench_line(
    target: str, measured, unit: str, op: str, value, *, shown: str | None = None, met: bool | None = None
) -> str:
    """The line every bench ends with: `BENCH <id> <measured> <unit> target <op> <value> PASS|MISS`.
    `shown` is the measured figure as the bench writes it; `met` a verdict that asks more than
    the comparison (e.g. exact per menu, not only the total)."""
    if met is None:
        met = {"<=": measured <= value, ">=": measured >= value, "==": measured == value}[op]
    verdict = "PASS" if met else "MISS"
    return f"BENCH {target} {shown or _figure(measured)} {unit} target {op} {_figure(value)} {verdict}"


def _figure(value) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"
