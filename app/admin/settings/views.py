"""Settings: the LINE Official Account (connect, test, disconnect), greeting texts with
their preview, and the store's link to LINE."""

from __future__ import annotations

from flask import Blueprint

from ... import db
from ...ext import settings
from ...i18n import language
from ...line import followers
from ...models import Shop
from ...shopify.auth import embedded
from ..pages import render
from .audience_sources import import_json
from .queries import line_settings

bp = Blueprint("settings", __name__)


@bp.get("/settings", endpoint="page")
@embedded
def settings_page(shop: Shop):
    session = db.session()
    line = line_settings(session=session, shop=shop)
    imported = import_json(followers.current(session=session, shop=shop), language(shop=shop))
    return render(
        shop,
        "admin/settings/settings.html",
        area="settings",
        active="admin.settings.page",
        line=line,
        follower_import=imported,
        followers_dry_run=settings().dry_run,
    )
