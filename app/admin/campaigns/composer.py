"""The composer's JSON (session token, scoped to its shop): upload an image, find products
and friends, preview the blocks as LINE will show them, and push them to a few friends as
a test. Drafts are saved through the campaigns API (`blocks` in the body).

Routes are thin: checks and compiling live in app/campaigns (compose, images, materials).
The test push reads only: LINE is never waited on inside a write transaction.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque

from flask import Blueprint, abort, jsonify, make_response, request
from sqlalchemy import func
from sqlmodel import select

from ... import db
from ...campaigns import compose, images, materials
from ...ext import settings
from ...i18n import language, t
from ...line import channels
from ...line.client import LineError
from ...models import LineFriend, Shop
from ...search.query import search
from ...shopify.auth import embedded
from ...web import larger_body
from ..http import invalid, read_json

bp = Blueprint("campaigns_composer", __name__, url_prefix="/api")
MAX_QUERY = 100
FOUND_LIMIT = 10
MAX_TEST_FRIENDS = 5
TEST_SENDS = 5  # per shop in TEST_WINDOW seconds (per app process): a test, not a campaign
TEST_WINDOW = 600
UPLOAD_LIMIT = images.MAX_ORIGINAL + 256 * 1024  # the image and the form around it
_sent: dict[int, deque] = {}
_sent_lock = threading.Lock()


def _errors(found: compose.Errors, lang: str) -> dict[str, str]:
    return {field: t(key, lang, **values) for field, (key, values) in found.items()}


def compiled(*, session, shop: Shop, blocks, lang: str) -> tuple[list[dict], dict[str, str]]:
    """The blocks as LINE messages, or the reason per field (`blocks[i].text`, …)."""
    sources = materials.sources_for(session=session, shop=shop, blocks=blocks, lang=lang)
    found = compose.errors(blocks, sources)
    if found:
        return [], _errors(found, lang)
    return compose.compile_blocks(blocks, sources), {}


def with_blocks(body: dict, *, session, shop: Shop, lang: str) -> tuple[dict, dict[str, str]]:
    """A draft's body whose `blocks` (when given) are compiled into its `messages`."""
    if "blocks" not in body:
        return body, {}
    messages, errors = compiled(session=session, shop=shop, blocks=body["blocks"], lang=lang)
    return {**body, "messages": messages}, errors


@bp.post("/campaign-images")
@larger_body(UPLOAD_LIMIT)
@embedded
def image_upload(shop: Shop):
    """A JPEG or PNG (multipart field `file`), checked against LINE's limits and kept."""
    lang = language(shop=shop)
    upload = request.files.get("file")
    data = upload.read(images.MAX_ORIGINAL + 1) if upload else b""
    checked, problem = images.check(data)
    if problem:
        return invalid({"file": t(problem[0], lang, **problem[1])})
    session = db.session(write=True)
    image = images.store(session=session, shop=shop, data=data, checked=checked)
    session.commit()
    original, preview = compose.media_urls(settings().app_url, compose.Image(image.token, images.extension_of(image)))
    described = {"token": image.token, "url": original, "preview_url": preview}
    described.update(width=image.width, height=image.height, size=len(data))
    return jsonify(ok=True, errors={}, message="", image=described), 201


def _query(lang: str) -> str:
    q = request.args.get("q", "").strip()
    if len(q) > MAX_QUERY:
        body, status = invalid({"q": t("admin.campaigns.err.query", lang, n=MAX_QUERY)})
        abort(make_response(body, status))
    return q


@bp.get("/campaign-products")
@embedded
def products_found(shop: Shop):
    """The catalog's products for a query, through the chat's own search."""
    q = _query(language(shop=shop))
    results = search(session=db.session(), shop=shop, query=q, limit=FOUND_LIMIT)
    return jsonify(
        products=[
            {"id": f.product.id, "title": f.product.title, "image_url": f.product.image_url, "in_stock": f.in_stock}
            for f in results.found
        ]
    )


