"""Erasure that leaves nothing: after customers/redact no marker of the shopper is left in
any text or JSON column of any table (read through the database's catalog), and after
shop/redact no row of the shop is; another shop's rows are untouched by either."""

from __future__ import annotations

from sqlmodel import select

from app import ext
from app.models import Customer, LineFriend, WebhookEvent, WebhookStatus
from tests.helpers import fresh
from tests.privacy.scan import find, rows_referencing, shop_rows
from tests.privacy.story import Markers, body_for, subscribed_topics

# Where the story must have put markers before the erasure (so the scan is not vacuous).
EXPECTED = {
    "customers",
    "orders",
    "checkouts",
    "webhook_events",
    "line_friends",
    "line_events",
    "link_audits",
    "notifications",
    "line_dry_runs",
    "search_logs",
    "compliance_requests",
}


def _customer_pk(db, story) -> int:
    fresh(db)
    return db.exec(
        select(Customer.id).where(Customer.shop_id == story.shop.id, Customer.shopify_id == story.markers.customer_id)
    ).one()


def _engine(app):
    return ext.engine(app)


def test_customer_redact_leaves_no_marker_in_any_table(app, db, shop_a_story, shop_b_story):
    a, b = shop_a_story, shop_b_story
    a.tell(login=True)
    b.tell(login=False)
    a.webhook("app/uninstalled")  # the shop may be gone when the request comes
    assert set(subscribed_topics()) - {"customers/redact", "shop/redact"} <= set(a.sent)
    before = find(_engine(app), a.markers.values())
    assert {table for table, _column, _what in before} >= EXPECTED, before
    assert {what for *_, what in before} == set(a.markers.values().keys()), before
    b_rows = shop_rows(_engine(app), b.shop.id)
    customer_pk = _customer_pk(db, a)
    friends_before = [f.id for f in db.exec(select(LineFriend).where(LineFriend.customer_id == customer_pk))]
    assert rows_referencing(_engine(app), a.shop.id, {"friend_id": friends_before[0]}, {})["back_in_stock_requests"]
    assert rows_referencing(_engine(app), a.shop.id, {"customer_id": customer_pk}, {})["product_views"]

    a.webhook("customers/redact", body_for("customers/redact", a.markers, a.domain))

    assert find(_engine(app), a.markers.values()) == []
    # No column points at them any more; only the privacy requests keep Shopify's id.
    ids = {"customer_id": customer_pk, "customer_shopify_id": a.markers.customer_id}
    assert set(rows_referencing(_engine(app), a.shop.id, ids, {})) == {"compliance_requests"}
    # The (now anonymous) friend keeps no trace of what they asked for.
    assert (
        rows_referencing(_engine(app), a.shop.id, {"friend_id": friends_before[0]}, {}).get("back_in_stock_requests")
        is None
    )
    assert shop_rows(_engine(app), b.shop.id) == b_rows
    assert find(_engine(app), b.markers.values())  # the other shop's shopper is all there
    fresh(db)
    [redact] = db.exec(select(WebhookEvent).where(WebhookEvent.topic == "customers/redact")).all()
    assert redact.status == WebhookStatus.PROCESSED and redact.body_trimmed_at is not None
    # Figures stay right: the friend is still counted, under a placeholder id.
    friends = db.exec(select(LineFriend).where(LineFriend.shop_id == a.shop.id)).all()
    assert [(f.line_user_id.startswith("erased-"), f.customer_id, f.followed_at is not None) for f in friends] == [
        (True, None, True)
    ]


def test_shop_redact_removes_every_row_of_the_shop_and_nothing_else(app, db, shop_a_story, shop_b_story):
    a, b = shop_a_story, shop_b_story
    a.tell(login=True)
    b.tell(login=False)
    b_rows = shop_rows(_engine(app), b.shop.id)
    assert sum(len(rows) for rows in shop_rows(_engine(app), a.shop.id).values()) > 50

    a.webhook("shop/redact")

    left = {table: rows for table, rows in shop_rows(_engine(app), a.shop.id).items() if rows}
    assert left == {}
    assert find(_engine(app), a.markers.values()) == []
    assert shop_rows(_engine(app), b.shop.id) == b_rows


def test_every_subscribed_topic_has_a_body_in_the_story():
    """A topic added to shopify.app.toml needs a fixture (or a rule in body_for)."""
    markers = Markers.new(1)
    for topic in subscribed_topics():
        assert isinstance(body_for(topic, markers, "x.myshopify.com"), dict), topic
