"""Keeping the daily rollups (models/rollups.py) in step with the rows they count.

Every write that changes a counted row calls here inside its own transaction: a status
change of a notification (`notes_moved`: out of its old status, into its new one, so a
retried row going failed → scheduled → sent moves one count, never adds two), a click, an
attribution written, changed or removed (`attribution_changed`), a block, a follow, a
campaign chunk LINE accepted (`campaign_sent`). Each change is
summed per (shop, local day, scope) in Python and added with one
INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x per row, which works the same on
SQLite and PostgreSQL. Rows are written in key order so two workers adding to the same rows
take their locks in the same order (no deadlock).

Days are the shop's local days at the time of writing; `rebuild` (rollup_rebuild.py)
recounts them from the raw rows after a shop changes its time zone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from ..formatting import zone
from ..models import Notification, Shop
from ..models import NotificationStatus as St
from ..models.rollups import COUNTERS, DailyRollup
from ..timeutil import as_utc

_T = DailyRollup.__table__
_MONEY = ("revenue", "recovered_revenue")
# Columns that pin a notification's counts: what `notes_moved` needs before and after.
NOTE_COLUMNS = (
    Notification.id,
    Notification.shop_id,
    Notification.flow,
    Notification.created_at,
    Notification.status,
    Notification.sent_at,
)


@dataclass(frozen=True)
class Scope:
    flow: str = ""
    campaign_id: int | None = None
    sequence_id: int | None = None
    source_id: int | None = None

    @property
    def key(self) -> str:
        parts = (self.campaign_id, self.sequence_id, self.source_id)
        return "|".join([self.flow, *("" if p is None else str(p) for p in parts)])


@dataclass(frozen=True)
class NoteState:
    """A notification's counted facts at one moment."""

    shop_id: int
    flow: str
    created_at: datetime
    status: str | None  # None: not there (inserted, or deleted)
    sent_at: datetime | None = None


class Deltas:
    """Increments summed per (shop, day, scope) before they are written."""

    def __init__(self, session: Session, shop: Shop | None = None):
        self.session = session
        self.rows: dict[tuple[int, date, Scope], dict[str, int | Decimal]] = defaultdict(dict)
        # The caller's shop spares reading its time zone (a round trip on each single message).
        self._zones: dict[int, object] = {shop.id: zone(shop.timezone)} if shop is not None else {}
        self._days: dict[tuple[int, int], date] = {}

    def day(self, shop_id: int, at: datetime) -> date:
        """The shop's local day of `at`. Every zone's offset is a multiple of 15 minutes, so
        the answer is remembered per quarter hour (a recount asks it a million times)."""
        at = as_utc(at)
        key = (shop_id, int(at.timestamp()) // 900)
        found = self._days.get(key)
        if found is None:
            if shop_id not in self._zones:
                tz = self.session.execute(select(Shop.timezone).where(Shop.id == shop_id)).scalar()
                self._zones[shop_id] = zone(tz)
            found = self._days[key] = at.astimezone(self._zones[shop_id]).date()
        return found

    def add(self, shop_id: int, at: datetime, scope: Scope, **counts) -> None:
        row = self.rows[(shop_id, self.day(shop_id, at), scope)]
        for name, n in counts.items():
            row[name] = row.get(name, 0) + n

    def write(self) -> None:
        changed = [(k, v) for k, v in self.rows.items() if any(v.values())]
        if not changed:
            return
        changed.sort(key=lambda kv: (kv[0][0], kv[0][1], kv[0][2].key))
        self.session.execute(_upsert(self.session.get_bind().dialect.name), [_values(k, v) for k, v in changed])
        self.rows.clear()


def _values(key: tuple[int, date, Scope], counts: dict) -> dict:
    shop_id, day, scope = key
    values = {name: counts.get(name, 0) for name in COUNTERS}
    for name in _MONEY:
        values[name] = Decimal(values[name] or 0)
    return {
        "shop_id": shop_id,
        "day": day,
        "scope": scope.key,
        "flow": scope.flow,
        "campaign_id": scope.campaign_id,
        "sequence_id": scope.sequence_id,
        "source_id": scope.source_id,
        **values,
    }


@cache
def _upsert(dialect: str):
    """Built once per dialect: its ~20 counter expressions cost more to build than the
    statement costs to run."""
    insert = (sqlite_insert if dialect == "sqlite" else pg_insert)(_T)
    return insert.on_conflict_do_update(
        index_elements=["shop_id", "day", "scope"],
        set_={name: _T.c[name] + insert.excluded[name] for name in COUNTERS},
    )


# -- what the writers call ------------------------------------------------------------------


def note_moves(deltas: Deltas, before: NoteState | None, after: NoteState | None) -> None:
    """One notification from `before` to `after` (either None: inserted or removed)."""
    if before is not None and before.status is not None:
        scope = Scope(before.flow)
        deltas.add(before.shop_id, before.created_at, scope, **{f"created_{before.status}": -1})
        if before.status == St.SENT and before.sent_at is not None:
            deltas.add(before.shop_id, before.sent_at, scope, sent=-1)
    if after is not None and after.status is not None:
        scope = Scope(after.flow)
        deltas.add(after.shop_id, after.created_at, scope, **{f"created_{after.status}": 1})
        if after.status == St.SENT and after.sent_at is not None:
            deltas.add(after.shop_id, after.sent_at, scope, sent=1)


def notes_moved(
    *, session: Session, changes: list[tuple[NoteState | None, NoteState | None]], shop: Shop | None = None
) -> None:
    deltas = Deltas(session, shop)
    for before, after in changes:
        note_moves(deltas, before, after)
    deltas.write()


def notes_created(*, session: Session, rows: list[NoteState], shop: Shop | None = None) -> None:
    notes_moved(session=session, changes=[(None, row) for row in rows], shop=shop)


def state_of(row) -> NoteState:
    """From a Notification or a row of NOTE_COLUMNS."""
    return NoteState(row.shop_id, row.flow, row.created_at, row.status, row.sent_at)


def locked_states(*, session: Session, where) -> dict:
    """The counted facts of the notifications `where` picks, locked until the transaction
    ends (PostgreSQL; SQLite's writer holds the whole database), keyed by id."""
    query = select(*NOTE_COLUMNS).where(*where)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Notification.__table__)
    return {row.id: state_of(row) for row in session.execute(query)}


