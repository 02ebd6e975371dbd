"""Flows editor API: whole-flow validation with errors by field (nothing half-saves), saving
changes what flows then schedule, the preview is the flow's own message, test sends reach
LINE with a fresh retry key, and every call stays in its shop."""

from __future__ import annotations

import uuid

import pytest

from app import ext
from app.flows.config import flow_settings
from app.models import LineDryRun, Notification, Shop
from tests.helpers import count, make_shop, rows
from tests.plugins.flows import notes
from tests.plugins.search import product

LATER = "2026-11-25T01:30:00+00:00"  # the fixture checkout was updated 00:12 UTC


@pytest.fixture
def api(client, fake_shopify):
    def call(method: str, path: str, body: dict | None = None, shop: str = "test-shop"):
        return client.open(
            path,
            method=method,
            json=body if body is not None else {},
            headers={"Authorization": f"Bearer {fake_shopify.session_token(shop)}"},
        )

    return call


def stored(db, shop_id: int) -> Shop:
    return rows(db, Shop, Shop.id == shop_id)[0]


def test_flows_are_listed_with_settings_texts_and_variables(api, shop):
    flows = {f["flow"]: f for f in api("GET", "/api/flows").get_json()["flows"]}

    assert set(flows) == {
        "abandoned_checkout",
        "abandoned_cart",
        "order_confirmation",
        "shipping_update",
        "after_delivery",
        "repurchase",
        "back_in_stock",
        "browse_abandonment",
        "shopify_flow",
    }
    assert flows["browse_abandonment"]["settings"] == {"enabled": True, "delay_hours": 4}
    assert {"product_title", "items"} <= set(flows["browse_abandonment"]["variables"])
    assert flows["browse_abandonment"]["marketing"] is True
    assert flows["shopify_flow"]["variables"] == ["customer_name", "shop_name", "message"]
    assert flows["back_in_stock"]["settings"] == {"enabled": True, "factor": 3, "expiry_days": 90}
    assert "product_title" in flows["back_in_stock"]["variables"]
    checkout = flows["abandoned_checkout"]
    assert checkout["settings"]["steps"][0] == {"delay_min": 60, "discount": None}
    assert checkout["variables"][:2] == ["customer_name", "shop_name"] and "discount_code" in checkout["variables"]
    assert checkout["templates"]["abandoned_checkout"]["ja"].startswith("{customer_name}様")
    assert len(flows["shipping_update"]["templates"]) == 5  # one per status
    one = api("GET", "/api/flows/shipping_update").get_json()["flow"]
    assert one["templates"]["shipping_update:delivered"]["en"].startswith("Your order {order_name}")
    assert api("GET", "/api/flows/no_such_flow").status_code == 404


def test_each_kind_of_error_is_named_by_field_and_nothing_is_saved(api, shop, db):
    before = dict(stored(db, shop.id).settings or {})
    response = api(
        "PUT",
        "/api/flows/abandoned_checkout",
        {
            "settings": {
                "enabled": True,
                "min_total": "abc",
                "skip_if_ordered_within_h": 24,
                "steps": [
                    {"delay_min": 0},
                    {"delay_min": 90, "discount": {"type": "percentage", "value": 95, "expires_days": 40}},
                    {"delay_min": 60, "discount": {"type": "bogo", "value": 1, "expires_days": 1}},
                ],
            },
            "templates": {"abandoned_checkout": {"ja": "{nope}様、こんにちは", "en": "Hi {customer_name"}},
        },
    )

    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {
        "min_total",
        "steps.0.delay_min",
        "steps.1.discount.value",
        "steps.1.discount.expires_days",
        "steps.2.delay_min",
        "steps.2.discount.type",
        "templates.abandoned_checkout.ja",
        "templates.abandoned_checkout.en",
    }
    assert "{nope}" in errors["templates.abandoned_checkout.ja"]
    assert "1〜90" in errors["steps.1.discount.value"]
    assert "波かっこ" in errors["templates.abandoned_checkout.en"]
    assert "前の配信より後" in errors["steps.2.delay_min"]
    assert (stored(db, shop.id).settings or {}) == before


