"""Who sees which menu, kept in step on LINE with as few calls as possible.

Each friend's menu is the first rule that matches them, in priority order (linked, not
linked, or in a saved segment; only between its start and end when it has a period, start
included, end excluded), else the shop's default menu (LINE shows the default to everyone
without a menu of their own, so those friends need no link). `RichMenuLink` remembers what
each friend is linked to on LINE; only friends whose menu changed are linked (bulk, ≤ 500 a
call, per menu) or unlinked. Each call is made outside any write transaction and its
friends' rows are written right after it succeeds, so a failure half way leaves the table
saying exactly what LINE has, and the next run carries on from there.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..audiences import service as audiences
from ..audiences.compile import NotLocal
from ..db import session_scope
from ..line import channels
from ..line import richmenus as line_menus
from ..line.client import LineError
from ..models import LineFriend, RichMenu, RichMenuLink, RichMenuRule, Shop
from ..timeutil import utcnow

log = logging.getLogger("tsunagu.richmenus")
KINDS = ("linked", "unlinked", "segment")


@dataclass
class Plan:
    """What must change on LINE: LINE menu id → user ids to link; user ids to unlink; and
    friend ids by user id (to record the outcome)."""

    link: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    unlink: list[str] = field(default_factory=list)
    friend_of: dict[str, int] = field(default_factory=dict)
    skipped_rules: list[int] = field(default_factory=list)  # Shopify segments: not resolved here


def local_period(start: str | None, end: str | None, timezone: str) -> tuple[datetime | None, datetime | None]:
    """A period the merchant entered as local times ("2026-12-10T10:00") in the shop's time
    zone, as aware UTC instants."""
    tz = ZoneInfo(timezone)

    def instant(value: str | None) -> datetime | None:
        if not value:
            return None
        moment = datetime.fromisoformat(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(ZoneInfo("UTC"))

    return instant(start), instant(end)


def in_period(rule: RichMenuRule, now: datetime) -> bool:
    return (rule.starts_at is None or rule.starts_at <= now) and (rule.ends_at is None or now < rule.ends_at)


def desired(*, session: Session, shop: Shop, now: datetime) -> tuple[dict[int, str | None], list[int]]:
    """friend id → the LINE menu id they should have linked (None: the default shows), for
    every friend who has not blocked the account; and the rules that could not be resolved."""
    friends = session.execute(
        select(LineFriend.id, LineFriend.customer_id).where(
            LineFriend.shop_id == shop.id, LineFriend.is_blocked.is_(False)
        )
    ).all()
    wanted: dict[int, str | None] = dict.fromkeys((f.id for f in friends), None)
    undecided = set(wanted)
    skipped = []
    for rule, line_id in _live_rules(session=session, shop=shop, now=now):
        if not undecided:
            break
        try:
            members = _members(session=session, shop=shop, rule=rule, friends=friends, now=now)
        except NotLocal:
            skipped.append(rule.id)
            continue
        for friend_id in members & undecided:
            wanted[friend_id] = line_id
        undecided -= members
    return wanted, skipped


def _live_rules(*, session: Session, shop: Shop, now: datetime) -> list[tuple[RichMenuRule, str]]:
    """The shop's rules in force now whose menu is live on LINE, in priority order."""
    rows = session.execute(
        select(RichMenuRule, RichMenu.line_rich_menu_id)
        .join(RichMenu, RichMenu.id == RichMenuRule.menu_id)
        .where(RichMenuRule.shop_id == shop.id, RichMenu.line_rich_menu_id.is_not(None))
        .order_by(RichMenuRule.priority, RichMenuRule.id)
    ).all()
    return [(rule, line_id) for rule, line_id in rows if in_period(rule, now)]


def _members(*, session: Session, shop: Shop, rule: RichMenuRule, friends, now: datetime) -> set[int]:
    if rule.kind == "linked":
        return {f.id for f in friends if f.customer_id is not None}
    if rule.kind == "unlinked":
        return {f.id for f in friends if f.customer_id is None}
    segment = audiences.segment_of(session=session, shop=shop, segment_id=rule.segment_id or 0)
    if segment is None:
        return set()
    return set(audiences.members(session=session, shop=shop, definition=segment.definition, now=now))


