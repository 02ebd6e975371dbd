"""Who sees which menu, kept in step on LINE with as few calls as possible.

Each friend's menu is the first rule that matches them, in priority order (linked, not
linked, or in a saved segment; only between its start and end when it has a period, start
included, end excluded), else the shop's default menu (LINE shows the default to everyone
without a menu of their own, so those friends need no link). `RichMenuLink` remembers what
each friend is linked to on LINE; only friends whose menu changed are linked (bulk, ≤ 500 a
call, per menu) or unlinked. Each call is made outside any write transaction and its
friends' rows are written right after it succeeds, so a failure half way leaves the table
saying exactly what LINE has, and the next run carries on from there.

Promptly, without deciding every friend every minute: the worker's run (every 60 s) is full
(every friend decided) only when it must be — the rules or live menus changed since the last
full run (`RichMenuSync.rules_key`), a rule's period started or ended since it, a rule names
a segment and 5 minutes passed (segments also move with time and synced data), or an hour
passed (anything no event marks: imported followers, a customer's tags). Otherwise it decides
only the friends marked due since (app/line/menu_due.py: linked, unlinked, bought, followed,
blocked), so one friend's link costs one friend's rules, not the shop's. Marks older than a
run's start are cleared after it; a friend whose LINE call failed keeps the mark (and a full
run with a failure is not recorded as full), so the next run tries again.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
from ..models import LineFriend, RichMenu, RichMenuLink, RichMenuRule, RichMenuSync, Shop
from ..timeutil import as_utc, utcnow

log = logging.getLogger("tsunagu.richmenus")
KINDS = ("linked", "unlinked", "segment")
FULL_EVERY = timedelta(hours=1)
SEGMENTS_EVERY = timedelta(minutes=5)  # like the sequences' segment trigger
DUE_MAX = 5_000  # more friends due than this: one full run is cheaper than a long IN list
ONE_BY_ONE = 200  # a due run asks a segment about this many friends one by one


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


def desired(
    *, session: Session, shop: Shop, now: datetime, friend_ids: list[int] | None = None
) -> tuple[dict[int, str | None], list[int]]:
    """friend id → the LINE menu id they should have linked (None: the default shows), for
    every friend who has not blocked the account (or only those of `friend_ids`); and the
    rules that could not be resolved."""
    query = select(LineFriend.id, LineFriend.customer_id).where(
        LineFriend.shop_id == shop.id, LineFriend.is_blocked.is_(False)
    )
    friends = session.execute(query if friend_ids is None else query.where(LineFriend.id.in_(friend_ids))).all()
    wanted: dict[int, str | None] = dict.fromkeys((f.id for f in friends), None)
    undecided = set(wanted)
    skipped = []
    for rule, line_id in _live_rules(session=session, shop=shop, now=now):
        if not undecided:
            break
        try:
            members = _members(session=session, shop=shop, rule=rule, friends=friends, now=now, some=friend_ids)
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


def _members(*, session: Session, shop: Shop, rule: RichMenuRule, friends, now: datetime, some=None) -> set[int]:
    """The rule's friends among `friends`; a few friends (`some`, a due run) are asked one by
    one rather than listing the whole segment."""
    if rule.kind == "linked":
        return {f.id for f in friends if f.customer_id is not None}
    if rule.kind == "unlinked":
        return {f.id for f in friends if f.customer_id is None}
    segment = audiences.segment_of(session=session, shop=shop, segment_id=rule.segment_id or 0)
    if segment is None:
        return set()
    if some is not None and len(friends) <= ONE_BY_ONE:
        definition = segment.definition
        return {
            f.id
            for f in friends
            if audiences.contains(session=session, shop=shop, definition=definition, friend_id=f.id, now=now)
        }
    return set(audiences.members(session=session, shop=shop, definition=segment.definition, now=now))


def plan(*, session: Session, shop: Shop, now: datetime, friend_ids: list[int] | None = None) -> Plan:
    """The difference between what friends (all, or those of `friend_ids`) should see and
    what LINE has linked for them."""
    wanted, skipped = desired(session=session, shop=shop, now=now, friend_ids=friend_ids)
    query = select(RichMenuLink.friend_id, RichMenuLink.line_rich_menu_id).where(RichMenuLink.shop_id == shop.id)
    if friend_ids is not None:
        query = query.where(RichMenuLink.friend_id.in_(friend_ids))
    linked = dict(session.execute(query).all())
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


def keep_in_step(
    *, engine: Engine, shop_id: int, now: datetime | None = None, friend_ids: list[int] | None = None
) -> dict:
    """Link or unlink only the friends of one shop whose menu changed (every friend is
    decided, or only those of `friend_ids`); counts of each. Then the due marks of the
    friends decided are cleared (not those a failed call left behind, nor marks made since
    the start); nothing is written when there is nothing to record."""
    started, now = utcnow(), now or utcnow()
    with Session(engine) as session:
        shop = session.get(Shop, shop_id)
        channel = channels.for_shop(session=session, shop=shop) if shop else None
        if shop is None or channel is None or channel.disconnected_at is not None:
            return {}
        todo = plan(session=session, shop=shop, now=now, friend_ids=friend_ids)
        marked = bool(friend_ids) or (friend_ids is None and _any_due(session=session, shop_id=shop_id))
    captured: list = []
    client = channels.client_for(channel, shop=shop, captured=captured)
    counts = {"linked": 0, "unlinked": 0, "calls": 0, "failed": 0}
    failed: list[int] = []
    for menu_id, user_ids in todo.link.items():
        for chunk in _chunks(user_ids):
            _apply(
                engine,
                shop.id,
                todo,
                chunk,
                menu_id,
                counts,
                failed,
                lambda c=chunk, m=menu_id: line_menus.link(client, m, c),
            )
    for chunk in _chunks(todo.unlink):
        _apply(engine, shop.id, todo, chunk, None, counts, failed, lambda c=chunk: line_menus.unlink(client, c))
    if captured or marked:
        with session_scope(engine) as session:
            if captured:
                channels.store_captured(session=session, shop_id=shop.id, channel_id=channel.id, captured=captured)
            if marked:
                _clear_due(session=session, shop_id=shop.id, friend_ids=friend_ids, failed=failed, started=started)
    return {k: v for k, v in counts.items() if v}


def _apply(
    engine, shop_id: int, todo: Plan, chunk: list[str], menu: str | None, counts: dict, failed: list[int], call
) -> None:
    """One bulk call, then its friends' rows; a refused call is logged and left for the next run."""
    try:
        counts["calls"] += call()
    except LineError as exc:
        counts["failed"] += len(chunk)
        failed.extend(todo.friend_of[u] for u in chunk)
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
    """The worker's job: every shop with menus, one at a time, fully or only its friends
    marked due (keep_shop_in_step); one failing shop is logged and skipped, never stops the
    others."""
    totals: dict[str, int] = defaultdict(int)
    for shop_id in shops_with_menus(engine=engine):
        try:
            for key, value in keep_shop_in_step(engine=engine, shop_id=shop_id, now=now).items():
                totals[key] += value
        except Exception:
            log.exception("rich menu linking failed shop=%s", shop_id)
            totals["shops_failed"] += 1
    return dict(totals)


