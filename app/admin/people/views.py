"""Customers and Messages pages: the first page is rendered here (usable without
JavaScript: the filters are GET forms, paging is a link); the scripts then filter and
page through the people API without reloading."""

from __future__ import annotations

from flask import Blueprint, abort, request

from ... import db
from ...flows.registry import flows
from ...i18n import language
from ...models import Shop
from ...shopify.auth import embedded
from ..pages import render
from . import customers as cq
from . import messages as mq
from .detail import customer_detail

bp = Blueprint("people", __name__)


@bp.get("/customers")
@embedded
def customers(shop: Shop):
    q = request.args.get("q", "").strip()[:100]
    cursor = request.args.get("cursor", "")
    page = cq.search_customers(
        session=db.session(), shop=shop, q=q, cursor=int(cursor) if cursor.isdigit() and len(cursor) <= 18 else None
    )
    return render(
        shop,
        "admin/people/customers.html",
        area="people",
        active="admin.people.customers",
        q=q,
        page=page,
        paged=bool(cursor),
    )


@bp.get("/customers/<int:customer_id>")
@embedded
def customer(shop: Shop, customer_id: int):
    found = customer_detail(session=db.session(), shop=shop, customer_id=customer_id, lang=language(shop=shop))
    if found is None:
        abort(404)
    return render(shop, "admin/people/customer.html", area="people", active="admin.people.customers", customer=found)


@bp.get("/messages")
@embedded
def messages(shop: Shop):
    lang = language(shop=shop)
    session = db.session()
    filters, errors = mq.parse_filters(request.args, lang)
    if errors.get("cursor"):
        filters.cursor = None
    page = mq.messages_page(session=session, shop=shop, filters=filters, lang=lang)
    failed = mq.failed_webhooks(session=session, shop=shop)
    return render(
        shop,
        "admin/people/messages.html",
        area="people",
        active="admin.people.messages",
        filters=filters,
        errors=errors,
        page=page,
        flows=flows(),
        statuses=mq.STATUSES,
        paged=bool(filters.cursor),
        failed_events=[mq.webhook_json(shop, e) for e in failed],
    )
