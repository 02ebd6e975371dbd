"""Reading the whole database through its own catalog (not the models), so a table a
later migration adds is scanned without editing any test."""

from __future__ import annotations

import json

from sqlalchemy import JSON, MetaData, String, Table, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.types import NullType


def _tables(conn) -> list[Table]:
    metadata = MetaData()
    names = inspect(conn).get_table_names()
    return [Table(name, metadata, autoload_with=conn) for name in names if name != "alembic_version"]


def _text_columns(table: Table) -> list:
    """Every text and JSON column (and SQLite's untyped ones, e.g. in FTS tables)."""
    return [c for c in table.columns if isinstance(c.type, (String, JSON, NullType))]


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    return json.dumps(value, ensure_ascii=False, default=str)


def find(engine: Engine, values: dict[str, str]) -> list[tuple[str, str, str]]:
    """(table, column, what) for every text or JSON value that contains one of `values`
    (a label → marker mapping), case-insensitively."""
    wanted = {label: marker.lower() for label, marker in values.items()}
    found = []
    with engine.connect() as conn:
        for table in _tables(conn):
            columns = _text_columns(table)
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    text = _as_text(value).lower()
                    found += [(table.name, column.name, label) for label, m in wanted.items() if m in text]
    return sorted(set(found))


def shop_rows(engine: Engine, shop_id: int) -> dict[str, list[tuple]]:
    """Every row of the shop, in every table that names a shop (its `shops` row too)."""
    snapshot = {}
    with engine.connect() as conn:
        for table in _tables(conn):
            key = _shop_key(table)
            if key is not None:
                rows = conn.execute(select(table).where(key == shop_id)).all()
                snapshot[table.name] = sorted((tuple(_as_text(v) for v in row) for row in rows), key=repr)
    return snapshot


def _shop_key(table: Table):
    if table.name == "shops":
        return table.c.id
    if "shop_id" in table.c:
        return table.c.shop_id
    return next((fk.parent for fk in table.foreign_keys if fk.column.table.name == "shops"), None)


def rows_referencing(engine: Engine, shop_id: int, ids: dict[str, object], values: dict[str, str]) -> dict[str, set]:
    """table → primary keys (as text) of the shop's rows that hold something about one
    shopper: a column named like a key of `ids` (customer_id, friend_id, line_user_id…)
    equal to its value, or a text/JSON value containing one of `values`."""
    wanted = [m.lower() for m in values.values()]
    held: dict[str, set] = {}
    with engine.connect() as conn:
        for table in _tables(conn):
            pk, key = list(table.primary_key.columns), _shop_key(table)
            if len(pk) != 1 or key is None:
                continue
            texts = _text_columns(table)
            refs = [(c, ids[c.name]) for c in table.columns if c.name in ids]
            for row in conn.execute(select(pk[0], *texts, *(c for c, _ in refs)).where(key == shop_id)):
                text_values, ref_values = row[1 : 1 + len(texts)], row[1 + len(texts) :]
                named = any(m in _as_text(v).lower() for v in text_values for m in wanted)
                referenced = any(
                    v is not None and str(v) == str(want) for v, (_c, want) in zip(ref_values, refs, strict=True)
                )
                if named or referenced:
                    held.setdefault(table.name, set()).add(str(row[0]))
    return held
