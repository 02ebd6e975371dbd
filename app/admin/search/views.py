"""Product search pages: keyword rules, synonyms and the catalog (keywords), and the chat
simulator, which answers through the same code the bot does."""

from __future__ import annotations

from flask import Blueprint

from ... import db
from ...models import Shop
from ...shopify.auth import embedded
from ..pages import render
from .queries import search_page

bp = Blueprint("search", __name__)


@bp.get("/keywords")
@embedded
def keywords(shop: Shop):
    search = search_page(session=db.session(), shop=shop)
    return render(shop, "admin/search/keywords.html", area="search", active="admin.search.keywords", search=search)


@bp.get("/simulator")
@embedded
def simulator(shop: Shop):
    return render(shop, "admin/search/simulator.html", area="search", active="admin.search.simulator")
