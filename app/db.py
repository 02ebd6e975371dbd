"""Engine, a session per request, and session_scope() for jobs and the CLI."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from flask import current_app, g
from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel, create_engine


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        return _sqlite_engine(database_url)
    return create_engine(
        database_url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True
    )


def _sqlite_engine(database_url: str) -> Engine:
    path = make_url(database_url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # hide_parameters: customer data and tokens never end up in logs or error columns.
    engine = create_engine(database_url, connect_args={"timeout": 30}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        # Let SQLAlchemy, not the driver, decide when transactions start (see _begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # Writers (see writer()) BEGIN IMMEDIATE: taking the write lock up front means a
        # read-then-write transaction never fails on lock upgrade while another process
        # writes. Readers BEGIN DEFERRED and never block anyone (WAL).
        conn.exec_driver_sql("BEGIN " + conn.get_execution_options().get("sqlite_begin", "DEFERRED"))

    return engine


def writer(bind: Engine) -> Engine:
    """The same engine, for units of work that write (IMMEDIATE transactions on SQLite)."""
    return bind.execution_options(sqlite_begin="IMMEDIATE") if bind.dialect.name == "sqlite" else bind


def engine() -> Engine:
    return current_app.extensions["tsunagu.engine"]


def session(*, write: bool = False) -> Session:
    """The request's session, opened on first use and closed at teardown.

    A request that writes asks for `write=True` before its first query.
    """
    key = "db_write_session" if write else "db_session"
    if key not in g:
        bind = writer(engine()) if write else engine()
        setattr(g, key, Session(bind, expire_on_commit=False))
    return getattr(g, key)


def close_session(_exc=None) -> None:
    for key in ("db_session", "db_write_session"):
        s = g.pop(key, None)
        if s is not None:
            s.close()


@contextlib.contextmanager
def session_scope(bind: Engine | None = None) -> Iterator[Session]:
    """A unit of work for jobs and commands that write: commit on success, else roll back."""
    with Session(writer(bind or engine()), expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


def insert_or_ignore(session: Session, row: SQLModel, conflict: list[str]) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING; the new id, or None when the key already existed.

    No exception, no rollback: the cheap way to dedupe deliveries on both databases.
    """
    table = type(row).__table__
    values = {k: v for k, v in row.model_dump().items() if not (k == "id" and v is None)}
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    stmt = insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict)
    return session.execute(stmt.returning(table.c.id)).scalar()
