"""GET /r/<token>: record the click, then 302 to the link's recorded target (never elsewhere).

The target comes only from the TrackedLink row written at send time; nothing in the
request (query string, path, headers) can change it, so /r/ is no open redirect. An
unknown or malformed token is a 404 page.

What is not a click: HEAD requests (link checkers, some preview fetchers) and clients
that announce themselves as bots or link-preview fetchers. LINE's own URL preview fetcher
sends "facebookexternalhit/1.1;line-poker/1.0"; the LINE in-app browser sends "... Line/14.x"
and is a real shopper, so "Line/" alone is never treated as a bot. Those requests are
still redirected (a preview should work), just not counted.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, redirect, request
from sqlalchemy import func, update
from sqlmodel import select

from .. import db
from ..models import LinkClick, TrackedLink
from ..shopify_flow import triggers as flow_triggers
from ..timeutil import utcnow
from . import rollups

log = logging.getLogger("tsunagu.tracking")
bp = Blueprint("tracking", __name__)

TOKEN = re.compile(r"[A-Za-z0-9_-]{8,32}")
BOT = re.compile(
    r"bot\b|bot/|crawler|spider|preview|facebookexternalhit|line-poker|slurp|curl/|wget/|"
    r"python-requests|httpx|headless",
    re.IGNORECASE,
)

NOT_FOUND = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>リンクが見つかりません / Link not found</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#333;line-height:1.6}
h1{font-size:1.2rem}</style></head>
<body><h1>リンクが見つかりません</h1><p>このリンクは無効か、期限が切れています。お手数ですが、ストアから直接お探しください。</p>
<h1 lang="en">Link not found</h1><p lang="en">This link is not valid. Please visit the store directly.</p></body></html>
"""


def is_bot(user_agent: str | None) -> bool:
    return not user_agent or BOT.search(user_agent) is not None


@bp.get("/r/<token>")
def follow(token: str):
    session = db.session(write=True)
    link = (
        session.exec(select(TrackedLink).where(TrackedLink.token == token)).first() if TOKEN.fullmatch(token) else None
    )
    if link is None or not link.target.lower().startswith(("https://", "http://")):
        return Response(NOT_FOUND, 404, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})
    if request.method == "GET" and not is_bot(request.headers.get("User-Agent")):
        try:
            count_click(session=session, link=link)
        except Exception:  # a shopper who clicked must reach the store even if counting fails
            session.rollback()
            log.exception("click not recorded token=%s", token[:4])
    response = redirect(link.target, 302)
    response.headers["Cache-Control"] = "no-store"  # every click comes back here
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def count_click(*, session, link) -> None:
    record_click(session=session, link=link)
    session.commit()


def record_click(*, session, link, friend=None) -> None:
    """One click (or rich menu postback tap) on `link`, counted and rolled up in the
    caller's transaction (the caller commits). A postback tap names its `friend`, and their
    customer when linked, so an order can be credited to it (app/tracking/attribution.py)."""
    now = utcnow()
    session.execute(
        update(TrackedLink)
        .where(TrackedLink.id == link.id)
        .values(
            clicks=TrackedLink.clicks + 1,
            last_clicked_at=now,
            first_clicked_at=func.coalesce(TrackedLink.first_clicked_at, now),
        )
    )
    click = LinkClick(
        shop_id=link.shop_id,
        link_id=link.id,
        notification_id=link.notification_id,
        customer_id=link.customer_id or (friend.customer_id if friend is not None else None),
        friend_id=friend.id if friend is not None else None,
        flow=link.flow,
        clicked_at=now,
    )
    rollups.click(session=session, shop_id=link.shop_id, at=now, flow=link.flow, campaign_id=link.campaign_id)
    session.add(click)
    if link.customer_id is not None:  # whose click it was is known: Shopify Flow may act on it
        session.flush()
        flow_triggers.fire(
            session=session,
            shop_id=link.shop_id,
            handle=flow_triggers.LINK_CLICKED,
            key=f"click:{click.id}",
            customer_id=link.customer_id,
            fields={"URL": link.target[:2000], "Message kind": link.flow},
        )
