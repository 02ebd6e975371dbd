"""Engine, a session per request, and session_scope() for jobs and the CLI."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import weakref
from collections.abc import Iterator
from pathlib import Path

from flask import g
from sqlalchemy import ColumnElement, Table, and_, any_, bindparam, event, func, make_url, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from . import ext, write_guard


def make_engine(database_url: str, *, strict: bool = True) -> Engine:
    """The engine for `database_url`, its write transactions tracked by app/write_guard.py:
    a call to LINE or Shopify inside one raises when `strict` (everywhere but production),
    else is logged."""
    if database_url.startswith("sqlite"):
        engine = _sqlite_engine(database_url)
    else:
        # No pre-ping: it costs a round trip on every checkout (the webhook hot path). A
        # connection dropped by a server restart fails one request, and SQLAlchemy then
        # invalidates the pool; pool_recycle retires connections before idle timeouts do.
        engine = create_engine(database_url, pool_size=5, max_overflow=10, pool_recycle=300, hide_parameters=True)
        event.listen(engine, "do_execute", _binary_results)
    write_guard.track(engine, strict=strict)
    return engine


def _binary_results(cursor, statement, parameters, context) -> bool:
    """Run a statement executed with the `binary` option asking psycopg for results in
    PostgreSQL's binary format (True: done here): an int8[] is then read as numbers, not
    parsed from its text (a forecast's 30 days of sends, 204,000 ids: 78 -> 59 ms from
    execute to list, medians of 9)."""
    if not context.execution_options.get("binary"):
        return False
    cursor.execute(statement, parameters, binary=True)
    return True


SQLITE_CACHE_KB = 64 * 1024
SQLITE_ROWS_PER_INSERT = 256  # see insert_rows


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
        # SQLite's default page cache is 2 MB a connection: a search ranking a common word's
        # candidates re-read them from the OS every time (4.9 ms; 3.5 ms with 32 MB or more).
        # 64 MB, not 32: the 100,000-product bulk import took 57 s with it and 61 s with 32 MB
        # (peak RSS 186 MB against 153). Pages are only taken as they are read, so an idle
        # connection costs nothing.
        cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # Writers (see writer()) BEGIN IMMEDIATE: taking the write lock up front means a
        # read-then-write transaction never fails on lock upgrade while another process
        # writes. Readers BEGIN DEFERRED and never block anyone (WAL).
        options = conn.get_execution_options()
        if options.get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql("BEGIN " + options.get("sqlite_begin", "DEFERRED"))

    return engine


def engine() -> Engine:
    """The current app's engine (the same as ext.engine())."""
    return ext.engine()


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


