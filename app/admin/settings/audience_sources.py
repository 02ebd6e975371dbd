"""Settings → where audiences come from, as JSON (session token, scoped to its shop): the
import of the LINE account's existing followers, and the shop's Shopify customer segments
with how many of their members are linked to LINE. The audience editor calls these; the
work itself lives in line/followers.py and audiences/shopify_segments.py."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ... import db
from ...audiences.shopify_segments import SegmentGone, linked_count, list_segments
from ...ext import settings
from ...i18n import language, t
from ...line import followers
from ...models import FollowerImport, Shop
from ...models import FollowerImportStatus as St
from ...shopify.auth import embedded
from ...shopify.client import NOT_CONFIGURED, ShopifyError
from ...shopify.tokens import TokenUnavailable
from ..http import invalid

bp = Blueprint("settings_sources_api", __name__, url_prefix="/api")


def import_json(row: FollowerImport | None, lang: str) -> dict | None:
    """The import as the admin shows it; `message` explains the state in the shop's language."""
    if row is None:
        return None
    return {
        "status": row.status,
        "pages": row.pages,
        "seen": row.seen,
        "new": row.new,
        "profiles": row.profiles,
        "failed": row.failed,
        "error": row.error,
        "started_at": row.started_at.isoformat(),
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "message": t(f"admin.settings.followers.{row.status}", lang, seen=f"{row.seen:,}", new=f"{row.new:,}"),
    }


@bp.get("/line/followers/import")
@embedded
def followers_import_status(shop: Shop):
    row = followers.current(session=db.session(), shop=shop)
    return jsonify(ok=True, errors={}, message="", follower_import=import_json(row, language(shop=shop)))


@bp.post("/line/followers/import")
@embedded
def followers_import_start(shop: Shop):
    """Start the import, or resume a failed one; the worker does the work (202)."""
    lang = language(shop=shop)
    if settings().dry_run:  # LINE is not asked in a dry run: there are no followers to list
        return invalid({}, message=t("admin.settings.followers.dry_run", lang))
    session = db.session(write=True)
    try:
        row = followers.start_import(session=session, shop=session.merge(shop))
    except followers.NotConnected:
        return invalid({}, status=409, message=t("admin.settings.followers.not_connected", lang))
    session.commit()
    started = row.status in St.ACTIVE
    return jsonify(ok=True, errors={}, message="", follower_import=import_json(row, lang)), 202 if started else 200


def _shopify_failed(lang: str, exc: Exception):
    if isinstance(exc, ShopifyError) and exc.code == NOT_CONFIGURED:  # no Shopify credentials: nothing to ask
        return invalid({}, status=409, message=t("admin.settings.segments.not_configured", lang))
    return invalid({}, status=502, message=t("admin.settings.segments.shopify_failed", lang))


@bp.get("/shopify/segments")
@embedded
def shopify_segments(shop: Shop):
    lang = language(shop=shop)
    try:
        listed = list_segments(shop)
    except (ShopifyError, TokenUnavailable) as exc:
        return _shopify_failed(lang, exc)
    return jsonify(ok=True, errors={}, message="", segments=[{"id": gid, "name": name} for gid, name in listed])


@bp.get("/shopify/segments/<int:segment_id>/count")
@embedded
def shopify_segment_count(shop: Shop, segment_id: int):
    """Members now, and how many are linked to a LINE friend (read from Shopify first,
    then counted on a read-only session)."""
    lang = language(shop=shop)
    try:
        counted = linked_count(session=db.session(), shop=shop, segment_id=segment_id)
    except SegmentGone:
        return invalid({}, status=404, message=t("admin.settings.segments.gone", lang))
    except (ShopifyError, TokenUnavailable) as exc:
        return _shopify_failed(lang, exc)
    return jsonify(ok=True, errors={}, message="", members=counted.members, linked=counted.linked)