def keep_shop_in_step(*, engine: Engine, shop_id: int, now: datetime) -> dict:
    """One shop's run: full when due (full_due), else only the friends marked due; counts,
    with "full": 1 or "due": n friends decided."""
    with Session(engine) as session:
        key = rules_key(session=session, shop_id=shop_id)
        full = full_due(session=session, shop_id=shop_id, now=now, key=key)
        due = None if full else _due_friends(session=session, shop_id=shop_id)
    if due is not None and not due:
        return {}
    counts = keep_in_step(engine=engine, shop_id=shop_id, now=now, friend_ids=due)
    if due is None:  # a full run with a failed call is not the last full one: the next run is full too
        with session_scope(engine) as session:
            _record_full(session=session, shop_id=shop_id, key=None if counts.get("failed") else key, at=now)
    return counts | ({"full": 1} if due is None else {"due": len(due)})


def full_due(*, session: Session, shop_id: int, now: datetime, key: str) -> bool:
    """Whether every friend must be decided now (the module's docstring says when); `key`
    is the shop's rules_key now."""
    sync = session.execute(select(RichMenuSync).where(RichMenuSync.shop_id == shop_id)).scalar_one_or_none()
    last = as_utc(sync.full_at) if sync else None
    if last is None or sync.rules_key != key:
        return True
    if now - last >= FULL_EVERY:
        return True
    rules = session.execute(select(RichMenuRule).where(RichMenuRule.shop_id == shop_id)).scalars().all()
    if any(r.kind == "segment" for r in rules) and now - last >= SEGMENTS_EVERY:
        return True
    edges = (as_utc(at) for r in rules for at in (r.starts_at, r.ends_at) if at is not None)
    return any(last < edge <= now for edge in edges)


def rules_key(*, session: Session, shop_id: int) -> str:
    """A hash of what decides menus: every rule (order, audience, period) and its menu's live id."""
    rows = session.execute(
        select(
            RichMenuRule.id,
            RichMenuRule.priority,
            RichMenuRule.kind,
            RichMenuRule.segment_id,
            RichMenuRule.starts_at,
            RichMenuRule.ends_at,
            RichMenu.line_rich_menu_id,
        )
        .join(RichMenu, RichMenu.id == RichMenuRule.menu_id)
        .where(RichMenuRule.shop_id == shop_id)
        .order_by(RichMenuRule.id)
    ).all()
    text = "\n".join("|".join(str(as_utc(v) if isinstance(v, datetime) else v) for v in row) for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def _due_friends(*, session: Session, shop_id: int) -> list[int] | None:
    """The friends marked due; None (decide everyone) when there are too many to list."""
    ids = (
        session.execute(
            select(LineFriend.id)
            .where(LineFriend.shop_id == shop_id, LineFriend.menu_due_at.is_not(None))
            .limit(DUE_MAX + 1)
        )
        .scalars()
        .all()
    )
    return None if len(ids) > DUE_MAX else list(ids)


def _any_due(*, session: Session, shop_id: int) -> bool:
    query = select(LineFriend.id).where(LineFriend.shop_id == shop_id, LineFriend.menu_due_at.is_not(None))
    return session.execute(query.limit(1)).first() is not None


def _clear_due(
    *, session: Session, shop_id: int, friend_ids: list[int] | None, failed: list[int], started: datetime
) -> None:
    query = update(LineFriend).where(
        LineFriend.shop_id == shop_id, LineFriend.menu_due_at.is_not(None), LineFriend.menu_due_at <= started
    )
    if friend_ids is not None:
        query = query.where(LineFriend.id.in_(sorted(set(friend_ids) - set(failed))))
    elif failed:
        query = query.where(LineFriend.id.not_in(failed))
    session.execute(query.values(menu_due_at=None))


def _record_full(*, session: Session, shop_id: int, key: str | None, at: datetime) -> None:
    sync = session.execute(select(RichMenuSync).where(RichMenuSync.shop_id == shop_id)).scalar_one_or_none()
    if sync is None:
        sync = RichMenuSync(shop_id=shop_id)
    sync.rules_key, sync.full_at = key, at
    session.add(sync)


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + line_menus.BULK_MAX] for i in range(0, len(items), line_menus.BULK_MAX)]
