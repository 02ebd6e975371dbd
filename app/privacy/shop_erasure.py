"""Erasing a shop (shop/redact): every row of the shop, in every table, and nothing else.

The tables come from the database's own catalog, not from the models, so a table a later
migration adds is covered without anyone remembering to list it here: any table with a
`shop_id` column, or a foreign key to `shops`, loses the shop's rows. Children go before
their parents (the catalog's dependency order), so the deletes work whatever each
foreign key's ON DELETE says; the shop's row goes last.
"""

from __future__ import annotations

import logging

from sqlalchemy import column, delete, inspect, or_, table
from sqlmodel import Session

from ..models import Shop

log = logging.getLogger("tsunagu.privacy")


def erase_shop(*, session: Session, shop_id: int) -> dict[str, int]:
    """Delete every row of the shop; returns the rows deleted per table."""
    session.flush()
    # The rows go through Core deletes: the session must forget its copies of them (other
    # shops' objects in the same unit of work stay as they are).
    for obj in list(session.identity_map.values()):
        if getattr(obj, "shop_id", None) == shop_id or (isinstance(obj, Shop) and obj.id == shop_id):
            session.expunge(obj)
    deleted: dict[str, int] = {}
    for name, columns in shop_columns(session=session):
        target = table(name, *(column(c) for c in columns))
        count = session.execute(delete(target).where(or_(*(target.c[c] == shop_id for c in columns)))).rowcount
        if count:
            deleted[name] = count
    session.execute(delete(Shop).where(Shop.id == shop_id))
    log.info("shop erased shop_id=%s rows=%s", shop_id, sum(deleted.values()))
    return deleted


def shop_columns(*, session: Session) -> list[tuple[str, list[str]]]:
    """(table, columns naming a shop) for every table but `shops`, children first."""
    inspector = inspect(session.connection())
    ordered = [name for name, _fks in inspector.get_sorted_table_and_fkc_names() if name]
    found = []
    for name in reversed(ordered):
        if name == Shop.__tablename__:
            continue
        columns = {c["name"] for c in inspector.get_columns(name) if c["name"] == "shop_id"}
        for fk in inspector.get_foreign_keys(name):
            if fk.get("referred_table") == Shop.__tablename__:
                columns.update(fk["constrained_columns"])
        if columns:
            found.append((name, sorted(columns)))
    return found