def set_status(*, session: Session, where: tuple, values: dict, chunk: int = 1000) -> int:
    """UPDATE notifications SET `values` WHERE `where`, with the rollups moved to match;
    how many rows changed. The rows are read (and locked) first, so each one's old status
    is known exactly, whatever the WHERE allowed."""
    before = locked_states(session=session, where=where)
    ids = list(before)
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        session.execute(
            update(Notification).where(Notification.id.in_(part)).values(**values),
            execution_options={"synchronize_session": False},
        )
    status = values.get("status")
    changes = []
    for state in before.values():
        after = NoteState(
            state.shop_id,
            state.flow,
            state.created_at,
            status or state.status,
            values.get("sent_at", state.sent_at),
        )
        changes.append((state, after))
    notes_moved(session=session, changes=changes)
    return len(ids)


def click(*, session: Session, shop_id: int, at: datetime, flow: str, campaign_id: int | None = None) -> None:
    deltas = Deltas(session)
    deltas.add(shop_id, at, Scope(flow or "", campaign_id), clicks=1)
    deltas.write()


def block(*, session: Session, shop_id: int, at: datetime, flow: str | None) -> None:
    deltas = Deltas(session)
    deltas.add(shop_id, at, Scope(flow or ""), blocks=1)
    deltas.write()


def followed(*, session: Session, shop_id: int, before: datetime | None, after: datetime | None) -> None:
    """A friend's follow time moved (a first follow: from None; a re-follow: from the last)."""
    deltas = Deltas(session)
    if before is not None:
        deltas.add(shop_id, before, Scope(), follows=-1)
    if after is not None:
        deltas.add(shop_id, after, Scope(), follows=1)
    deltas.write()


CAMPAIGN_FLOW = "campaign"  # what campaigns' tracked links name as their flow (campaigns/links.py)


def campaign_sent(*, session: Session, sent: list[tuple[int, int, datetime, int]]) -> None:
    """Campaign chunks LINE accepted: (shop, campaign, when, recipients) each. Kept under the
    campaign's scope: Home's `sent` counts the outbox's notifications only, as it always has."""
    deltas = Deltas(session)
    for shop_id, campaign_id, at, recipients in sent:
        deltas.add(shop_id, at, Scope(CAMPAIGN_FLOW, campaign_id), sent=recipients)
    deltas.write()


@dataclass(frozen=True)
class Credited:
    """An attribution's counted facts."""

    shop_id: int
    flow: str | None
    kind: str
    revenue: Decimal
    ordered_at: datetime


def _credit(deltas: Deltas, row: Credited, sign: int) -> None:
    revenue = Decimal(str(row.revenue or 0)) * sign
    recovered = row.kind == "recovered_checkout"
    deltas.add(
        row.shop_id,
        row.ordered_at,
        Scope(row.flow or ""),
        orders=sign,
        revenue=revenue,
        recovered=sign if recovered else 0,
        recovered_revenue=revenue if recovered else Decimal(0),
    )


def attribution_changed(*, session: Session, before: Credited | None, after: Credited | None) -> None:
    deltas = Deltas(session)
    if before is not None:
        _credit(deltas, before, -1)
    if after is not None:
        _credit(deltas, after, 1)
    deltas.write()
