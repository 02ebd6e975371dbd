"""Product search pages: keyword rules, synonyms and the catalog (keywords), and the chat
simulator, which answers through the same code the bot does."""

from __future__ import annotations

from flask import Blueprint

from ... import db
from ...models import Shop
from ...shopify.auth import embedded
from ..pages import render
from .queries import search_page
from .questions import questions_json

bp = Blueprint("search", __name__)


@bp.get("/keywords")
@embedded
def keywords(shop: Shop):
    session = db.session()
    search = search_page(session=session, shop=shop)
    asked = questions_json(session=session, shop=shop)
    page = "admin/search/keywords.html"
    return render(shop, page, area="search", active="admin.search.keywords", search=search, questions=asked)


@bp.get("/simulator")
@embedded
def simulator(shop: Shop):
    return render(shop, "admin/search/simulator.html", area="search", active="admin.search.simulator")
