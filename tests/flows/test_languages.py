"""Flow messages in the shopper's language: an English-speaking friend reads English with
no stray Japanese around the store's own data, and a merchant's saved texts survive."""

from __future__ import annotations

import re

import pytest

from app.flows import recipients, templates
from app.line import texts
from app.models import Customer
from tests.helpers import make_shop
from tests.plugins.flows import CUSTOMER_ID

LATER = "2026-11-25T01:30:00+00:00"  # step 1 of the fixture checkout is due 01:12 UTC
NIGHT = "2026-11-25T14:00:00+00:00"  # 23:00 in Tokyo: only transactional messages go
# What the store itself wrote (product, carrier, customer and shop names) may be Japanese.
DATA = ("静岡 深蒸し煎茶", "有田焼 マグカップ", "山田 花子", "ヤマト運輸", "テストショップ")
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff9f]")


def strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for key, value in node.items() if key not in ("uri", "data") for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return [node] if isinstance(node, str) else []


def stray_japanese(messages: list[dict]) -> list[str]:
    found = []
    for text in strings(messages):
        for data in DATA:
            text = text.replace(data, "")
        if JAPANESE.search(text):
            found.append(text)
    return found


@pytest.fixture
def english(db, friend):
    friend.language = "en"
    db.add(friend)
    db.commit()
    return friend


def test_an_english_checkout_reminder_is_english_around_the_data(
    db, english, send_webhook, payload, dispatch, fake_line
):
    send_webhook("checkouts/create", payload("checkouts_create"))
    dispatch(LATER)

    [push] = fake_line.pushes()
    intro, card = push.messages
    assert intro["text"].startswith("山田 花子, you left something")
    assert stray_japanese(push.messages) == []
    assert "静岡 深蒸し煎茶 (100g)" in card["altText"] and "Total" in card["altText"]
    assert card["contents"]["footer"]["contents"][0]["action"]["label"] == "Resume checkout"


def test_an_english_order_confirmation_and_shipping_update(
    db, english, send_webhook, payload, payload_copy, dispatch, fake_line
):
    send_webhook("orders/create", payload("orders_create"))
    dispatch(NIGHT)
    send_webhook("fulfillments/create", payload_copy("fulfillments_create", tracking_numbers=["4012-1", "4012-2"]))
    dispatch()

    confirmation, shipped = fake_line.pushes()
    assert "Order received" in confirmation.messages[1]["altText"]
    assert "4012-1, 4012-2" in shipped.messages[0]["altText"]
    assert stray_japanese(confirmation.messages + shipped.messages) == []


def test_a_japanese_shipping_update_lists_tracking_numbers_the_japanese_way(
    db, friend, send_webhook, payload, payload_copy, dispatch, fake_line
):
    send_webhook("orders/create", payload("orders_create"))
    dispatch(NIGHT)
    send_webhook("fulfillments/create", payload_copy("fulfillments_create", tracking_numbers=["4012-1", "4012-2"]))
    dispatch()

    assert "4012-1、4012-2" in fake_line.pushes()[-1].messages[0]["altText"]


@pytest.mark.parametrize(("language", "name"), [("en", "there"), ("ja", "お客")])
def test_a_nameless_customer_is_named_in_the_shoppers_language(db, app, shop, friend, language, name):
    customer = db.get(Customer, friend.customer_id)
    customer.first_name = customer.last_name = None
    friend.display_name, friend.language = None, language
    db.add_all([customer, friend])
    db.commit()

    recipient = recipients.linked(session=db, shop=shop, customer_shopify_id=CUSTOMER_ID)

    assert (recipient.lang, recipient.name) == (language, name)


def test_merchants_saved_flow_texts_are_read_under_their_old_keys(db):
    shop = make_shop(
        db,
        settings={
            "line_texts": {
                "flow:order_confirmation": {"ja": "{customer_name}様、毎度ありがとうございます"},
                "flow:shipping_update:shipped": {"en": "On its way: {order_name}"},
            }
        },
    )
    assert (
        templates.render(shop, "order_confirmation", "ja", {"customer_name": "花子"})
        == "花子様、毎度ありがとうございます"
    )
    assert templates.render(shop, "order_confirmation", "en", {"customer_name": "Emma"}).startswith("Thank you, Emma")
    assert templates.render(shop, "shipping_update:shipped", "en", {"order_name": "#1"}) == "On its way: #1"
    edited = texts.template(shop, "flow:shipping_update:shipped", "en")  # the saved key is accepted too
    assert edited == texts.template(shop, "flows.template.shipping_update.shipped", "en") == "On its way: {order_name}"
    assert templates.DEFAULTS["order_confirmation"]["ja"].startswith("{customer_name}様")
