"""LINE Login begun from the store, on the app's own domain (see account_link's module doc).

GET /line/login/start     gives the browser its secret (a cookie on this domain, this path
                          only) and sends it back to the app proxy, which begins the login
GET /line/login/callback  where LINE Login sends the shopper back: links only when the
                          browser holds the secret the login began with
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Blueprint, make_response, redirect, request
from sqlmodel import select

from .. import db
from ..ext import settings
from ..models import LineChannel, Shop
from . import account_link, channels, pages
from .account_link import BROWSER_COOKIE, LOGIN_PATH, NONCE_TTL, LinkRefused
from .client import LineError

log = logging.getLogger("tsunagu.linking")
bp = Blueprint("line_login", __name__)


def _cookie_options() -> dict:
    """SameSite=Lax: sent on the top-level GET from LINE back to the callback, never on a
    cross-site subrequest or POST."""
    return {
        "path": LOGIN_PATH,
        "secure": settings().app_url.startswith("https://"),
        "httponly": True,
        "samesite": "Lax",
    }


def _no_store(response):
    """Nothing of a login is kept by a cache, nor handed on as a Referer (the callback's URL
    carries the code and the state)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get(f"{LOGIN_PATH}/start")
def start():
    shop = db.session().exec(select(Shop).where(Shop.domain == request.args.get("shop", ""))).first()
    if shop is None or not shop.is_installed:  # only installed shops: never an open redirect
        return pages.render("line/proxy_error.html", shop=shop, status=404)
    # Beginning again (a second tab, a double tap) keeps the secret: the login already on its
    # way to LINE in this browser can still finish. The callback clears it, one login per secret.
    secret = account_link.browser_secret(request.cookies.get(BROWSER_COOKIE)) or account_link.new_browser_secret()
    back = (
        account_link.store_login_url(shop) + "?" + urlencode({"browser": account_link.browser_binding(secret, shop.id)})
    )
    response = redirect(back)
    response.set_cookie(
        BROWSER_COOKIE,
        account_link.browser_cookie(secret),
        max_age=int(NONCE_TTL.total_seconds()),
        **_cookie_options(),
    )
    return _no_store(response)


def _page(shop: Shop | None, outcome: str, status: int = 200):
    """outcome: linked, failed, or other_browser (offers to begin again in this browser)."""
    back = f"https://{shop.domain}/account" if shop else None
    retry = account_link.store_login_url(shop) if shop and outcome == "other_browser" else None
    return pages.render("line/login_result.html", shop=shop, status=status, outcome=outcome, back=back, retry=retry)


@bp.get(f"{LOGIN_PATH}/callback")
def callback():
    response = _no_store(make_response(_finish()))
    response.delete_cookie(BROWSER_COOKIE, **_cookie_options())  # one login per secret
    return response


def _finish():
    try:
        state = account_link.read_state(request.args.get("state", ""))
    except LinkRefused:
        return _page(None, "failed", 400)
    if not account_link.same_browser(state, account_link.browser_secret(request.cookies.get(BROWSER_COOKIE))):
        # Another browser (or none, or an expired secret): LINE is not even asked who this is.
        log.info("LINE Login refused shop=%s reason=other-browser", state.shop_id)
        return _page(db.session().get(Shop, state.shop_id), "other_browser", 400)
    session = db.session(write=True)
    shop = session.get(Shop, state.shop_id)
    row = (
        account_link.consume_nonce(session=session, shop_id=shop.id, kind="login", nonce=state.nonce) if shop else None
    )
    channel: LineChannel | None = channels.for_shop(session=session, shop=shop) if shop else None
    session.commit()  # the nonce is used up, and no write transaction waits on LINE below
    if row is None or channel is None or not channel.login_channel_id or request.args.get("error"):
        return _page(shop, "failed", 400)
    try:
        claims = account_link.login_claims(
            channel,
            code=request.args.get("code", ""),
            redirect_uri=account_link.login_redirect_uri(),
            nonce=row.login_nonce or "",
        )
    except (LineError, LinkRefused) as exc:
        log.warning("LINE Login failed shop=%s reason=%s", shop.id, exc)
        return _page(shop, "failed", 400)
    account_link.link_from_login(session=session, shop=shop, channel=channel, row=row, claims=claims)
    session.commit()
    return _page(shop, "linked")
