"""The shop's policies kept locally: read from Shopify at install and after shop/update by
the worker (never inside a write transaction), stored exactly once per type, a removed one
removed; a failed or malformed read is retried later and keeps what was held; a crash
mid-refresh leaves the shop due; an update that arrives during a read has it read again."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlmodel import select

from app import ext
from app.demo.policies import demo_policies
from app.demo.shopify_segments import GraphQLErrors
from app.models import Shop, ShopPolicy, WebhookEvent, WebhookStatus
from app.shopify import queries
from app.sync import policies as sync_policies
from app.timeutil import utcnow
from tests.fakes.shopify_schema import as_shopify_answers
from tests.helpers import fresh, make_shop, rows

TOKEN = "shpat_policies"
SHOP = "test-shop.myshopify.com"
POLICIES = [
    {
        "type": "SHIPPING_POLICY",
        "title": "配送ポリシー",
        "body": "<p>送料は全国一律600円です。</p>",
        "url": f"https://{SHOP}/policies/shipping-policy",
        "updatedAt": "2026-11-01T00:00:00Z",
    },
    {
        "type": "REFUND_POLICY",
        "title": "返品ポリシー",
        "body": "<p>到着後7日以内の返品を承ります。</p>",
        "url": f"https://{SHOP}/policies/refund-policy",
        "updatedAt": "2026-11-01T00:00:00Z",
    },
    {
        "type": "CONTACT_INFORMATION",
        "title": "お問い合わせ",
        "body": "<p>営業時間 10:00〜17:00</p>",
        "url": f"https://{SHOP}/policies/contact-information",
        "updatedAt": "2026-11-01T00:00:00Z",
    },
]


@pytest.fixture
def shop(db, app, fake_shopify):
    row = make_shop(
        db, access_token_enc=ext.vault(app).encrypt(TOKEN), access_token_expires_at=utcnow() + timedelta(hours=1)
    )
    fake_shopify.access_tokens[TOKEN] = "test-shop"
    fake_shopify.policies["test-shop"] = copy.deepcopy(POLICIES)
    return row


def refresh(app, now=None) -> dict:
    with app.app_context():
        return sync_policies.refresh_due_policies(engine=ext.engine(app), now=now or utcnow())


def shop_update(send_webhook, payload, **kwargs):
    body = {**copy.deepcopy(payload("app_uninstalled")), "myshopify_domain": SHOP, "domain": "shop.example.jp"}
    return send_webhook("shop/update", body, **kwargs)


def held(db) -> dict[str, ShopPolicy]:
    return {p.type: p for p in rows(db, ShopPolicy)}


def due_at(db):
    fresh(db)
    return db.exec(select(Shop.policies_due_at)).one()


def policy_calls(fake_shopify) -> int:
    return sum(r.body.get("query", "").strip() == queries.SHOP_POLICIES.strip() for r in fake_shopify.requests)


def test_the_document_and_the_fakes_answers_are_shopifys():
    as_shopify_answers(queries.SHOP_POLICIES, {}, {"shop": {"shopPolicies": POLICIES}})
    as_shopify_answers(queries.SHOP_POLICIES, {}, {"shop": {"shopPolicies": demo_policies()}})


def test_shop_update_has_the_worker_read_the_policies_again(send_webhook, payload, app, db, shop, fake_shopify):
    assert refresh(app) == {} and policy_calls(fake_shopify) == 0  # nothing due, Shopify not asked

    assert shop_update(send_webhook, payload).status_code == 200
    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.PROCESSED and due_at(db) is not None

    assert refresh(app) == {"stored": 1}
    stored = held(db)
    assert set(stored) == {"SHIPPING_POLICY", "REFUND_POLICY", "CONTACT_INFORMATION"}
    assert stored["SHIPPING_POLICY"].url == f"https://{SHOP}/policies/shipping-policy"
    assert stored["SHIPPING_POLICY"].body == "<p>送料は全国一律600円です。</p>"
    assert due_at(db) is None and refresh(app) == {} and policy_calls(fake_shopify) == 1

    # The merchant rewrites the shipping policy and removes the contact page.
    fake_shopify.policies["test-shop"] = [{**POLICIES[0], "body": "<p>送料は全国一律800円です。</p>"}, POLICIES[1]]
    shop_update(send_webhook, payload)
    assert refresh(app) == {"stored": 1}
    stored = held(db)
    assert set(stored) == {"SHIPPING_POLICY", "REFUND_POLICY"}
    assert stored["SHIPPING_POLICY"].body == "<p>送料は全国一律800円です。</p>"
    assert len(rows(db, ShopPolicy)) == 2  # updated in place, never a second row per type


def test_install_reads_the_policies(client, fake_shopify, db, app):
    from tests.shopify.test_auth import app_home

    fake_shopify.policies["test-shop"] = copy.deepcopy(POLICIES)
    assert app_home(client, fake_shopify).status_code == 200
    assert due_at(db) is not None

    assert refresh(app) == {"stored": 1}
    assert set(held(db)) == {"SHIPPING_POLICY", "REFUND_POLICY", "CONTACT_INFORMATION"}


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"myshopify_domain": "other-shop.myshopify.com"}'],
    ids=["not-json", "not-an-object", "another-shop"],
)
def test_a_bad_shop_update_is_kept_and_does_nothing(send_webhook, app, db, shop, body):
    response = send_webhook("shop/update", body=body)

    assert response.status_code == 200
    [event] = rows(db, WebhookEvent)
    assert event.status in (WebhookStatus.FAILED, WebhookStatus.REFUSED) and event.next_attempt_at is None
    assert due_at(db) is None and refresh(app) == {}


def test_a_failed_read_keeps_what_was_held_and_is_retried_later(app, db, shop, fake_shopify):
    db.add(ShopPolicy(shop_id=shop.id, type="SHIPPING_POLICY", title="旧", body="<p>旧</p>", url="https://x/p"))
    shop.policies_due_at = utcnow()
    db.add(shop)
    db.commit()

    def refuse(_variables):
        raise GraphQLErrors([{"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}])

    fake_shopify.resolvers[queries.SHOP_POLICIES.strip()] = refuse
    now = utcnow()
    assert refresh(app, now) == {"failed": 1}
    assert [p.title for p in rows(db, ShopPolicy)] == ["旧"]
    assert due_at(db) > now + timedelta(minutes=9)
    assert refresh(app, now + timedelta(minutes=1)) == {}  # not before its time

    del fake_shopify.resolvers[queries.SHOP_POLICIES.strip()]
    assert refresh(app, now + timedelta(minutes=11)) == {"stored": 1}
    assert set(held(db)) == {"SHIPPING_POLICY", "REFUND_POLICY", "CONTACT_INFORMATION"}
    assert held(db)["SHIPPING_POLICY"].title == "配送ポリシー" and due_at(db) is None


def test_a_malformed_answer_keeps_what_was_held_and_bad_items_are_skipped(app, db, shop, fake_shopify):
    shop.policies_due_at = utcnow()
    db.add(shop)
    db.commit()
    document = queries.SHOP_POLICIES.strip()
    fake_shopify.resolvers[document] = lambda _v: {"shop": {"shopPolicies": "none"}}
    assert refresh(app) == {"failed": 1} and rows(db, ShopPolicy) == []

    weird = [None, "x", {"type": "NO_SUCH_POLICY", "body": "<p>?</p>"}, {**POLICIES[0], "url": "javascript:alert(1)"}]
    fake_shopify.resolvers[document] = lambda _v: {"shop": {"shopPolicies": [*weird, POLICIES[1]]}}
    assert refresh(app, utcnow() + timedelta(minutes=11)) == {"stored": 1}
    stored = held(db)
    assert set(stored) == {"SHIPPING_POLICY", "REFUND_POLICY"}
    assert stored["SHIPPING_POLICY"].url == ""  # never a link to anything but a web page


def test_a_crash_while_storing_leaves_the_shop_due_and_the_next_run_stores_once(app, db, shop, monkeypatch):
    shop.policies_due_at = utcnow()
    db.add(shop)
    db.commit()
    real = sync_policies.store_policies

    def crash(**kwargs):
        real(**kwargs)
        raise RuntimeError("worker killed mid-refresh")

    monkeypatch.setattr(sync_policies, "store_policies", crash)
    with pytest.raises(RuntimeError):
        refresh(app)
    assert rows(db, ShopPolicy) == [] and due_at(db) is not None  # rolled back, still due

    monkeypatch.setattr(sync_policies, "store_policies", real)
    assert refresh(app) == {"stored": 1}
    assert len(rows(db, ShopPolicy)) == 3 and due_at(db) is None


def test_an_update_during_the_read_has_it_read_again(app, db, shop, fake_shopify):
    shop.policies_due_at = utcnow() - timedelta(seconds=5)
    db.add(shop)
    db.commit()
    document = queries.SHOP_POLICIES.strip()

    def answer_while_an_update_arrives(_variables):
        from sqlmodel import Session

        with Session(ext.engine(app)) as other:  # another worker records a shop/update meanwhile
            row = other.get(Shop, shop.id)
            row.policies_due_at = utcnow()
            other.add(row)
            other.commit()
        return {"shop": {"shopPolicies": POLICIES[:1]}}

    fake_shopify.resolvers[document] = answer_while_an_update_arrives
    assert refresh(app) == {"stored": 1}
    assert set(held(db)) == {"SHIPPING_POLICY"} and due_at(db) is not None  # read again next run

    del fake_shopify.resolvers[document]
    assert refresh(app) == {"stored": 1}
    assert len(held(db)) == 3 and due_at(db) is None


def test_an_uninstalled_shop_is_not_asked(app, db, shop, fake_shopify):
    shop.policies_due_at, shop.uninstalled_at = utcnow(), utcnow()
    db.add(shop)
    db.commit()

    assert refresh(app) == {"skipped": 1}
    assert policy_calls(fake_shopify) == 0 and due_at(db) is None
