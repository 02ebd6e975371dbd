"""Managed installation: app-home verification, token exchange, the patch-id-token page.

Shopify installs the app itself (managed installation); the first verified page load
exchanges its session token for an offline, expiring access token. Without Shopify
credentials the app runs the demo store, but only for requests from this machine.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from sqlmodel import select

from .. import db
from ..ext import settings
from ..models import Shop
from ..sync.catalog import request_sync
from ..sync.policies import request_policies
from ..sync.shop import refresh_shop_details
from ..timeutil import utcnow
from .client import for_shop
from .domains import from_handle, myshopify_domain
from .intake import shop_id_for
from .sdk import as_response, request_input, shopify_app
from .tokens import ensure_offline_token

log = logging.getLogger("tsunagu.auth")
bp = Blueprint("shopify_auth", __name__)

PATCH_ID_TOKEN_PATH = "/auth/patch-id-token"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
INVALID_SHOP = "400 Bad Request: shop must be one shop's domain, like example.myshopify.com.\n"


@bp.get(PATCH_ID_TOKEN_PATH)
def patch_id_token():
    """A bare page that loads App Bridge, which fetches a fresh session token and reloads."""
    if settings().demo_mode:
        return redirect("/")
    # The package writes `shop` into the frame-ancestors header as it comes.
    shops = request.args.getlist("shop")
    if len(shops) != 1 or myshopify_domain(shops[0]) is None:
        log.warning("patch-id-token refused: shop is not a myshopify.com domain")
        return Response(INVALID_SHOP, status=400, mimetype="text/plain")
    result = shopify_app().app_home_patch_id_token(request_input())
    return as_response(result.response)


def _is_loopback_request() -> bool:
    try:
        remote = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    # The Host check stops DNS rebinding from reaching the demo through a browser.
    host = urlsplit("//" + (request.host or "")).hostname or ""
    return remote.is_loopback and host in LOOPBACK_HOSTS


def _demo_shop() -> Shop | Response:
    if not _is_loopback_request():
        log.warning("demo admin refused for a non-loopback request")
        abort(403)
    shop = db.session().exec(select(Shop).where(Shop.is_demo.is_(True))).first()
    if shop is None:
        return make_response(render_template("admin/no_demo.html"), 503)
    return shop


def _verified_shop() -> tuple[Shop | None, Response | None, dict]:
    verified = shopify_app().verify_app_home_req(request_input(), PATCH_ID_TOKEN_PATH)
    if not verified.ok:
        return None, as_response(verified.response), {}
    domain = from_handle(verified.shop)
    if domain is None:  # signed by Shopify, so never seen; but no odd name becomes a Shop row
        log.warning("app home refused: the session token names no myshopify.com shop")
        return None, Response(INVALID_SHOP, status=400, mimetype="text/plain"), {}
    session = db.session(write=True)
    shop = session.get(Shop, shop_id_for(session.connection(), domain))
    session.commit()  # the token exchange and the first load wait on Shopify: never with the database held
    was_installed = shop.is_installed
    failure = ensure_offline_token(
        session=session, shop=shop, id_token=verified.id_token, invalid_token_response=verified.invalid_token_response
    )
    if failure is not None:
        return None, as_response(failure), {}
    if not was_installed:
        _first_load(shop)
    g.staff_user_id = verified.user_id  # the session token's `sub`: who is acting
    locale = request.args.get("locale", "")
    if locale:
        shop.locale = locale[:16]
    session.commit()
    return shop, None, dict(verified.response.headers)


def _first_load(shop: Shop) -> None:
    """A new (or returning) install: learn the shop's details, sync its catalog, have the
    worker read its policies."""
    refresh_shop_details(client=for_shop(shop), shop=shop)
    request_policies(shop=shop, now=utcnow())
    request_sync(session=db.session(write=True), shop=shop, trigger="install")


def embedded(view):
    """Verify an app-home request (or serve the demo shop) and hand the view its shop."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        headers: dict = {}
        if settings().demo_mode:
            shop = _demo_shop()
            if isinstance(shop, Response):
                return shop
        elif request.path.startswith("/api/") and not request.headers.get("Authorization", "").startswith("Bearer "):
            # A fetch() with no session token: the page-load bounce (a 302 to an HTML page)
            # would be useless to it. Shopify's header tells App Bridge to retry with one.
            return make_response(
                jsonify(ok=False, errors={}, message="session token required"),
                401,
                {"X-Shopify-Retry-Invalid-Session-Request": "1"},
            )
        else:
            shop, failure, headers = _verified_shop()
            if failure is not None:
                return failure
        g.shop = shop
        response = make_response(view(shop, *args, **kwargs))
        for name, value in headers.items():  # CSP frame-ancestors, preload links
            response.headers[name] = value
        return response

    return wrapper