@functools.cache
def insert_ignoring_conflict(dialect: str, table: Table, conflict: tuple[str, ...]):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id; execute it with the row's values.

    It returns the new id, or no row when the key existed: no exception, no rollback, the
    cheap way to dedupe on both databases. The same statement for a table each time, so
    SQLAlchemy compiles it once and finds it in its cache after (the webhook intake's own
    insert skips even that: PreparedInsert).
    """
    return _on_conflict_do_nothing(dialect, table, conflict).returning(table.c.id)


def _on_conflict_do_nothing(dialect: str, table: Table, conflict: tuple[str, ...]):
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict))


class PreparedInsert:
    """INSERT ... ON CONFLICT DO NOTHING of fixed columns, compiled once per dialect to its
    SQL text, with each column type's bind processor: `run` types the values and hands them
    to the driver, and says whether a row went in. `conn.execute(statement)` looked the
    compiled form up in SQLAlchemy's cache, built a result for RETURNING and typed every value
    on each call: 79 -> 54 us for a webhook delivery on SQLite (median of 2,000). Errors come
    wrapped as from any other statement (IntegrityError, DBAPIError)."""

    def __init__(self, table: Table, conflict: tuple[str, ...], keys: tuple[str, ...]) -> None:
        self.table, self.conflict, self.keys = table, conflict, keys
        self._by_dialect: dict[tuple[str, str], tuple[str, tuple[str, ...] | None, list]] = {}

    def _compiled(self, dialect) -> tuple[str, tuple[str, ...] | None, list]:
        key = (dialect.name, dialect.paramstyle)  # the SQL text differs by the driver's style
        found = self._by_dialect.get(key)
        if found is None:
            # inline(): no implicit RETURNING of the new id on PostgreSQL; `run` reads the
            # rowcount (0.121 -> 0.099 ms of client CPU a webhook, median of 5 x 3,000).
            statement = _on_conflict_do_nothing(dialect.name, self.table, self.conflict).inline()
            compiled = statement.compile(dialect=dialect, column_keys=list(self.keys))
            order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
            types = [self.table.c[key].type.dialect_impl(dialect) for key in (order or self.keys)]
            found = self._by_dialect[key] = (str(compiled), order, [t.bind_processor(dialect) for t in types])
        return found

    def run(self, conn: Connection, values: dict) -> bool:
        sql, order, processors = self._compiled(conn.dialect)
        keys = order or self.keys
        typed = [values[k] if p is None else p(values[k]) for k, p in zip(keys, processors, strict=True)]
        params = tuple(typed) if order is not None else dict(zip(keys, typed, strict=True))
        return conn.exec_driver_sql(sql, params).rowcount == 1


def one_of(session: Session, column, values) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(:values)`, one array parameter: a
    list of hundreds of ids is neither compiled into the statement nor converted one
    parameter at a time on every execution."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def prefix_bounds(text: str) -> tuple[str, str]:
    """The strings that start with `text` (not empty) as a B-tree range, (low, high): `low
    <= s < high` under any collation (LIKE 'q%' needs text_pattern_ops on PostgreSQL). The
    last character's successor skips the surrogates (no database takes one); after U+10FFFF
    there is none, and the range is empty."""
    after = ord(text[-1]) + 1
    after = 0xE000 if 0xD800 <= after <= 0xDFFF else min(after, 0x10FFFF)
    return text, text[:-1] + chr(after)


def starts_with(column, low, high) -> ColumnElement[bool]:
    """`column` starts with `low`: the range of `prefix_bounds` (values or parameters) and,
    to stay exact under any collation, the column's first characters compared, which no
    index takes for a lookup (a LIKE 'q%' led PostgreSQL to AND the range with a title's
    trigram index: 1,928 rows read for 50)."""
    return and_(column >= low, column < high, func.substr(column, 1, func.length(low)) == low)


def column_defaults(model) -> dict:
    """A new row's values before the caller's, for insert_rows: the SQLModel's defaults,
    factories included (timestamps are now); no id."""
    return model.model_construct().model_dump(exclude={"id"})


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert many rows in the session's transaction, in few statements: on PostgreSQL
    through COPY (one stream, no statement per row: the bulk import's floor was 500 INSERTs
    a chunk per table); on SQLite as multi-row INSERTs, as many rows a statement as its
    parameter limit allows. One statement, not one per row, matters most on SQLite for
    product_search: FTS5 writes its pending index data out as a segment at the end of each
    statement its triggers run in, so 500 single-row INSERTs made 500 tiny segments to merge
    (3.4x the time of 20,000 documents' indexing).

    Every row names the same columns, all of them with a value (defaults are the caller's:
    COPY applies no Python-side default). Values go through each column's bind processing
    first, as an INSERT's would (aware timestamps, JSON)."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    names = list(rows[0])
    quote = dialect.identifier_preparer
    processors = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    columns = f"{quote.format_table(table)} ({', '.join(quote.quote(n) for n in names)})"
    values = ([p(row[n]) if p else row[n] for n, p in zip(names, processors, strict=True)] for row in rows)
    connection = session.connection()
    if dialect.name != "postgresql":
        _insert_values(connection, columns, len(names), list(values))
        return
    statement = f"COPY {columns} FROM STDIN"
    write_guard.note_write(connection, statement)  # SQLAlchemy does not see the COPY
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in values:
            copy.write_row(row)


def _insert_values(connection, columns: str, width: int, rows: list[list]) -> None:
    """SQLite: `rows` in multi-row INSERTs of a power-of-two row count (at most
    SQLITE_ROWS_PER_INSERT, within the parameter limit): a few distinct statements per
    table, so the driver's statement cache does not fill with one large prepared statement
    per chunk size."""
    size = 1 << (max(1, min(SQLITE_ROWS_PER_INSERT, _parameter_limit(connection) // width)).bit_length() - 1)
    row = "(" + ", ".join("?" * width) + ")"
    done = 0
    while done < len(rows):
        while size > len(rows) - done:
            size //= 2
        batch = [value for r in rows[done : done + size] for value in r]
        connection.exec_driver_sql(f"INSERT INTO {columns} VALUES {', '.join([row] * size)}", tuple(batch))
        done += size


def _parameter_limit(connection) -> int:
    """SQLite's most parameters in one statement (32,766 since 3.32; 999 before)."""
    raw = connection.connection.driver_connection
    try:
        return raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python < 3.11
        return 999


def writer(bind: Engine) -> Engine:
    """The same engine, for units of work that write (IMMEDIATE transactions on SQLite)."""
    if bind.dialect.name != "sqlite":
        return bind
    found = _writers.get(bind)
    if found is None:
        found = _writers[bind] = bind.execution_options(sqlite_begin="IMMEDIATE")
    return found


_writers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_autocommit: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def autocommit(bind: Engine) -> Engine:
    """The same engine, each statement its own transaction: one round trip for a single
    INSERT instead of BEGIN, INSERT, COMMIT (the webhook intake's only write)."""
    found = _autocommit.get(bind)
    if found is None:
        found = _autocommit[bind] = bind.execution_options(isolation_level="AUTOCOMMIT")
    return found


def tuples(session: Session, statement, *, binary: bool = False, **params) -> list[tuple]:
    """A statement's rows as the driver returns them (plain tuples, no type processing of
    results: for ints, booleans, texts and arrays of them). SQLAlchemy binds the parameters;
    its Row objects, which cost as much as the query itself for tens of thousands of rows,
    are skipped. `statement`: a Core statement, or SQL text with `:name` parameters given as
    `params`. `binary`: PostgreSQL sends the results in its binary format (large arrays)."""
    if isinstance(statement, str):
        statement = text(statement)
    options = {"binary": True} if binary else None
    result = session.connection().execute(statement, params or None, execution_options=options)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def storable_text(text: str) -> str:
    """`text` as any text or JSON column takes it: NUL dropped (PostgreSQL refuses it), a lone
    surrogate (valid in JSON, not in UTF-8) replaced. Shared by the Shopify upserts and the
    LINE event store, which both keep what a sender wrote."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text
