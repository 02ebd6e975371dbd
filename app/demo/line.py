"""The demo store's LINE account: a dry-run channel and ~100 friends, some linked."""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta

from sqlmodel import Session, select

from ..ext import vault
from ..line import customer_links
from ..models import Customer, LineChannel, LineFriend, Shop
from ..timeutil import utcnow
from .people_words import GIVEN_NAMES

DEMO_BOT_USER_ID = "U" + hashlib.sha256(b"tsunagu-demo-bot").hexdigest()[:32]
FRIENDS = 100
LINKED = 35


def _user_id(index: int) -> str:
    return "U" + hashlib.sha256(f"tsunagu-demo-friend-{index}".encode()).hexdigest()[:32]


def seed_line(*, session: Session, shop: Shop, seed: int = 7) -> dict:
    """Idempotent: the channel and friends are found by their ids and left as they are."""
    channel = session.exec(select(LineChannel).where(LineChannel.shop_id == shop.id)).first()
    if channel is None:
        channel = LineChannel(shop_id=shop.id)
    channel.bot_user_id, channel.basic_id = DEMO_BOT_USER_ID, "@tsunagu-demo"
    channel.display_name = "つなぐ デモストア"
    if not channel.channel_secret_enc:  # a local secret: the chat CLI signs with it
        channel.channel_secret_enc = vault().encrypt(hashlib.sha256(DEMO_BOT_USER_ID.encode()).hexdigest()[:32])
        channel.access_token_enc = vault().encrypt("dry-run")
    channel.connected_at = channel.webhook_ok_at = channel.connected_at or utcnow()
    channel.disconnected_at = None
    session.add(channel)
    session.flush()
    rng = random.Random(seed)
    customers = list(session.exec(select(Customer).where(Customer.shop_id == shop.id).order_by(Customer.id)))
    created = 0
    for index in range(FRIENDS):
        friend = _friend(session=session, shop=shop, channel=channel, index=index, rng=rng)
        created += friend.id is None
        session.add(friend)
        session.flush()
        if (
            index < LINKED
            and index < len(customers)
            and friend.customer_id is None
            and customer_links.linked_friend(session=session, shop=shop, customer=customers[index]) is None
        ):
            customer_links.link(
                session=session, shop=shop, friend=friend, customer=customers[index], method="merchant", actor="demo"
            )
    return {"line_friends": FRIENDS, "line_linked": min(LINKED, len(customers)), "line_friends_created": created}


def _friend(*, session: Session, shop: Shop, channel: LineChannel, index: int, rng: random.Random) -> LineFriend:
    user_id = _user_id(index)
    friend = session.exec(
        select(LineFriend).where(LineFriend.shop_id == shop.id, LineFriend.line_user_id == user_id)
    ).first()
    (kanji, romaji), days = rng.choice(GIVEN_NAMES), rng.randint(1, 300)
    blocked, opted_out, english = rng.random() < 0.08, rng.random() < 0.1, rng.random() < 0.05
    if friend is not None:
        return friend
    followed = utcnow() - timedelta(days=days)
    return LineFriend(
        shop_id=shop.id,
        channel_id=channel.id,
        line_user_id=user_id,
        display_name=romaji.capitalize() if english else kanji,
        language="en" if english else "ja",
        followed_at=followed,
        is_blocked=blocked,
        blocked_at=followed + timedelta(days=1) if blocked else None,
        marketing_opt_out_at=followed + timedelta(days=2) if opted_out else None,
    )