@pytest.mark.parametrize(
    "flow, body, field",
    [
        (
            "after_delivery",
            {"settings": {"enabled": True, "delay_days": 7, "review_url": "http://example.jp/review"}},
            "review_url",
        ),
        ("after_delivery", {"settings": {"enabled": True, "delay_days": 0}}, "delay_days"),
        (
            "repurchase",
            {"settings": {"enabled": True, "cycles": {"types": [{"name": "お茶", "days": 400}]}}},
            "cycles.types.0.days",
        ),
        ("repurchase", {"settings": {"enabled": True, "cycles": {"tags": {"": 30}}}}, "cycles.tags.0.name"),
        ("abandoned_cart", {"settings": {"enabled": True, "steps": [{"delay_min": 60}] * 4}}, "steps"),
        ("shipping_update", {"settings": {"enabled": True, "statuses": {"delivered": "yes"}}}, "statuses.delivered"),
        ("order_confirmation", {"settings": {"enabled": "yes"}}, "enabled"),
        ("back_in_stock", {"settings": {"enabled": True, "factor": 0}}, "factor"),
        ("back_in_stock", {"settings": {"enabled": True, "expiry_days": 400}}, "expiry_days"),
        ("browse_abandonment", {"settings": {"enabled": True, "delay_hours": 0}}, "delay_hours"),
        ("browse_abandonment", {"settings": {"enabled": True, "delay_hours": "soon"}}, "delay_hours"),
        (
            "order_confirmation",
            {"templates": {"order_confirmation": {"ja": "   ", "en": "Thanks"}}},
            "templates.order_confirmation.ja",
        ),
    ],
)
def test_invalid_options_are_refused(api, shop, db, flow, body, field):
    response = api("PUT", f"/api/flows/{flow}", body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert (stored(db, shop.id).settings or {}) == {}


def test_back_in_stock_options_are_saved(api, shop, db):
    response = api("PUT", "/api/flows/back_in_stock", {"settings": {"enabled": True, "factor": 5, "expiry_days": 30}})
    assert response.status_code == 200, response.get_json()
    assert stored(db, shop.id).settings["flows"]["back_in_stock"] == {"enabled": True, "factor": 5, "expiry_days": 30}


def test_browse_abandonment_delay_is_saved(api, shop, db):
    response = api("PUT", "/api/flows/browse_abandonment", {"settings": {"enabled": True, "delay_hours": 6}})
    assert response.status_code == 200, response.get_json()
    assert stored(db, shop.id).settings["flows"]["browse_abandonment"] == {"enabled": True, "delay_hours": 6}


def test_line_limits_count_the_filled_in_variables(api, shop, db):
    long_alt = "ご来店ありがとうございます。" * 115  # 1,610 characters: fine as a text, too long as altText
    many_items = "{items}" * 285  # 1,995 characters written, over 5,000 once the items are filled in
    response = api(
        "PUT",
        "/api/flows/abandoned_checkout",
        {"templates": {"abandoned_checkout": {"ja": long_alt, "en": many_items}}},
    )

    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "1,500" in errors["templates.abandoned_checkout.ja"]
    assert "5,000" in errors["templates.abandoned_checkout.en"]
    preview = api(
        "POST",
        "/api/flows/abandoned_checkout/preview",
        {"template_key": "abandoned_checkout", "lang": "ja", "text": long_alt},
    )
    assert preview.status_code == 422 and "1,500" in preview.get_json()["errors"]["text"]
    assert (stored(db, shop.id).settings or {}) == {}


def test_saved_timing_and_text_are_what_the_next_reminder_uses(
    api, db, friend, send_webhook, payload, dispatch, fake_line
):
    saved = api(
        "PUT",
        "/api/flows/abandoned_checkout",
        {
            "settings": {
                "enabled": True,
                "min_total": 0,
                "skip_if_ordered_within_h": 24,
                "steps": [{"delay_min": 30, "discount": None}],
            },
            "templates": {
                "abandoned_checkout": {
                    "ja": "{customer_name}様、{shop_name}です。カゴの中身をお忘れなく！",
                    "en": "Hi {customer_name}!",
                }
            },
        },
    )
    assert saved.status_code == 200 and saved.get_json()["flow"]["settings"]["steps"] == [
        {"delay_min": 30, "discount": None}
    ]

    send_webhook("checkouts/create", payload("checkouts_create"))
    [reminder] = notes(db)
    assert reminder.due_at.isoformat().startswith("2026-11-25T00:42")  # 00:12 + 30 minutes, one step only
    assert dispatch(LATER) == {"sent": 1}
    assert fake_line.pushes()[0].messages[0]["text"] == "山田 花子様、テストショップです。カゴの中身をお忘れなく！"


def test_a_text_equal_to_the_default_is_not_stored(api, shop, db):
    flow = api("GET", "/api/flows/repurchase").get_json()["flow"]
    assert (
        api(
            "PUT",
            "/api/flows/repurchase",
            {
                "settings": flow["settings"],
                "templates": {
                    "repurchase": {"ja": flow["defaults"]["repurchase"]["ja"], "en": "Time for more {product_title}?"}
                },
            },
        ).status_code
        == 200
    )
    texts = stored(db, shop.id).settings["line_texts"]
    assert texts["flow:repurchase"] == {"en": "Time for more {product_title}?"}


def test_switching_a_flow_off_stops_it_at_once(api, db, friend, send_webhook, payload):
    assert api("PUT", "/api/flows/abandoned_checkout/enabled", {"enabled": "no"}).status_code == 422
    response = api("PUT", "/api/flows/abandoned_checkout/enabled", {"enabled": False})
    assert response.get_json() == {"ok": True, "errors": {}, "message": "", "enabled": False}
    assert flow_settings(stored(db, friend.shop_id), "abandoned_checkout")["steps"][0]["delay_min"] == 60  # kept

    send_webhook("checkouts/create", payload("checkouts_create"))
    assert notes(db) == []


def test_preview_is_the_message_the_flow_schedules(api, db, friend, send_webhook, payload):
    send_webhook("orders/create", payload("orders_create"))
    send_webhook("fulfillments/create", payload("fulfillments_create"))
    scheduled = {n.flow + str(n.step): n.messages for n in notes(db)}
    order_text = "{customer_name}様、{order_name} のご注文ありがとうございます！"

    confirmation = api(
        "POST", "/api/flows/order_confirmation/preview", {"template_key": "order_confirmation", "lang": "ja"}
    ).get_json()["messages"]
    shipped = api(
        "POST", "/api/flows/shipping_update/preview", {"template_key": "shipping_update:shipped", "lang": "ja"}
    ).get_json()["messages"]
    edited = api(
        "POST",
        "/api/flows/order_confirmation/preview",
        {"template_key": "order_confirmation", "lang": "ja", "text": order_text},
    ).get_json()["messages"]

    assert confirmation == scheduled["order_confirmation0"]
    assert shipped == scheduled["shipping_update0"]
    assert edited[0]["text"] == "山田 花子様、#1001 のご注文ありがとうございます！" and edited[1] == confirmation[1]


def test_preview_of_a_discount_step_shows_a_sample_code(api, shop):
    body = {
        "template_key": "abandoned_cart",
        "lang": "en",
        "step": 1,
        "text": "Use {discount_code} today",
        "settings": {
            "steps": [
                {"delay_min": 60},
                {"delay_min": 120, "discount": {"type": "percentage", "value": 10, "expires_days": 3}},
            ]
        },
    }
    messages = api("POST", "/api/flows/abandoned_cart/preview", body).get_json()["messages"]
    assert messages[0]["text"] == "Use LINE-SAMPLE01 today"
    assert "LINE-SAMPLE01" in str(messages[1]["contents"]) and "\u27e6" not in str(messages)
    without = api("POST", "/api/flows/abandoned_cart/preview", {**body, "step": 0}).get_json()["messages"]
    assert without[0]["text"] == "Use  today" and "Discount code" not in str(without[1])


def test_preview_refuses_what_cannot_be_sent(api, shop):
    bad = api(
        "POST",
        "/api/flows/repurchase/preview",
        {"template_key": "repurchase", "lang": "ja", "text": "{order_name} はいかが？"},
    )
    assert bad.status_code == 422 and "{order_name}" in bad.get_json()["errors"]["text"]
    wrong_key = api("POST", "/api/flows/repurchase/preview", {"template_key": "order_confirmation", "lang": "fr"})
    assert set(wrong_key.get_json()["errors"]) == {"template_key", "lang"}


def test_json_bodies_only(client, fake_shopify, shop):
    response = client.put(
        "/api/flows/repurchase",
        data="settings=x",
        headers={
            "Authorization": f"Bearer {fake_shopify.session_token('test-shop')}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 415
    expired = fake_shopify.session_token("test-shop", exp_in=-120)
    assert client.get("/api/flows", headers={"Authorization": f"Bearer {expired}"}).status_code == 401


def test_a_test_send_reaches_the_friend_with_the_edited_text(api, db, friend, fake_line):
    response = api(
        "POST",
        "/api/flows/shipping_update/test",
        {
            "friend_id": friend.id,
            "template_key": "shipping_update:out_for_delivery",
            "lang": "ja",
            "text": "{customer_name}様、本日 {order_name} をお届けします（テスト）",
        },
    )

    assert response.status_code == 200 and response.get_json()["dry_run"] is False
    [push] = fake_line.pushes()
    assert push.to == friend.line_user_id
    assert "山田 花子様、本日 #1001 をお届けします（テスト）" in str(push.messages)
    [key] = fake_line.accepted_retry_keys()
    assert uuid.UUID(key)  # a fresh retry key, not a notification's
    assert count(db, Notification) == 0


def test_a_test_send_in_a_dry_run_is_captured(api, app, db, friend, fake_line):
    # A dry run is a setting (the demo's always say so: tests/demo/test_dry_run.py).
    ext.use_settings(app, ext.settings(app).with_(delivery_mode="dry_run"))
    response = api(
        "POST", "/api/flows/repurchase/test", {"friend_id": friend.id, "template_key": "repurchase", "lang": "en"}
    )
    assert response.get_json()["dry_run"] is True
    assert fake_line.pushes() == []
    [captured] = rows(db, LineDryRun)
    assert captured.kind == "push" and "Buy again" in str(captured.body)


def test_another_shops_flows_and_friends_are_out_of_reach(api, db, friend, fake_line):
    other = make_shop(db, domain="other-shop.myshopify.com")
    assert (
        api(
            "PUT",
            "/api/flows/order_confirmation",
            {"templates": {"order_confirmation": {"ja": "他店の文面 {order_name}", "en": "Other {order_name}"}}},
            shop="other-shop",
        ).status_code
        == 200
    )

    mine = api("GET", "/api/flows/order_confirmation").get_json()["flow"]
    assert "他店" not in mine["templates"]["order_confirmation"]["ja"]
    assert (stored(db, friend.shop_id).settings or {}).get("line_texts") is None
    assert "他店" in str(stored(db, other.id).settings)
    sent = api(
        "POST",
        "/api/flows/order_confirmation/test",
        {"friend_id": friend.id, "template_key": "order_confirmation", "lang": "ja"},
        shop="other-shop",
    )
    assert sent.status_code == 404 and fake_line.pushes() == []


def test_browse_abandonment_preview_is_the_reminder_with_the_product_cards(api, shop, catalog):
    catalog(product("手摘み 煎茶", price="1980"))
    preview = api(
        "POST",
        "/api/flows/browse_abandonment/preview",
        {"template_key": "browse_abandonment", "lang": "ja", "text": "{customer_name}様、{product_title} はいかが？"},
    )

    assert preview.status_code == 200, preview.get_json()
    intro, cards = preview.get_json()["messages"]
    assert intro["text"].endswith("はいかが？") and "様、" in intro["text"]
    assert cards["type"] == "flex" and cards["contents"]["type"] == "carousel"
