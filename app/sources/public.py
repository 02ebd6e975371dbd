"""The public side of a source: its short link and the LINE Login callback.

GET /s/<shop>/<slug>  counts the visit and sends the visitor through LINE Login (adds the
                      friend); without LINE Login configured, to the add-friend URL (the
                      visit is counted, the friend cannot be known). An unknown or deleted
                      slug shows a friendly page with the add-friend button (no source).
GET /s/callback       where LINE Login returns: the visit learns its friend.

Bots, HEAD requests and a flood from one address are sent on to LINE but not counted.
No write transaction is open while LINE is asked (the visit is taken, committed, then LINE).
"""

from __future__ import annotations

import logging

from flask import Blueprint, make_response, redirect, request
from sqlmodel import select

from .. import db
from ..line import account_link, channels, pages
from ..line.account_link import LinkRefused
from ..line.client import LineError
from ..models import FriendSource, FriendSourceVisit, LineChannel, Shop, VisitOutcome
from ..timeutil import utcnow
from ..tracking.redirect import is_bot
from . import arrival, links, visits

log = logging.getLogger("tsunagu.sources")
bp = Blueprint("sources", __name__)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _page(shop: Shop | None, add_friend: str | None, outcome: str, status: int):
    """outcome: unknown (no such link; add the friend anyway) or failed (login did not finish)."""
    body, code = pages.render("sources/visit.html", shop=shop, status=status, outcome=outcome, add_friend=add_friend)
    return _no_store(make_response(body, code))


def login_ready(channel: LineChannel | None) -> bool:
    return bool(channel and channel.login_channel_id and channel.login_channel_secret_enc)


@bp.route("/s/<shop_key>/<slug>", methods=["GET", "HEAD"])
def visit(shop_key: str, slug: str):
    session = db.session(write=True)
    shop = session.exec(select(Shop).where(Shop.domain == f"{shop_key.lower()}.myshopify.com")).first()
    shop = shop if shop is not None and shop.is_installed else None
    channel = channels.for_shop(session=session, shop=shop) if shop else None
    add_friend = links.add_friend_url(channel)
    source = (
        session.exec(
            select(FriendSource).where(FriendSource.shop_id == shop.id, FriendSource.slug == slug.lower())
        ).first()
        if shop and channel
        else None
    )
    if source is None:
        return _page(shop if channel else None, add_friend, "unknown", 404)
    if request.method != "GET" or is_bot(request.headers.get("User-Agent")):
        return _no_store(redirect(add_friend, 302)) if add_friend else _page(shop, None, "unknown", 200)
    now = utcnow()
    ip_hash = visits.address_hash(request.remote_addr)
    if visits.flooded(session=session, shop=shop, ip_hash=ip_hash, now=now):
        log.info("source visit not counted (flood) shop=%s source=%s", shop.id, source.id)
        return _no_store(redirect(add_friend, 302)) if add_friend else _page(shop, None, "unknown", 429)
    login = login_ready(channel)
    row = visits.record(session=session, shop=shop, source=source, ip_hash=ip_hash, login=login, now=now)
    target = visits.login_url(channel, row) if login else add_friend
    session.commit()
    if target is None:  # no LINE Login and no basic id: counted, but nowhere to send them
        return _page(shop, None, "unknown", 200)
    return _no_store(redirect(target, 302))


@bp.get("/s/callback")
def callback():
    try:
        visit_id, shop_id = visits.read_state(request.args.get("state", ""))
    except visits.StateRefused:
        return _page(None, None, "failed", 400)
    session = db.session(write=True)
    shop = session.get(Shop, shop_id)
    channel = channels.for_shop(session=session, shop=shop) if shop else None
    add_friend = links.add_friend_url(channel)
    row = visits.take(session=session, visit_id=visit_id, shop_id=shop_id, now=utcnow()) if shop else None
    if row is None or not login_ready(channel) or request.args.get("error"):
        if row is not None:
            row.outcome = VisitOutcome.FAILED
            session.add(row)
        session.commit()
        return _page(shop, add_friend, "failed", 400)
    nonce = row.login_nonce or ""
    session.commit()  # the visit is taken; no write transaction waits on LINE below
    try:
        claims = account_link.login_claims(
            channel, code=request.args.get("code", ""), redirect_uri=links.callback_url(), nonce=nonce
        )
    except (LineError, LinkRefused) as exc:
        log.warning("source login failed shop=%s reason=%s", shop_id, exc)
        _fail(visit_id)
        return _page(shop, add_friend, "failed", 400)
    session = db.session(write=True)
    row = session.get(FriendSourceVisit, visit_id)
    changed = request.args.get("friendship_status_changed", "").lower() == "true"
    arrival.resolve(
        session=session, visit=row, channel=channel, claims=claims, friendship_changed=changed, now=utcnow()
    )
    session.commit()
    # Into LINE: the account's page (its chat for a friend).
    return _no_store(redirect(add_friend, 302)) if add_friend else _page(shop, None, "failed", 400)


def _fail(visit_id: int) -> None:
    session = db.session(write=True)
    row = session.get(FriendSourceVisit, visit_id)
    if row is not None:
        row.outcome = VisitOutcome.FAILED
        session.add(row)
    session.commit()
