"""A source's daily counts (visits, new friends) by the shop's local day, added to in the
same transaction as the visit they count: one upsert per counted fact."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from ..formatting import zone
from ..models import FriendSourceDay, Shop


def local_day(shop: Shop, at: datetime) -> date:
    return at.astimezone(zone(shop.timezone)).date()


def count(*, session: Session, shop: Shop, source_id: int, at: datetime, visits: int = 0, new_friends: int = 0) -> None:
    table = FriendSourceDay.__table__
    insert = (sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert)(table)
    statement = insert.values(
        shop_id=shop.id, source_id=source_id, day=local_day(shop, at), visits=visits, new_friends=new_friends
    ).on_conflict_do_update(
        index_elements=["source_id", "day"],
        set_={"visits": table.c.visits + visits, "new_friends": table.c.new_friends + new_friends},
    )
    session.execute(statement)