@bp.get("/campaign-friends")
@embedded
def friends_found(shop: Shop):
    """Friends to send a test to, by their LINE name (blocked friends cannot receive it)."""
    q = _query(language(shop=shop))
    where = [LineFriend.shop_id == shop.id, LineFriend.is_blocked.is_(False)]
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(func.lower(LineFriend.display_name).like(f"%{escaped}%", escape="\\"))
    rows = db.session().exec(select(LineFriend).where(*where).order_by(LineFriend.id.desc()).limit(FOUND_LIMIT))
    return jsonify(friends=[{"id": f.id, "name": f.display_name or f"#{f.id}"} for f in rows])


@bp.post("/campaigns/preview")
@embedded
def campaign_preview(shop: Shop):
    """The blocks compiled as the campaign will send them, with a sample name and code."""
    body, lang = read_json(), language(shop=shop)
    messages, errors = compiled(session=db.session(), shop=shop, blocks=body.get("blocks"), lang=lang)
    if errors:
        return invalid(errors, messages=[])
    return jsonify(ok=True, errors={}, message="", messages=compose.sample(messages, lang))


def _allowed(shop_id: int) -> bool:
    """Room for one more test send in the window (and count it)."""
    now = time.monotonic()
    with _sent_lock:
        recent = _sent.setdefault(shop_id, deque())
        while recent and recent[0] <= now - TEST_WINDOW:
            recent.popleft()
        if len(recent) >= TEST_SENDS:
            return False
        recent.append(now)
        return True


def _test_friends(session, shop: Shop, ids, lang: str) -> tuple[list[LineFriend], dict[str, str]]:
    valid = isinstance(ids, list) and 0 < len(ids) <= MAX_TEST_FRIENDS
    if not valid or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return [], {"friend_ids": t("admin.campaigns.err.test_friends", lang, n=MAX_TEST_FRIENDS)}
    friends = session.exec(select(LineFriend).where(LineFriend.shop_id == shop.id, LineFriend.id.in_(ids))).all()
    if len(friends) != len(set(ids)) or any(f.is_blocked for f in friends):
        return [], {"friend_ids": t("admin.campaigns.err.test_friend_gone", lang)}
    return friends, {}


@bp.post("/campaigns/test")
@embedded
def campaign_test(shop: Shop):
    """Push the blocks (with a sample name and code) to up to five chosen friends."""
    body, lang = read_json(), language(shop=shop)
    session = db.session()  # reads only: LINE is never waited on inside a write transaction
    messages, errors = compiled(session=session, shop=shop, blocks=body.get("blocks"), lang=lang)
    friends, friend_errors = _test_friends(session, shop, body.get("friend_ids"), lang)
    errors.update(friend_errors)
    if errors:
        return invalid(errors)
    channel = channels.for_shop(session=session, shop=shop)
    if channel is None or channel.disconnected_at is not None:
        return invalid({}, status=409, message=t("campaigns.reason.channel_disconnected", lang))
    if settings().dry_run:
        return invalid({}, status=409, message=t("admin.campaigns.test.dry_run", lang))
    if not _allowed(shop.id):
        return invalid({}, status=429, message=t("admin.campaigns.test.too_many", lang, n=TEST_SENDS))
    to = [friend.line_user_id for friend in friends]
    try:
        client = channels.client_for(channel, shop=shop)
        session.rollback()  # end the read before waiting on LINE
        for user_id in to:
            client.push(user_id, compose.sample(messages, lang), retry_key=str(uuid.uuid4()))
    except (LineError, channels.ChannelUnavailable) as exc:
        return jsonify(ok=False, errors={}, message=t("admin.campaigns.test.failed", lang, reason=str(exc))), 502
    return jsonify(ok=True, errors={}, message=t("admin.campaigns.test.sent", lang, n=len(friends)))
