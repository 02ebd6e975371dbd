"""The webhook intake's turns at a SQLite file's write lock, and its own WAL checkpoints."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

from sqlalchemy import event

from app import ext, sqlite_turns
from app.shopify.intake import HeldConnection
from tests.helpers import make_shop


def _deliveries(send_webhook, payload, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        answer = send_webhook("orders/create", payload("orders_create"), webhook_id=f"wh-{i}", process=False)
        assert answer.status_code == 200 and answer.get_json() == {"status": "received"}


def test_a_web_process_waits_for_the_other_ones_turn_before_its_insert(send_webhook, payload, app):
    """Another process holding the turn (here another open file description of the same
    lock file, which flock treats alike) keeps the next delivery waiting until it lets go."""
    _deliveries(send_webhook, payload, 1)
    held = ext.cache(HeldConnection, app)
    if held.conn.dialect.name != "sqlite":
        assert held.turns is None  # row locks, no busy handler: nothing to take turns at
        return

    holding, released = threading.Event(), threading.Event()

    def other_process() -> None:
        fd = os.open(held.turns.path, os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)
        holding.set()
        threading.Event().wait(0.3)
        released.set()
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    other = threading.Thread(target=other_process)
    other.start()
    assert holding.wait(5)
    _deliveries(send_webhook, payload, 1, start=1)
    assert released.is_set(), "the insert ran while another process had the turn"
    other.join()


def test_the_intake_checkpoints_the_wal_after_every_so_many_deliveries(send_webhook, payload, app, monkeypatch):
    """The kept connection does not checkpoint on commit; every CHECKPOINT_EVERY deliveries
    it copies the WAL into the database file itself (read here without the WAL)."""
    monkeypatch.setattr(sqlite_turns, "CHECKPOINT_EVERY", 3)
    _deliveries(send_webhook, payload, 1)
    held = ext.cache(HeldConnection, app)
    if held.conn.dialect.name != "sqlite":
        return
    assert held.conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    database = held.conn.engine.url.database

    def in_the_file_itself() -> int:
        with sqlite3.connect(f"file:{database}?immutable=1", uri=True) as file_only:
            return file_only.execute("SELECT count(*) FROM webhook_events").fetchone()[0]

    _deliveries(send_webhook, payload, 1, start=1)
    assert in_the_file_itself() == 0  # two deliveries, both still only in the WAL
    _deliveries(send_webhook, payload, 1, start=2)
    assert in_the_file_itself() == 3
    _deliveries(send_webhook, payload, 2, start=3)
    assert in_the_file_itself() == 3
    _deliveries(send_webhook, payload, 1, start=5)
    assert in_the_file_itself() == 6


def test_what_others_write_during_the_checkpoint_is_copied_in_a_turn_so_the_wal_starts_over(
    send_webhook, payload, app, db, monkeypatch
):
    """Under steady writes the first, turn-less checkpoint never copies the whole WAL, and
    SQLite starts the WAL file over only after one has: the second one, in a turn, copies
    what the other processes wrote meanwhile (here a shop written during the first)."""
    monkeypatch.setattr(sqlite_turns, "CHECKPOINT_EVERY", 2)
    _deliveries(send_webhook, payload, 1)
    held = ext.cache(HeldConnection, app)
    if held.conn.dialect.name != "sqlite":
        return
    database = held.conn.engine.url.database
    checkpoints = []

    def another_process_writes(conn, cursor, statement, *args) -> None:
        if statement == "PRAGMA wal_checkpoint(PASSIVE)":
            checkpoints.append(statement)
            if len(checkpoints) == 1:
                make_shop(db, domain="written-meanwhile.myshopify.com")

    event.listen(ext.engine(app), "after_cursor_execute", another_process_writes)
    _deliveries(send_webhook, payload, 1, start=1)
    event.remove(ext.engine(app), "after_cursor_execute", another_process_writes)

    assert len(checkpoints) == 2
    with sqlite3.connect(f"file:{database}?immutable=1", uri=True) as file_only:
        domains = {d for (d,) in file_only.execute("SELECT domain FROM shops")}
    assert "written-meanwhile.myshopify.com" in domains


def test_a_dropped_connection_is_discarded_not_pooled_and_its_successor_takes_turns(send_webhook, payload, app):
    """A connection that stopped checkpointing on commit never goes back to the pool."""
    _deliveries(send_webhook, payload, 1)
    held = ext.cache(HeldConnection, app)
    first, dialect = held.conn.connection.dbapi_connection, held.conn.dialect.name
    held.drop()
    assert held.conn is None and held.turns is None
    _deliveries(send_webhook, payload, 1, start=1)
    assert held.conn.connection.dbapi_connection is not first
    assert (held.turns is not None) == (dialect == "sqlite")
    with ext.engine(app).connect() as pooled:
        assert pooled.connection.dbapi_connection is not first
        if dialect == "sqlite":
            assert pooled.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
