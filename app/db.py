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
        # IMMEDIATE takes the write lock up front: a read-then-write transaction can then
        # never fail with SQLITE_BUSY on lock upgrade when several processes write.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def engine() -> Engine:
    return current_app.extensions["tsunagu.engine"]


def session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def close_session(_exc=None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


@contextlib.contextmanager
def session_scope(bind: Engine | None = None) -> Iterator[Session]:
    """A unit of work for jobs and commands: commit on success, roll back on error."""
    with Session(bind or engine(), expire_on_commit=False) as s:
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
