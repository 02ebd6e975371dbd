"""Customers and Messages pages: the first page is rendered here (usable without
JavaScript: the filters are GET forms, paging is a link); the scripts then filter and
page through people_api without reloading."""

from __future__ import annotations

from flask import abort, request

from .. import db
from ..models import Shop
from ..shopify.auth import embedded
from . import messages_queries as mq
from . import people_queries as pq
from . import queries
from .i18n import language
from .views import _render, bp


@bp.get("/customers")
@embedded
def customers(shop: Shop):
    q = request.args.get("q", "").strip()[:100]
    cursor = request.args.get("cursor", "")
    page = pq.search_customers(
        session=db.session(), shop=shop, q=q, cursor=int(cursor) if cursor.isdigit() and len(cursor) <= 18 else None
    )
    return _render(shop, "admin/customers.html", "admin.customers", q=q, page=page, paged=bool(cursor))


@bp.get("/customers/<int:customer_id>")
@embedded
def customer(shop: Shop, customer_id: int):
    found = pq.customer_detail(session=db.session(), shop=shop, customer_id=customer_id, lang=language(shop.locale))
    if found is None:
        abort(404)
    return _render(shop, "admin/customer.html", "admin.customers", customer=found)


@bp.get("/messages")
@embedded
def messages(shop: Shop):
    lang = language(shop.locale)
    session = db.session()
    filters, errors = mq.parse_filters(request.args, lang)
    if errors.get("cursor"):
        filters.cursor = None
    page = mq.messages_page(session=session, shop=shop, filters=filters, lang=lang)
    return _render(
        shop,
        "admin/messages.html",
        "admin.messages",
        filters=filters,
        errors=errors,
        page=page,
        flows=mq.FLOWS,
        statuses=mq.STATUSES,
        paged=bool(filters.cursor),
        failed_events=[mq.webhook_json(shop, e) for e in queries.failed_webhooks(session=session, shop=shop)],
    )
