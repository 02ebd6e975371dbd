"""The storefront app proxy: https://{shop}/apps/tsunagu/* arrives here as /proxy/*, signed.

/proxy/link   — the chat's account-link button lands here (linkToken from LINE)
/proxy/login  — the theme extension's "LINEで通知を受け取る" button (LINE Login): first
                off to the app's own /line/login/start, which gives the browser its secret
                and comes back with `browser` (its hash), then on to LINE, bound to it
Both need a logged-in customer; without one they send the shopper to the store's login
and back.
/proxy/cart   — the theme extension's app embed reports a logged-in shopper's cart token,
                so an abandoned cart can be tied to a linked customer (no page, 204).
/proxy/restock — the theme block "入荷したら知らせる" on a sold-out variant (POST, the
                variant in the signed query): a back-in-stock request for the linked
                customer (app/flows/restock_storefront.py); JSON the block shows.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

from flask import Blueprint, jsonify, redirect, request
from sqlmodel import select

from .. import db
from ..flows import abandoned, restock_storefront
from ..i18n import t
from ..line import account_link, channels, pages
from ..models import Shop
from ..timeutil import utcnow
from .domains import from_handle
from .sdk import as_response, request_input, shopify_app

log = logging.getLogger("tsunagu.proxy")
bp = Blueprint("proxy", __name__, url_prefix="/proxy")
PREFIX = "/apps/tsunagu"


def _verified():
    """(shop, customer id or None, None) or (None, None, response to return)."""
    result = shopify_app().verify_app_proxy_req(request_input())
    if not result.ok:
        log.warning("app proxy request rejected: %s", result.log.code)
        return None, None, as_response(result.response)
    domain = from_handle(result.shop)
    if domain is None:  # the signed `shop` is no myshopify.com domain
        log.warning("app proxy request rejected: shop is not a myshopify.com domain")
        return None, None, pages.render("line/proxy_error.html", shop=None, status=400)
    shop = db.session(write=True).exec(select(Shop).where(Shop.domain == domain)).first()
    if shop is None or not shop.is_installed:
        return None, None, pages.render("line/proxy_error.html", shop=shop, status=404)
    customer = result.logged_in_customer_id
    return shop, (int(customer) if customer and customer.isdigit() else None), None


def _login_first(path: str, params: dict):
    """Proxied responses resolve on the shop's domain: send the shopper to its login."""
    back = f"{PREFIX}{path}" + (f"?{urlencode(params)}" if params else "")
    return redirect(f"/account/login?return_url={quote(back, safe='')}")


@bp.get("/link")
def link():
    shop, customer, failure = _verified()
    if failure is not None:
        return failure
    link_token = request.args.get("linkToken", "")
    if not link_token or len(link_token) > 256:
        return pages.render("line/proxy_error.html", shop=shop, status=400)
    if customer is None:
        return _login_first("/link", {"linkToken": link_token})
    session = db.session(write=True)
    row = account_link.new_nonce(session=session, shop=shop, kind="account_link", customer_shopify_id=customer)
    session.commit()
    return redirect(account_link.account_link_url(link_token, row.nonce))


@bp.get("/login")
def login():
    shop, customer, failure = _verified()
    if failure is not None:
        return failure
    session = db.session(write=True)
    channel = channels.for_shop(session=session, shop=shop)
    if channel is None or channel.disconnected_at is not None or not channel.login_channel_id:
        return pages.render("line/proxy_error.html", shop=shop, status=404)
    if customer is None:
        return _login_first("/login", {})
    browser = request.args.get("browser", "")
    if not account_link.is_browser_binding(browser):
        return redirect(account_link.login_start_url(shop))
    row = account_link.new_nonce(session=session, shop=shop, kind="login", customer_shopify_id=customer)
    session.commit()
    return redirect(account_link.login_authorize_url(channel, row, browser=browser))


@bp.route("/cart", methods=["GET", "POST"])
def cart():
    shop, customer, failure = _verified()
    if failure is not None:
        return failure
    token = (request.values.get("token") or "").split("?", 1)[0].strip()
    if not token or len(token) > 128 or not token.replace("-", "").replace("_", "").isalnum():
        return "", 400
    if customer is None:  # a guest's cart cannot be tied to anyone
        return "", 204
    session = db.session(write=True)
    outcome = abandoned.tie_cart(session=session, shop=shop, token=token, customer_shopify_id=customer)
    session.commit()
    log.info("cart tied shop=%s outcome=%s", shop.id, outcome)
    return "", 204


@bp.post("/restock")
def restock():
    shop, customer, failure = _verified()
    if failure is not None:
        return failure
    lang = pages.visitor_language(shop)
    variant = request.args.get("variant", "")
    if not variant.isdigit() or len(variant) > 19:
        return jsonify(status="invalid", message=t("line.store.restock.bad_request", lang)), 400
    if customer is None:  # the block shows only to logged-in shoppers; a stale page may not
        return jsonify(status="login", message=t("line.store.restock.login", lang), login_url="/account/login"), 401
    session = db.session(write=True)
    answer = restock_storefront.ask(
        session=session, shop=shop, customer_shopify_id=customer, variant_value=variant, lang=lang, now=utcnow()
    )
    session.commit()
    log.info("restock request from the store shop=%s outcome=%s", shop.id, answer.status)
    body = {"status": answer.status, "message": answer.message}
    if answer.link_url:
        body.update(link_url=answer.link_url, link_label=t("line.store.restock.link", lang))
    return jsonify(body)
