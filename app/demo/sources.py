"""The demo store's friend sources (流入経路): an in-store POP, a parcel flyer and an
Instagram profile link, with a month of visits and some of the demo friends brought by each,
so the sources page has figures and a chart from the first look."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlmodel import Session, select

from ..models import FriendSource, FriendSourceVisit, LineFriend, Shop, VisitOutcome
from ..sources import rollup
from ..sources.arrival import add_tag

SOURCES = (
    # (name, slug, tag, greeting, cost in yen, visits a day, share that become friends)
    (
        "店頭POP（渋谷店）",
        "shibuya-pop",
        "店頭",
        "{shop_name}の店頭POPから友だち追加ありがとうございます！",
        12000,
        6,
        0.55,
    ),
    ("同梱チラシ", "parcel-flyer", "同梱", None, 30000, 4, 0.4),
    ("Instagram プロフィール", "instagram", "Instagram", None, None, 9, 0.25),
)
DAYS = 30


def seed_sources(*, session: Session, shop: Shop, now: datetime) -> dict:
    """Idempotent: a source the shop already has (by slug) keeps its visits as they are."""
    have = {s.slug for s in session.exec(select(FriendSource).where(FriendSource.shop_id == shop.id))}
    friends = list(session.exec(select(LineFriend).where(LineFriend.shop_id == shop.id).order_by(LineFriend.id)))
    unsourced = [f for f in friends if f.source_id is None]
    quota = len(unsourced) // (len(SOURCES) + 1)  # each source brought some; some came on their own
    rng = random.Random(13)
    visits = 0
    for name, slug, tag, greeting, cost, per_day, share in SOURCES:
        if slug in have:
            continue
        source = FriendSource(shop_id=shop.id, name=name, slug=slug, tag=tag, greeting=greeting, cost_yen=cost)
        session.add(source)
        session.flush()
        mine = [unsourced.pop() for _ in range(min(quota, len(unsourced)))]
        for day in range(DAYS):
            for _ in range(rng.randint(per_day // 2, per_day * 3 // 2)):
                at = now - timedelta(days=day, minutes=rng.randint(0, 1439))
                outcome = VisitOutcome.NEW if rng.random() < share else VisitOutcome.EXISTING
                friend = mine.pop() if outcome == VisitOutcome.NEW and mine else None
                if friend is not None:
                    friend.source_id, friend.source_at = source.id, at
                    add_tag(friend, tag)
                    session.add(friend)
                session.add(
                    FriendSourceVisit(
                        shop_id=shop.id,
                        source_id=source.id,
                        visited_at=at,
                        ip_hash=f"{rng.getrandbits(256):064x}",
                        outcome=outcome,
                        resolved_at=at + timedelta(seconds=20),
                        line_friend_id=friend.id if friend else None,
                        greeted_at=at + timedelta(seconds=21),
                    )
                )
                rollup.count(
                    session=session,
                    shop=shop,
                    source_id=source.id,
                    at=at,
                    visits=1,
                    new_friends=int(outcome == VisitOutcome.NEW),
                )
                visits += 1
    return {"friend_sources": len(SOURCES), "source_visits": visits}
