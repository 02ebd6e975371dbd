"""A campaign's tracked links: every web URI action of each variant's messages goes through
{APP_URL}/r/<token>, one TrackedLink per (campaign, variant, target).

A multicast sends one body to up to 500 people, so a campaign link cannot name a customer
(as a reminder's link does): it counts the variant's clicks, which is what the A/B winner
is chosen by. The token is an HMAC of (campaign uid, variant, target) under the app's
secret, written at planning (a re-plan inserts nothing twice); the sender reads the rows
back rather than deriving tokens again, so a rotated SECRET_KEY cannot break a link.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac

from sqlalchemy import select
from sqlmodel import Session

from ..db import insert_ignoring_conflict
from ..ext import settings
from ..models import Campaign, TrackedLink
from ..timeutil import utcnow
from ..tracking.tracked_urls import TOKEN_BYTES, _uri_slots, short_url, targets
from .split import messages_of

FLOW = "campaign"
_TABLE = TrackedLink.__table__


def token_for(campaign: Campaign, variant: int, uri: str, secret: str) -> str:
    message = f"campaign-link\n{campaign.uid}\n{variant}\n{uri}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode()


def record(session: Session, campaign: Campaign, variants: list[int]) -> int:
    """Write the links of these variants (inside the planning transaction); how many new."""
    secret, now, made = settings().secret_key, utcnow(), 0
    insert = insert_ignoring_conflict(session.get_bind().dialect.name, _TABLE, ("token",))
    for variant in variants:
        for uri in targets(messages_of(campaign, variant)):
            row = {
                "shop_id": campaign.shop_id,
                "token": token_for(campaign, variant, uri, secret),
                "campaign_id": campaign.id,
                "variant": variant,
                "flow": FLOW,
                "target": uri,
                "clicks": 0,
                "created_at": now,
            }
            made += len(session.execute(insert, row).all())
    return made


def tokens(session: Session, campaign_id: int) -> dict[tuple[int, str], str]:
    """(variant, target) → token of the campaign's recorded links."""
    rows = session.execute(
        select(TrackedLink.variant, TrackedLink.target, TrackedLink.token).where(TrackedLink.campaign_id == campaign_id)
    )
    return {(variant, target): token for variant, target, token in rows}


def rewrite(messages: list, variant: int, known: dict[tuple[int, str], str]) -> list:
    """The messages with each recorded link sent through /r/<token> (others left as they are)."""
    if not any(key[0] == variant for key in known):
        return messages
    rewritten = copy.deepcopy(messages)
    for slot, key in _uri_slots(rewritten):
        token = known.get((variant, slot[key]))
        if token is not None:
            slot[key] = short_url(token)
    return rewritten
