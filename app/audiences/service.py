"""The audience service every sender shares: how many friends a definition reaches, who
they are (in id order, fetched in chunks), whether one friend is in it, and saved segments.

Campaigns plan over `members`, step sequences and rich menus ask `contains`, the editor's
live count asks `count`. Each runs one statement built by compile.py; definitions are
checked by definition.validate before they get here.

A Shopify customer segment (`{"shopify_segment_id": …}`, see definition.is_shopify) raises
compile.NotLocal here: its members are read from Shopify at send time, by the Shopify
segments module, which callers ask instead for such a definition.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlmodel import Session

from ..models import LineFriend, Segment, Shop
from ..timeutil import utcnow
from .compile import audience_filter, friend_ids

CHUNK = 10_000


@dataclass(frozen=True)
class Size:
    linked: int
    unlinked: int

    @property
    def total(self) -> int:
        return self.linked + self.unlinked


def count(*, session: Session, shop: Shop, definition: dict, now: datetime | None = None) -> Size:
    """Reachable friends in the audience, linked to a customer and not, in one statement."""
    total, linked = session.execute(
        select(func.count(), func.count(LineFriend.customer_id)).where(
            *audience_filter(definition, shop=shop, now=now or utcnow(), dialect=dialect(session))
        )
    ).one()
    return Size(linked=int(linked or 0), unlinked=int(total or 0) - int(linked or 0))


def members(
    *, session: Session, shop: Shop, definition: dict, now: datetime | None = None, chunk: int = CHUNK
) -> Iterator[int]:
    """The audience's friend ids in id order, fetched `chunk` at a time from one statement
    (a server-side cursor on PostgreSQL), so 700,000 friends never sit in memory at once."""
    query = friend_ids(definition, shop=shop, now=now or utcnow(), dialect=dialect(session))
    query = query.execution_options(yield_per=chunk)
    for part in session.execute(query).scalars().partitions(chunk):
        yield from part


def contains(*, session: Session, shop: Shop, definition: dict, friend_id: int, now: datetime | None = None) -> bool:
    """Whether this one friend is in the audience now (sequences' entry, rich menu rules)."""
    query = (
        select(LineFriend.id)
        .where(
            LineFriend.id == friend_id, *audience_filter(definition, shop=shop, now=now or utcnow(), one_friend=True)
        )
        .limit(1)
    )
    return session.execute(query).first() is not None


def dialect(session: Session) -> str:
    """The database's name ("sqlite", "postgresql"): the audience's SQL is shaped for it.

    On PostgreSQL, JIT compilation is turned off for the rest of the transaction: the
    correlated subqueries of an OR get cost estimates far above `jit_above_cost`, and
    compiling them took seconds, several times what running the statement takes."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
    return name


def recount(*, session: Session, shop: Shop, segment: Segment, now: datetime | None = None) -> Size:
    """Count a saved segment and keep the figure on it (lists show it without counting)."""
    now = now or utcnow()
    size = count(session=session, shop=shop, definition=segment.definition, now=now)
    segment.size_linked, segment.size_unlinked, segment.counted_at = size.linked, size.unlinked, now
    session.add(segment)
    return size


def segment_of(*, session: Session, shop: Shop, segment_id: int) -> Segment | None:
    """A saved segment of this shop (another shop's answers None)."""
    segment = session.get(Segment, segment_id)
    return segment if segment is not None and segment.shop_id == shop.id else None
