"""The demo's Shopify is a fake at the HTTP boundary: production code takes its ordinary path
for the demo shop (offline token, bulk catalog sync, discount codes, `line-linked` tags),
and every answer has the shape Shopify's schema gives it."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from app import ext
from app.demo.catalog import DEMO_SHOP_DOMAIN, DEMO_SHOP_NAME, demo_products
from app.demo.shopify_fake import DEMO_ACCESS_TOKEN, DemoShopify
from app.flows.discounts import code_for, prepare
from app.flows.registry import Flow
from app.line.customer_links import unlink
from app.models import (
    CatalogSync,
    Customer,
    LineFriend,
    Notification,
    NotificationStatus,
    Product,
    ProductVariant,
    Shop,
)
from app.shopify import queries
from app.shopify.client import AdminClient, ShopifyError, for_shop
from app.shopify.http import shared_client
from app.shopify.sdk import shopify_app
from app.sync.catalog import advance_syncs
from app.sync.shop import refresh_shop_details
from app.sync.tags import TAG, sync_line_tags
from app.timeutil import utcnow
from tests.fakes.shopify_schema import as_shopify_answers, bulk_lines_as_shopify_answers
from tests.helpers import count, rows

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}
TEN_PERCENT = {"type": "percentage", "value": 10, "expires_days": 7}


def demo_shop(db) -> Shop:
    db.expire_all()
    return db.exec(select(Shop).where(Shop.domain == DEMO_SHOP_DOMAIN)).one()


def answered(fake: DemoShopify, document: str) -> list:
    return [call for call in fake.calls if call.document == document]


def all_shopify_shaped(fake: DemoShopify) -> None:
    for call in fake.calls:
        as_shopify_answers(call.document, call.variables, call.data)


def test_the_seeded_catalog_comes_through_a_bulk_operation_on_the_fake(app, db, seeded):
    products = demo_products()
    [sync] = rows(db, CatalogSync)
    assert (sync.status, sync.trigger, sync.bulk_operation_id) == ("completed", "demo", "gid://shopify/BulkOperation/1")
    assert sync.total == sync.done == len(products) == count(db, Product) == 240
    assert count(db, ProductVariant) == sum(len(p["variants"]) for p in products)
    assert [len(answered(seeded, q)) for q in (queries.PRODUCTS_COUNT, queries.BULK_RUN, queries.BULK_STATUS)] == [
        1,
        1,
        1,
    ]
    shop = demo_shop(db)
    assert shop.is_installed and shop.access_token_expires_at is None and shop.refresh_token_enc is None
    assert ext.vault(app).decrypt(shop.access_token_enc) == DEMO_ACCESS_TOKEN
    all_shopify_shaped(seeded)


def test_the_bulk_jsonl_is_the_catalog_in_shopifys_shape(app, seeded):
    [status] = answered(seeded, queries.BULK_STATUS)
    with app.app_context():
        response = shared_client().get(status.data["node"]["url"])

    assert response.status_code == 200 and response.headers["Content-Type"] == "application/jsonl"
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == int(status.data["node"]["objectCount"]) and lines[0]["title"]
    bulk_lines_as_shopify_answers(lines)


def test_sync_now_in_the_admin_runs_a_bulk_operation_on_the_fake(app, db, seeded):
    before = {p.shopify_id: p.title for p in rows(db, Product)}
    # The page's button: a same-origin fetch with no body.
    own_page = {"Sec-Fetch-Site": "same-origin"}
    response = app.test_client().post("/api/catalog/sync", environ_base=LOCAL, headers=own_page)
    assert response.status_code == 202, response.get_data(as_text=True)

    engine = ext.engine(app)
    with app.app_context():
        steps = [advance_syncs(engine=engine, now=utcnow()) for _ in range(3)]

    assert steps == [{"running": 1}, {"completed": 1}, {}]  # the worker's job, run by hand
    latest = rows(db, CatalogSync, CatalogSync.trigger == "manual")[0]
    assert (latest.status, latest.total, latest.done, latest.removed) == ("completed", 240, 240, 0)
    assert {p.shopify_id: p.title for p in rows(db, Product)} == before
    assert len(answered(seeded, queries.BULK_RUN)) == 2
    all_shopify_shaped(seeded)


def test_a_reminders_discount_code_is_created_on_the_fake_once(app, db, seeded):
    shop = demo_shop(db)
    steps = [{"delay_min": 60, "discount": TEN_PERCENT}, {"delay_min": 23 * 60, "discount": None}]
    flows = {**shop.settings["flows"], Flow.ABANDONED_CHECKOUT.value: {"steps": steps}}
    shop.settings = {**shop.settings, "flows": flows}
    db.add(shop)
    db.commit()
    assert app.test_cli_runner().invoke(args=["simulate", "abandon-checkout"]).exit_code == 0
    [step] = rows(
        db,
        Notification,
        Notification.flow == Flow.ABANDONED_CHECKOUT,
        Notification.step == 0,
        Notification.status == NotificationStatus.SCHEDULED,
    )
    customer = db.get(Customer, step.customer_id)
    shop = db.get(Shop, step.shop_id)
    for detached in (step, shop):  # the dispatcher's copies, read in a transaction now over
        db.expunge(detached)
    db.rollback()

    with app.app_context():
        messages = prepare(ext.engine(app), step, shop, utcnow())
        step.context = {**step.context, "discount_issued": {**step.context["discount_issued"], "created": False}}
        again = prepare(ext.engine(app), step, shop, utcnow())  # a retry after a crash

    code = code_for(step.id)
    assert code in json.dumps(messages, ensure_ascii=False) and again == messages
    assert list(seeded.discount_codes) == [code]
    created = seeded.discount_codes[code]
    assert created["context"] == {"customers": {"add": [f"gid://shopify/Customer/{customer.shopify_id}"]}}
    assert created["customerGets"]["value"] == {"percentage": 0.1} and created["usageLimit"] == 1
    [first, retry] = answered(seeded, queries.DISCOUNT_CREATE)
    assert retry.data["discountCodeBasicCreate"]["userErrors"][0]["code"] == "TAKEN"
    all_shopify_shaped(seeded)


def test_the_line_linked_tag_follows_links_on_the_fake(app, db, seeded):
    linked = {
        c.id: f"gid://shopify/Customer/{c.shopify_id}"
        for c in rows(db, Customer, Customer.line_tag_due_at.is_not(None))
    }
    later = utcnow() + timedelta(seconds=1)
    with app.app_context():
        first = sync_line_tags(session=db, now=later)
    assert first == {"added": len(linked), "removed": 0, "skipped": 0, "failed": 0} and len(linked) == 35
    assert {gid for gid, tags in seeded.tags.items() if TAG in tags} == set(linked.values())

    friend = rows(db, LineFriend, LineFriend.customer_id.is_not(None))[0]
    customer_id = friend.customer_id
    unlink(session=db, shop=demo_shop(db), friend=friend, method="merchant", actor="test")
    db.commit()
    with app.app_context():
        second = sync_line_tags(session=db, now=utcnow() + timedelta(seconds=2))

    assert second == {"added": 0, "removed": 1, "skipped": 0, "failed": 0}
    assert seeded.tags[linked[customer_id]] == set()
    assert rows(db, Customer, Customer.line_tag_due_at.is_not(None)) == []
    all_shopify_shaped(seeded)


def test_the_fake_knows_the_shop_and_refuses_what_shopify_would(app, db, seeded):
    with app.app_context():
        shop = demo_shop(db)
        shop.name = "?"
        assert refresh_shop_details(client=for_shop(shop), shop=shop) and shop.name == DEMO_SHOP_NAME
        stranger = AdminClient(
            app=shopify_app(),
            http=shared_client(),
            shop_domain=DEMO_SHOP_DOMAIN,
            access_token="shpat_wrong",
            api_version="2026-10",
        )
        with pytest.raises(ShopifyError):
            stranger.query(queries.SHOP_DETAILS)
        with pytest.raises(ShopifyError, match="does not answer"):
            for_shop(shop).query("query Unknown { shop { id } }")
        elsewhere = shared_client().get("https://other-shop.myshopify.com/admin/api/2026-10/graphql.json")
        tagging_a_stranger = for_shop(shop).query(queries.TAGS_ADD, {"id": "gid://shopify/Customer/1", "tags": [TAG]})

    assert elsewhere.status_code == 404  # nothing reaches past the fake
    assert tagging_a_stranger["tagsAdd"]["userErrors"][0]["field"] == ["id"]
    all_shopify_shaped(seeded)


def test_the_fake_answers_without_the_network():
    client = httpx.Client(transport=DemoShopify())
    assert client.get("https://example.com/").status_code == 404


def test_the_demo_store_has_shopify_segments_with_linked_members(app, db, seeded):
    from app.audiences.shopify_segments import linked_count, list_segments, members

    shop = demo_shop(db)
    with app.app_context():
        listed = list_segments(shop)
        counts = {name: linked_count(session=db, shop=shop, segment_id=gid) for gid, name in listed}
        vip = list(members(shop, listed[0][0]))

    assert [name for _gid, name in listed] == ["VIP のお客様", "リピーター", "メルマガ購読中のお客様"]
    customers = {c.shopify_id for c in rows(db, Customer)}
    assert vip and set(vip) <= customers  # members are the demo's customers, by their Shopify id
    assert all(0 < c.members < 50 for c in counts.values())
    assert any(c.linked for c in counts.values())  # some members are linked LINE friends
    assert answered(seeded, queries.SEGMENTS) and answered(seeded, queries.SEGMENT_MEMBERS)
    all_shopify_shaped(seeded)
