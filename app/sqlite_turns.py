"""Web processes taking turns at a SQLite file's write lock (the webhook intake's insert).

SQLite lets one connection write at a time. One that finds the lock taken waits in its busy
handler, which sleeps 1 ms, then 2, then 5 ... between tries. Two gunicorn workers recording
webhooks into one file met there on about one delivery in ten at saturation (4,000 each,
in-process: 250 to 410 of them took over a millisecond), each time sleeping at least 1 ms
for an insert that holds the lock for some 50 µs. An OS lock on a file beside the database
(flock) hands the turn over instead: the waiting process wakes the moment the other one's
insert has committed.

The WAL's checkpoint (copying its pages back into the database file, about 3 ms) ran in the
commit that took the WAL past 1,000 pages, so inside a turn, holding the other process up
as well. The intake's connection does not checkpoint on commit: every CHECKPOINT_EVERY
deliveries, after its turn, it runs a passive checkpoint (which waits for no one) while the
others go on writing, then a second one in a turn of its own for the few pages they wrote
meanwhile. That second one matters: SQLite starts the WAL file over only once a checkpoint
has copied all of it, and under steady writes from two processes the first alone never
did (the WAL grew to 250 MB over 8,400 deliveries; one checkpoint in SQLite's own place
kept it at 5.6 MB, and so does the pair).

Only the processes that take turns are ordered by it. The worker and the admin keep
SQLite's own locking, as before; the turn only decides which web process goes first.
PostgreSQL has row locks and no such handler: there is nothing to take turns at.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("tsunagu.db")

# An orders/create delivery (tests/fixtures/shopify/orders_create.json) added 7.1 pages to
# the WAL (its row and overflow pages, three index entries): 140 of them come to SQLite's
# own autocheckpoint of 1,000 pages.
CHECKPOINT_EVERY = 140


class Turns:
    """One process's handle on the turn lock of one SQLite file."""

    def __init__(self, database: str) -> None:
        self.path = f"{database}-turns"
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self._since_checkpoint = 0

    @classmethod
    def for_connection(cls, conn: Connection) -> Turns | None:
        """Turns for a connection to a SQLite file (which then stops checkpointing on commit);
        None for PostgreSQL or an in-memory database."""
        if conn.dialect.name != "sqlite":
            return None
        database = conn.engine.url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        turns = cls(database)
        conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        return turns

    @contextmanager
    def turn(self) -> Iterator[None]:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def done(self, conn: Connection) -> None:
        """After a turn: now and then, the checkpoint the connection no longer runs itself.
        The delivery is committed already, so a failed checkpoint is only logged."""
        self._since_checkpoint += 1
        if self._since_checkpoint < CHECKPOINT_EVERY:
            return
        self._since_checkpoint = 0
        try:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            with self.turn():
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except DBAPIError as exc:
            log.warning("WAL checkpoint after the intake failed: %s", type(exc.orig).__name__)

    def close(self) -> None:
        os.close(self._fd)
