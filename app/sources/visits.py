"""A visit to a source's link: counted (unless it is a flood from one address), then sent
through LINE Login with bot_prompt=aggressive so the visitor adds the friend and LINE tells
us who they are.

The visitor's address is never stored: only a keyed hash of it (HMAC with the app's secret
key), enough to see ten visits from one address within a minute and stop counting them.
The login `state` is signed and names the visit; the visit's own login nonce goes into the
ID token, and the visit is resolved once (a guarded UPDATE).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, update
from sqlmodel import Session, select

from ..ext import settings
from ..models import FriendSource, FriendSourceVisit, LineChannel, Shop
from . import links, rollup

FLOOD_WINDOW = timedelta(minutes=1)
FLOOD_MAX = 10  # counted visits from one address to one shop within FLOOD_WINDOW
LOGIN_TTL = timedelta(minutes=10)


class StateRefused(ValueError):
    """A callback whose state is not one we signed (or is too old)."""


def address_hash(address: str | None) -> str:
    key = settings().secret_key.encode()
    return hmac.new(key, f"tsunagu.source-visit:{address or ''}".encode(), hashlib.sha256).hexdigest()


def flooded(*, session: Session, shop: Shop, ip_hash: str, now: datetime) -> bool:
    recent = session.exec(
        select(func.count(FriendSourceVisit.id)).where(
            FriendSourceVisit.shop_id == shop.id,
            FriendSourceVisit.ip_hash == ip_hash,
            FriendSourceVisit.visited_at >= now - FLOOD_WINDOW,
        )
    ).one()
    return recent >= FLOOD_MAX


def record(
    *, session: Session, shop: Shop, source: FriendSource, ip_hash: str, login: bool, now: datetime
) -> FriendSourceVisit:
    rollup.count(session=session, shop=shop, source_id=source.id, at=now, visits=1)
    visit = FriendSourceVisit(
        shop_id=source.shop_id,
        source_id=source.id,
        visited_at=now,
        ip_hash=ip_hash,
        route="login" if login else "add_friend",
        login_nonce=secrets.token_urlsafe(24) if login else None,
    )
    session.add(visit)
    session.flush()
    return visit


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings().secret_key, salt="tsunagu.source-login")


def login_url(channel: LineChannel, visit: FriendSourceVisit) -> str:
    state = _serializer().dumps({"v": visit.id, "s": visit.shop_id})
    return f"{settings().line_access_base}/oauth2/v2.1/authorize?" + urlencode(
        {
            "response_type": "code",
            "client_id": channel.login_channel_id,
            "redirect_uri": links.callback_url(),
            "state": state,
            "scope": "openid profile",
            "nonce": visit.login_nonce,
            "bot_prompt": "aggressive",
        }
    )


def read_state(state: str) -> tuple[int, int]:
    """(visit id, shop id) of a state we signed less than LOGIN_TTL ago."""
    try:
        data = _serializer().loads(state, max_age=int(LOGIN_TTL.total_seconds()))
        return int(data["v"]), int(data["s"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise StateRefused("state") from None


def take(*, session: Session, visit_id: int, shop_id: int, now: datetime) -> FriendSourceVisit | None:
    """The visit, once: a second callback with the same state (or a concurrent one) gets None."""
    taken = session.execute(
        update(FriendSourceVisit)
        .where(
            FriendSourceVisit.id == visit_id,
            FriendSourceVisit.shop_id == shop_id,
            FriendSourceVisit.route == "login",
            FriendSourceVisit.resolved_at.is_(None),
        )
        .values(resolved_at=now)
    ).rowcount
    return session.get(FriendSourceVisit, visit_id) if taken == 1 else None
