"""Recounting the daily rollups from the raw rows (`flask rebuild-rollups [--shop DOMAIN]`):
after a shop changes its time zone, after a restore, or to check that the rollups kept in
step (`recount` against `stored`, which the tests compare).

The rows are read a batch at a time and summed in Python (the shop's local day needs its
time zone, which SQLite cannot apply), then the shop's rollups are replaced in one
transaction. On PostgreSQL the table is locked against writers first, so a change
committed while the recount runs is either in the recount or added after it, never lost.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select, text
from sqlmodel import Session

from ..models import Attribution, CampaignChunk, FriendBlock, LineFriend, LinkClick, Notification, TrackedLink
from ..models import ChunkStatus as KS
from ..models.rollups import COUNTERS, DailyRollup
from ..timeutil import as_utc
from . import rollups

BATCH = 10_000


def _stream(session: Session, query):
    return session.execute(query.execution_options(yield_per=BATCH))


def recount(*, session: Session, shop_ids: list[int]) -> rollups.Deltas:
    deltas = rollups.Deltas(session)
    for row in _stream(session, select(*rollups.NOTE_COLUMNS[1:]).where(Notification.shop_id.in_(shop_ids))):
        rollups.note_moves(deltas, None, rollups.state_of(row))
    clicks = (
        select(LinkClick.shop_id, LinkClick.clicked_at, LinkClick.flow, TrackedLink.campaign_id)
        .join(TrackedLink, TrackedLink.id == LinkClick.link_id)
        .where(LinkClick.shop_id.in_(shop_ids))
    )
    for shop_id, at, flow, campaign_id in _stream(session, clicks):
        deltas.add(shop_id, at, rollups.Scope(flow or "", campaign_id), clicks=1)
    credited = select(
        Attribution.shop_id, Attribution.flow, Attribution.kind, Attribution.revenue, Attribution.ordered_at
    ).where(Attribution.shop_id.in_(shop_ids), Attribution.ordered_at.is_not(None))
    for shop_id, flow, kind, revenue, at in _stream(session, credited):
        rollups._credit(deltas, rollups.Credited(shop_id, flow, kind, revenue, as_utc(at)), 1)
    blocks = select(FriendBlock.shop_id, FriendBlock.blocked_at, FriendBlock.flow).where(
        FriendBlock.shop_id.in_(shop_ids)
    )
    for shop_id, at, flow in _stream(session, blocks):
        deltas.add(shop_id, at, rollups.Scope(flow or ""), blocks=1)
    follows = select(LineFriend.shop_id, LineFriend.followed_at).where(
        LineFriend.shop_id.in_(shop_ids), LineFriend.followed_at.is_not(None)
    )
    for shop_id, at in _stream(session, follows):
        deltas.add(shop_id, at, rollups.Scope(), follows=1)
    chunks = select(
        CampaignChunk.shop_id, CampaignChunk.campaign_id, CampaignChunk.sent_at, CampaignChunk.delivered
    ).where(CampaignChunk.shop_id.in_(shop_ids), CampaignChunk.status == KS.SENT, CampaignChunk.sent_at.is_not(None))
    for shop_id, campaign_id, at, delivered in _stream(session, chunks):
        deltas.add(shop_id, at, rollups.Scope(rollups.CAMPAIGN_FLOW, campaign_id), sent=delivered)
    return deltas


def rebuild(*, session: Session, shop_ids: list[int]) -> int:
    """Replace the shops' rollups with a recount; how many rollup rows were written.
    The caller commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE daily_rollups IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(delete(DailyRollup).where(DailyRollup.shop_id.in_(shop_ids)))
    deltas = recount(session=session, shop_ids=shop_ids)
    written = sum(1 for counts in deltas.rows.values() if any(counts.values()))
    deltas.write()
    return written


def as_table(deltas: rollups.Deltas) -> dict:
    """{(shop, day, scope key): {counter: value}} without zeros: what `stored` compares with."""
    found = {}
    for (shop_id, day, scope), counts in deltas.rows.items():
        kept = {k: _plain(v) for k, v in counts.items() if v}
        if kept:
            found[(shop_id, day, scope.key)] = kept
    return found


def stored(*, session: Session, shop_ids: list[int]) -> dict:
    """The rollups as they are, in `as_table`'s shape."""
    found = {}
    for row in session.execute(select(DailyRollup).where(DailyRollup.shop_id.in_(shop_ids))).scalars():
        kept = {k: _plain(getattr(row, k)) for k in COUNTERS if getattr(row, k)}
        if kept:
            found[(row.shop_id, row.day, row.scope)] = kept
    return found


def _plain(value):
    return Decimal(str(value)).quantize(Decimal("0.01")) if isinstance(value, Decimal | float) else value
