"""GET /line/login/callback: where LINE Login sends the shopper back (store-initiated link)."""

from __future__ import annotations

import logging

from flask import Blueprint, request

from .. import db
from ..ext import vault
from ..models import LineChannel, Shop
from . import account_link, channels, pages
from .account_link import LinkRefused
from .client import LineError, exchange_login_code

log = logging.getLogger("tsunagu.linking")
bp = Blueprint("line_login", __name__)


def _page(shop: Shop | None, ok: bool, status: int = 200):
    back = f"https://{shop.domain}/account" if shop else None
    return pages.render("line/login_result.html", shop=shop, status=status, ok=ok, back=back)


@bp.get("/line/login/callback")
def callback():
    session = db.session(write=True)
    try:
        nonce, shop_id = account_link.read_state(request.args.get("state", ""))
    except LinkRefused:
        return _page(None, False, 400)
    shop = session.get(Shop, shop_id)
    row = account_link.consume_nonce(session=session, shop_id=shop_id, kind="login", nonce=nonce) if shop else None
    channel: LineChannel | None = channels.for_shop(session=session, shop=shop) if shop else None
    if row is None or channel is None or not channel.login_channel_id or request.args.get("error"):
        session.commit()  # a used nonce stays used
        return _page(shop, False, 400)
    secret = vault().decrypt(channel.login_channel_secret_enc) or ""
    # The nonce is used from here on, whatever LINE says; and LINE is never waited on
    # while this request holds the database (the session is not touched until linking).
    session.commit()
    try:
        id_token = exchange_login_code(
            base=channels.api_base(),
            code=request.args.get("code", ""),
            redirect_uri=account_link.login_redirect_uri(),
            client_id=channel.login_channel_id,
            client_secret=secret,
        )
        claims = account_link.verify_id_token(
            id_token, channel_id=channel.login_channel_id, channel_secret=secret, nonce=row.login_nonce or ""
        )
    except (LineError, LinkRefused) as exc:
        log.warning("LINE Login failed shop=%s reason=%s", shop.id, exc)
        return _page(shop, False, 400)
    account_link.link_from_login(session=session, shop=shop, channel=channel, row=row, claims=claims)
    session.commit()
    return _page(shop, True)
