"""Back in stock from the store's theme block (`POST /proxy/restock`, signed by Shopify's app
proxy): a linked customer gets the chat's request (once per friend and variant) and the
chat's confirmation in LINE, once; an unlinked one is told to link LINE (with the store's
LINE Login link when there is one); a bad signature is 401 and nothing is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.models import BackInStockRequest, Customer, Notification
from app.models import NotificationStatus as St
from app.timeutil import utcnow
from tests.conftest import CLIENT_SECRET
from tests.helpers import count, fresh, proxy_query, rows
from tests.plugins.search import product

PROXY = {"shop": "test-shop.myshopify.com", "path_prefix": "/apps/tsunagu"}
NO_QUIET = {"quiet_start": "00:00", "quiet_end": "00:00"}
UNLINKED = 990000000000001


@pytest.fixture
def tea(db, shop, catalog):
    payload = product("手摘み 煎茶", price="1980", quantity=0)
    catalog(payload)
    shop.settings = {**(shop.settings or {}), "policies": NO_QUIET}
    db.add(shop)
    db.commit()
    return payload


def post(client, variant, customer, *, secret=CLIENT_SECRET, lang="ja"):
    params = {**PROXY, "variant": str(variant), "logged_in_customer_id": str(customer) if customer else ""}
    return client.post(f"/proxy/restock?{proxy_query(params, secret)}", headers={"Accept-Language": lang})


def customer_id(db, friend) -> int:
    return rows(db, Customer, Customer.id == friend.customer_id)[0].shopify_id


def test_a_linked_customer_asks_once_and_is_confirmed_in_line_once(
    client, db, linked_friends, tea, dispatch, fake_line
):
    [friend] = linked_friends(1)
    variant = tea["variants"][0]["id"]

    first = post(client, variant, customer_id(db, friend))
    again = post(client, variant, customer_id(db, friend))

    assert first.status_code == 200 and first.get_json()["status"] == "requested"
    assert "手摘み 煎茶 が再入荷したら LINE でお知らせします" in first.get_json()["message"]
    assert again.get_json()["status"] == "already"
    fresh(db)
    [request] = rows(db, BackInStockRequest)
    assert (request.friend_id, request.variant_shopify_id, request.status) == (friend.id, variant, "waiting")
    [confirmation] = rows(db, Notification)
    assert (confirmation.flow, confirmation.step) == ("back_in_stock", 1)
    assert confirmation.dedupe_key == f"restock:{request.id}:confirmation"

    assert dispatch(utcnow() + timedelta(seconds=1)) == {"sent": 1}
    [push] = fake_line.pushes()
    assert push.to == friend.line_user_id
    assert push.messages[0]["text"] == "手摘み 煎茶 が再入荷したら、このトークでお知らせします。（90日間有効）"
    assert post(client, variant, customer_id(db, friend)).get_json()["status"] == "already"
    assert dispatch(utcnow() + timedelta(minutes=1)) == {}  # nothing more to send
    assert len(fake_line.pushes()) == 1


def test_the_confirmation_is_in_the_friends_language(client, db, linked_friends, tea, dispatch, fake_line, shop):
    shop.settings = {**shop.settings, "line_english": True}
    db.add(shop)
    [friend] = linked_friends(1)
    friend.language = "en"
    db.add(friend)
    db.commit()

    answer = post(client, tea["variants"][0]["id"], customer_id(db, friend), lang="ja").get_json()

    assert answer["message"].startswith("We'll tell you in LINE when 手摘み 煎茶")
    dispatch(utcnow() + timedelta(seconds=1))
    assert fake_line.pushes()[0].messages[0]["text"].startswith("We'll let you know here when 手摘み 煎茶")


def test_an_unlinked_customer_is_told_to_link_with_the_login_link(client, db, login_channel, tea):
    answer = post(client, tea["variants"][0]["id"], UNLINKED)

    body = answer.get_json()
    assert answer.status_code == 200
    assert body["status"] == "unlinked"
    assert body["link_url"] == "https://test-shop.myshopify.com/apps/tsunagu/login"
    assert body["link_label"] == "LINE と連携する"
    assert "LINE と連携してから" in body["message"]
    assert count(db, BackInStockRequest) == 0 and count(db, Notification) == 0


def test_without_line_login_the_unlinked_are_told_to_link_in_the_chat(client, db, channel, linked_friends, tea):
    [friend] = linked_friends(1)
    friend.is_blocked = True  # a blocked friend cannot hear it either
    db.add(friend)
    db.commit()

    body = post(client, tea["variants"][0]["id"], customer_id(db, friend)).get_json()

    assert body["status"] == "unlinked" and "link_url" not in body
    assert "「連携」と送って" in body["message"]
    assert count(db, BackInStockRequest) == 0


@pytest.mark.parametrize("tamper", ["signature", "customer", "old", "other_secret"])
def test_a_bad_signature_is_refused_and_nothing_is_stored(client, db, linked_friends, tea, tamper):
    [friend] = linked_friends(1)
    params = {**PROXY, "variant": str(tea["variants"][0]["id"]), "logged_in_customer_id": str(customer_id(db, friend))}
    if tamper == "old":
        query = proxy_query(params, CLIENT_SECRET, timestamp=1_700_000_000)
    elif tamper == "other_secret":
        query = proxy_query(params, "not-the-secret")
    else:
        query = proxy_query(params, CLIENT_SECRET)
        query = query.replace(str(customer_id(db, friend)), "1") if tamper == "customer" else query[:-3] + "abc"

    response = client.post(f"/proxy/restock?{query}")

    assert response.status_code == 401
    assert count(db, BackInStockRequest) == 0 and count(db, Notification) == 0


def test_unknown_bad_or_available_variants_and_guests_store_nothing(client, db, linked_friends, tea, catalog):
    [friend] = linked_friends(1)
    customer = customer_id(db, friend)
    in_stock = product("八女 玉露", quantity=4)
    catalog(in_stock)

    bad = post(client, "abc", customer)
    unknown = post(client, 123, customer)
    available = post(client, in_stock["variants"][0]["id"], customer)
    guest = post(client, tea["variants"][0]["id"], None)

    assert bad.status_code == 400 and bad.get_json()["status"] == "invalid"
    assert unknown.get_json() == {"status": "unknown", "message": "この商品は現在お取り扱いがありません。"}
    assert available.get_json()["status"] == "in_stock"
    assert guest.status_code == 401 and guest.get_json()["status"] == "login"
    assert count(db, BackInStockRequest) == 0 and count(db, Notification) == 0


def test_the_confirmation_waits_out_quiet_hours(client, db, shop, linked_friends, tea, dispatch, fake_line):
    shop.settings = {**shop.settings, "policies": {"quiet_start": "00:00", "quiet_end": "23:59"}}
    db.add(shop)
    db.commit()
    [friend] = linked_friends(1)
    post(client, tea["variants"][0]["id"], customer_id(db, friend))
    dispatch(utcnow() + timedelta(seconds=1))
    fresh(db)
    [note] = rows(db, Notification)
    assert note.status == St.SCHEDULED and note.due_at > utcnow() + timedelta(seconds=2)  # moved past the quiet hours
    assert note.marketing is False  # asked for: no marketing caps
    assert fake_line.pushes() == []
