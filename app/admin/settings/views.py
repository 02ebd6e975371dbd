"""Settings: the LINE Official Account (connect, test, disconnect), greeting texts with
their preview, and the store's link to LINE."""

from __future__ import annotations

from flask import Blueprint

from ... import db
from ...models import Shop
from ...shopify.auth import embedded
from ..pages import render
from .queries import line_settings

bp = Blueprint("settings", __name__)


@bp.get("/settings", endpoint="page")
@embedded
def settings_page(shop: Shop):
    line = line_settings(session=db.session(), shop=shop)
    return render(shop, "admin/settings/settings.html", area="settings", active="admin.settings.page", line=line)
