"""No call to LINE or Shopify while this thread holds a database write transaction.

SQLite has one write lock for the whole file, and PostgreSQL holds row locks until commit:
a transaction that waits on a remote makes every other writer wait on that remote too (a
LINE outage once turned Shopify's webhooks into 500s, "database is locked"). So the rule
is structural: `db.make_engine` installs `track()` on every engine, which notes, per
database connection, the thread whose transaction has started writing (SQLite's
`BEGIN IMMEDIATE`, the first INSERT/UPDATE/DELETE, or a `SELECT … FOR UPDATE`) until it
commits or rolls back; every outgoing HTTP path (the LINE client, LINE Login, the Shopify
client) calls `refuse_remote()` first. Outside production the call raises, so a test
catches a new path that breaks the rule; in production it logs an error and goes on.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger("tsunagu.db")

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")


class RemoteCallInWriteTransaction(RuntimeError):
    """A remote call was about to wait while this thread holds the database's write lock."""


@dataclass(frozen=True)
class _Write:
    thread: int
    strict: bool
    statement: str  # the first words of the statement that made the transaction a writer


_open: dict[int, _Write] = {}  # id(DBAPI connection) -> its open write transaction
_lock = threading.Lock()
_strict: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine pool -> strict


def track(engine: Engine, *, strict: bool) -> None:
    """Follow `engine`'s write transactions. `strict`: a remote call inside one raises."""

    _strict[engine.pool] = strict  # the engine's option copies share its pool

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(conn, _cursor, statement, _params, _context, _many):
        if _is_write(statement):
            note_write(conn, statement)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _ended(conn):
        if not conn.invalidated:  # a lost connection was forgotten when it was invalidated
            _forget(conn.connection.dbapi_connection)

    @event.listens_for(engine, "checkin")
    @event.listens_for(engine, "reset")
    @event.listens_for(engine, "invalidate")
    def _returned(dbapi_connection, *_args):
        _forget(dbapi_connection)


def note_write(conn: Connection, statement: str) -> None:
    """`conn`'s transaction writes from `statement` on. Called for every write SQLAlchemy
    executes, and directly for one it does not see (a PostgreSQL COPY, app/db.py)."""
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # each statement is its own transaction: nothing stays open
    key = id(conn.connection.dbapi_connection)
    if key in _open:
        return
    write = _Write(threading.get_ident(), _strict.get(conn.engine.pool, True), " ".join(statement.split()[:3]))
    with _lock:
        _open[key] = write


def _is_write(statement: str) -> bool:
    head = statement.lstrip()[:16].upper()
    if head.startswith(_WRITES):
        return True
    return head.startswith("SELECT") and "FOR UPDATE" in statement.upper()


def _forget(dbapi_connection) -> None:
    if dbapi_connection is None:
        return
    with _lock:
        _open.pop(id(dbapi_connection), None)


def writing() -> _Write | None:
    """This thread's open write transaction, if any."""
    me = threading.get_ident()
    with _lock:
        found = [w for w in _open.values() if w.thread == me]
    if not found:
        return None
    return next((w for w in found if w.strict), found[0])


def refuse_remote(what: str) -> None:
    """Call before any HTTP request to LINE or Shopify (`what` names it in the error)."""
    found = writing()
    if found is None:
        return
    message = f"{what} called inside a database write transaction (opened by {found.statement!r})"
    if found.strict:
        raise RemoteCallInWriteTransaction(message)
    log.error("%s; commit before calling a remote", message)
