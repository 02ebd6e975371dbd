"""Recording a verified delivery: the only database work a webhook request does.

The request path must stay short (Shopify waits 5 s, and a busy store sends bursts), so
it is one INSERT ... ON CONFLICT DO NOTHING, compiled once (db.PreparedInsert), with the
shop's id cached per process, on an autocommit connection the web process keeps between
deliveries.
Handlers run in the worker (events.process_due_events).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import select

from ..db import PreparedInsert, autocommit, insert_ignoring_conflict
from ..models import Shop, WebhookEvent, WebhookStatus
from ..sqlite_turns import Turns
from ..timeutil import utcnow

EVENTS = WebhookEvent.__table__
_RECORD = PreparedInsert(
    EVENTS,
    ("shop_id", "webhook_id"),
    (
        "shop_id",
        "webhook_id",
        "topic",
        "api_version",
        "triggered_at",
        "received_at",
        "status",
        "attempts",
        "next_attempt_at",
        "body",
        "updated_at",
    ),
)


class ShopIds(dict[str, int]):
    """Shop domain -> shop id, remembered per app (ext.cache) by the web process."""


class HeldConnection:
    """The web process's autocommit connection, kept between deliveries (per app, ext.cache).

    Checking one out of the pool for every webhook cost almost as much as the INSERT itself
    on SQLite: the checkout, the switch to AUTOCOMMIT and back on return (a PRAGMA on
    SQLite), the reset. Nothing is ever left open on it: each statement commits on its own.
    Only the main thread keeps one (gunicorn's sync workers answer there); a threaded
    server's request threads check one out per delivery, so they never hold the pool's
    connections between requests. On a SQLite file the kept connection takes turns with
    the other web processes for its insert (app/sqlite_turns.py).
    """

    conn: Connection | None = None
    turns: Turns | None = None

    @contextmanager
    def connection(self, engine: Engine) -> Iterator[Connection]:
        if not _on_main_thread():
            with autocommit(engine).connect() as conn:
                yield conn
            return
        if self.conn is None or self.conn.closed or self.conn.invalidated:
            self.drop()
            self.conn = autocommit(engine).connect()
            self.turns = Turns.for_connection(self.conn)
        yield self.conn

    def turn(self) -> AbstractContextManager:
        """The kept connection's turn at the write lock (nothing to wait for otherwise)."""
        return self.turns.turn() if self.turns is not None and _on_main_thread() else nullcontext()

    def done(self) -> None:
        if self.turns is not None and self.conn is not None and _on_main_thread():
            self.turns.done(self.conn)

    def drop(self) -> None:
        """After a lost connection: the next delivery starts on a fresh one. The old one is
        discarded, not given back to the pool: it no longer checkpoints on commit."""
        if not _on_main_thread():
            return
        if self.conn is not None:
            conn, self.conn = self.conn, None
            if not conn.closed:
                conn.invalidate()
            conn.close()
        if self.turns is not None:
            turns, self.turns = self.turns, None
            turns.close()


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def shop_id_for(conn: Connection, domain: str) -> int:
    """The shop's id, creating its row on first contact (a webhook before any app load)."""
    shop_id = conn.execute(select(Shop.id).where(Shop.domain == domain)).scalar()
    if shop_id is None:
        values = Shop(domain=domain).model_dump(exclude={"id"})
        insert = insert_ignoring_conflict(conn.dialect.name, Shop.__table__, ("domain",))
        shop_id = (
            conn.execute(insert, values).scalar()
            or conn.execute(select(Shop.id).where(Shop.domain == domain)).scalar_one()
        )
    return shop_id


def record_delivery(
    *,
    engine: Engine,
    held: HeldConnection,
    shop_ids: dict[str, int],
    domain: str,
    webhook_id: str,
    topic: str,
    api_version: str,
    triggered_at: datetime | None,
    body: str,
) -> bool:
    """Store the delivery as due now; False when this webhook id was already recorded.

    A second try follows a lost connection (the database restarted since the last delivery)
    and a cached shop id whose row is gone; the insert is idempotent, so a retry of one that
    did commit records nothing twice."""
    delivery = {
        "webhook_id": webhook_id,
        "topic": topic,
        "api_version": api_version,
        "triggered_at": triggered_at,
        "body": body,
    }
    created = _insert(engine, held, shop_ids, domain, delivery)
    held.done()  # after the turn, outside the retries: the delivery is committed
    return created


def _insert(engine: Engine, held: HeldConnection, shop_ids: dict[str, int], domain: str, delivery: dict) -> bool:
    for attempt in (1, 2):
        try:
            # Each statement commits on its own; the shop insert is idempotent, so a crash
            # between the two statements leaves nothing half done.
            with held.connection(engine) as conn:
                if domain not in shop_ids:
                    shop_ids[domain] = shop_id_for(conn, domain)
                now = utcnow()
                values = {
                    **delivery,
                    "shop_id": shop_ids[domain],
                    "received_at": now,
                    "status": WebhookStatus.RECEIVED,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "updated_at": now,
                }
                with held.turn():
                    return _RECORD.run(conn, values)
        except IntegrityError:
            # The cached shop row is gone (shop/redact ran in another process): look again.
            shop_ids.pop(domain, None)
            if attempt == 2:
                raise
        except DBAPIError as exc:
            held.drop()
            if not exc.connection_invalidated or attempt == 2:
                raise
    return False