def plan(*, session: Session, shop: Shop, now: datetime) -> Plan:
    """The difference between what friends should see and what LINE has linked for them."""
    wanted, skipped = desired(session=session, shop=shop, now=now)
    linked = dict(
        session.execute(
            select(RichMenuLink.friend_id, RichMenuLink.line_rich_menu_id).where(RichMenuLink.shop_id == shop.id)
        ).all()
    )
    changed = [fid for fid, menu in wanted.items() if linked.get(fid) != menu]
    users = dict(
        session.execute(select(LineFriend.id, LineFriend.line_user_id).where(LineFriend.id.in_(changed))).all()
        if len(changed) < 30_000
        else session.execute(select(LineFriend.id, LineFriend.line_user_id).where(LineFriend.shop_id == shop.id)).all()
    )
    result = Plan(skipped_rules=skipped)
    for friend_id in sorted(changed):
        user_id, menu = users[friend_id], wanted[friend_id]
        result.friend_of[user_id] = friend_id
        if menu is None:
            result.unlink.append(user_id)
        else:
            result.link[menu].append(user_id)
    return result


def keep_in_step(*, engine: Engine, shop_id: int, now: datetime | None = None) -> dict:
    """Link or unlink only the friends of one shop whose menu changed; counts of each."""
    now = now or utcnow()
    with Session(engine) as session:
        shop = session.get(Shop, shop_id)
        channel = channels.for_shop(session=session, shop=shop) if shop else None
        if shop is None or channel is None or channel.disconnected_at is not None:
            return {}
        todo = plan(session=session, shop=shop, now=now)
    captured: list = []
    client = channels.client_for(channel, shop=shop, captured=captured)
    counts = {"linked": 0, "unlinked": 0, "calls": 0, "failed": 0}
    for menu_id, user_ids in todo.link.items():
        for chunk in _chunks(user_ids):
            _apply(
                engine, shop.id, todo, chunk, menu_id, counts, lambda c=chunk, m=menu_id: line_menus.link(client, m, c)
            )
    for chunk in _chunks(todo.unlink):
        _apply(engine, shop.id, todo, chunk, None, counts, lambda c=chunk: line_menus.unlink(client, c))
    if captured:
        with session_scope(engine) as session:
            channels.store_captured(session=session, shop_id=shop.id, channel_id=channel.id, captured=captured)
    return {k: v for k, v in counts.items() if v}


def _apply(engine, shop_id: int, todo: Plan, chunk: list[str], menu: str | None, counts: dict, call) -> None:
    """One bulk call, then its friends' rows; a refused call is logged and left for the next run."""
    try:
        counts["calls"] += call()
    except LineError as exc:
        counts["failed"] += len(chunk)
        log.warning("rich menu %s failed shop=%s users=%s: %s", "link" if menu else "unlink", shop_id, len(chunk), exc)
        return
    counts["linked" if menu else "unlinked"] += len(chunk)
    record(engine=engine, shop_id=shop_id, friend_ids=[todo.friend_of[u] for u in chunk], line_menu_id=menu)


def record(*, engine: Engine, shop_id: int, friend_ids: list[int], line_menu_id: str | None) -> None:
    """Note that these friends are now linked to `line_menu_id` on LINE (None: unlinked): one
    UPDATE for those with a row, one INSERT for the rest (Core statements: 100,000 friends
    through the ORM cost seconds of object building)."""
    if not friend_ids:
        return
    table, now = RichMenuLink.__table__, utcnow()
    with session_scope(engine) as session:
        have = set(session.execute(select(table.c.friend_id).where(table.c.friend_id.in_(friend_ids))).scalars())
        if have:
            session.execute(
                update(table).where(table.c.friend_id.in_(have)).values(line_rich_menu_id=line_menu_id, linked_at=now)
            )
        new = [
            {"shop_id": shop_id, "friend_id": f, "line_rich_menu_id": line_menu_id, "linked_at": now}
            for f in friend_ids
            if f not in have
        ]
        if new:
            session.execute(insert(table), new)


def shops_with_menus(*, engine: Engine) -> list[int]:
    """Shops with a live menu, or friends still linked to one (an unpublished menu's)."""
    with Session(engine) as session:
        live = session.execute(select(RichMenu.shop_id).where(RichMenu.line_rich_menu_id.is_not(None)).distinct())
        linked = session.execute(
            select(RichMenuLink.shop_id).where(RichMenuLink.line_rich_menu_id.is_not(None)).distinct()
        )
        return sorted(set(live.scalars()) | set(linked.scalars()))


def keep_all_in_step(*, engine: Engine, now: datetime) -> dict:
    """The worker's job: every shop with menus, one at a time; one failing shop is logged
    and skipped, never stops the others."""
    totals: dict[str, int] = defaultdict(int)
    for shop_id in shops_with_menus(engine=engine):
        try:
            for key, value in keep_in_step(engine=engine, shop_id=shop_id, now=now).items():
                totals[key] += value
        except Exception:
            log.exception("rich menu linking failed shop=%s", shop_id)
            totals["shops_failed"] += 1
    return dict(totals)


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + line_menus.BULK_MAX] for i in range(0, len(items), line_menus.BULK_MAX)]
