"""Customers: search by name, email, phone or LINE name; keyset pages; link state,
opt-out, last message and orders credited to LINE; the detail; the friend picker; other
shops' customers are out of reach; answers match the published schema."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app import ext
from app.models import Attribution, LineFriend, Order
from app.timeutil import utcnow
from tests.helpers import make_shop, rows
from tests.plugins.people import (
    conforms,
    customer,
    friend,
    notification,
)


@pytest.fixture
def shop(db):
    return make_shop(db)


@pytest.fixture
def people(db, shop):
    yamada = customer(
        db,
        shop,
        last_name="山田",
        first_name="花子",
        email="Hanako.Yamada@example.jp",
        phone="+819012345678",
        orders_count=3,
    )
    sato = customer(db, shop, last_name="佐藤", first_name="健", email="ken@example.com", phone="+818055550000")
    tanaka = customer(db, shop, last_name="田中", first_name="一郎", email="ichiro@example.org")
    hana = friend(db, shop, "はな🌸", yamada, marketing_opt_out_at=utcnow())
    friend(db, shop, "けん", sato, is_blocked=True)
    friend(db, shop, "ゆき")  # not linked
    return {"yamada": yamada, "sato": sato, "tanaka": tanaka, "hana": hana}


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    conforms("/api/customers", "get", 200, response.get_json())
    return [c["name"] for c in response.get_json()["customers"]]


@pytest.mark.parametrize(
    "q,expected",
    [
        ("山田", ["山田 花子"]),
        ("花子", ["山田 花子"]),
        ("山田 花", ["山田 花子"]),
        ("田", ["田中 一郎"]),
        ("Hanako.Yamada@", ["山田 花子"]),
        ("Hanako.Yamada@example.jp", ["山田 花子"]),
        ("ken@", ["佐藤 健"]),
        ("KEN@Example", ["佐藤 健"]),  # a lower-case address is found however it is typed
        ("090-1234", ["山田 花子"]),
        ("+8180", ["佐藤 健"]),
        ("はな", ["山田 花子"]),
        ("けん", ["佐藤 健"]),
        ("ゆき", []),
        ("nobody@", []),
        ("50%_", []),
        ("", ["田中 一郎", "佐藤 健", "山田 花子"]),
    ],
)
def test_search_matches_the_beginning_of_a_name_email_phone_or_line_name(api, people, q, expected):
    assert names(api("GET", "/api/customers", query_string={"q": q})) == expected


def test_each_row_shows_link_state_opt_out_last_message_and_credited_orders(api, db, shop, people):
    sent = notification(
        db, shop, friend=people["hana"], customer=people["yamada"], created=utcnow() - timedelta(hours=2)
    )
    notification(db, shop, friend=people["hana"], customer=people["yamada"], status="scheduled")
    for n in (1, 2):
        order = Order(
            shop_id=shop.id,
            shopify_id=500 + n,
            customer_shopify_id=people["yamada"].shopify_id,
            name=f"#100{n}",
            total_price=Decimal(1980),
            processed_at=utcnow(),
        )
        db.add(order)
        db.commit()
        db.add(
            Attribution(
                shop_id=shop.id,
                order_id=order.id,
                notification_id=sent.id,
                flow="order_confirmation",
                kind="click",
                revenue=Decimal(1980),
            )
        )
    db.commit()

    by_name = {c["name"]: c for c in api("GET", "/api/customers").get_json()["customers"]}

    yamada, sato, tanaka = by_name["山田 花子"], by_name["佐藤 健"], by_name["田中 一郎"]
    assert yamada["line"] == {
        "friend_id": people["hana"].id,
        "display_name": "はな🌸",
        "blocked": False,
        "opted_out": True,
        "link_method": "chat",
    }
    assert yamada["last_sent_at"].startswith((sent.sent_at).isoformat()[:19]) and yamada["attributed_orders"] == 2
    assert yamada["email"] == "Ha***@example.jp" and yamada["phone"] == "+8190****5678"
    assert sato["line"]["blocked"] is True and sato["last_sent_at"] is None and sato["attributed_orders"] == 0
    assert tanaka["line"] is None


def test_pages_of_fifty_follow_the_cursor_without_gaps_or_repeats(api, db, shop):
    for n in range(120):
        db.add(customer.__globals__["Customer"](shop_id=shop.id, shopify_id=10_000 + n, last_name=f"客{n:03d}"))
    db.commit()
    seen, cursor, pages = [], None, 0
    while True:
        body = api("GET", "/api/customers", query_string={"cursor": cursor} if cursor else {}).get_json()
        assert len(body["customers"]) <= 50
        seen += [c["id"] for c in body["customers"]]
        pages, cursor = pages + 1, body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 120 == len(set(seen)) and seen == sorted(seen, reverse=True)


def test_detail_lists_recent_messages_and_credited_orders(api, db, shop, people):
    for n in range(25):
        notification(
            db, shop, friend=people["hana"], customer=people["yamada"], created=utcnow() - timedelta(minutes=n)
        )
    notification(
        db,
        shop,
        customer=people["yamada"],
        status="skipped",
        reason="opted_out",
        flow="repurchase",
        created=utcnow() + timedelta(minutes=1),
    )
    order = Order(
        shop_id=shop.id,
        shopify_id=777,
        customer_shopify_id=people["yamada"].shopify_id,
        name="#1077",
        total_price=Decimal(3240),
        processed_at=utcnow(),
    )
    db.add(order)
    db.commit()
    db.add(Attribution(shop_id=shop.id, order_id=order.id, flow="abandoned_checkout", kind="recovered_checkout"))
    db.commit()

    response = api("GET", f"/api/customers/{people['yamada'].id}")

    assert response.status_code == 200
    conforms("/api/customers/{customer_id}", "get", 200, response.get_json())
    detail = response.get_json()["customer"]
    assert len(detail["messages"]) == 20
    assert detail["messages"][0]["status_label"] == "見送り"
    assert detail["messages"][0]["reason_label"] == "お客様が配信停止しているため"
    assert detail["orders"] == [
        {
            "order_id": order.id,
            "name": "#1077",
            "total": "¥3,240",
            "ordered_label": detail["orders"][0]["ordered_label"],
            "flow": "abandoned_checkout",
            "flow_label": "カゴ落ち（チェックアウト）",
            "kind": "recovered_checkout",
            "kind_label": "カゴ落ちからの購入",
        }
    ]
    assert detail["email"] == "Hanako.Yamada@example.jp"  # the detail shows it whole


def test_friend_picker_offers_only_unlinked_friends_by_name(api, db, shop, people):
    friend(db, shop, "ゆきこ")
    body = api("GET", "/api/line-friends", query_string={"q": "ゆき"}).get_json()
    conforms("/api/line-friends", "get", 200, body)
    assert [f["display_name"] for f in body["friends"]] == ["ゆき", "ゆきこ"]
    assert api("GET", "/api/line-friends", query_string={"q": "はな"}).get_json()["friends"] == []


def test_link_by_hand_then_unlink_moves_the_customer_in_and_out_of_the_picker(api, db, shop, people):
    yuki = next(f for f in rows(db, LineFriend) if f.display_name == "ゆき")

    linked = api("POST", f"/api/customers/{people['tanaka'].id}/line-link", {"friend_id": yuki.id})
    assert linked.status_code == 200
    detail = api("GET", f"/api/customers/{people['tanaka'].id}").get_json()["customer"]
    assert detail["line"]["display_name"] == "ゆき" and detail["line"]["link_method"] == "merchant"
    assert api("GET", "/api/line-friends", query_string={"q": "ゆき"}).get_json()["friends"] == []

    assert api("DELETE", f"/api/customers/{people['tanaka'].id}/line-link").get_json()["unlinked"] is True
    assert api("GET", f"/api/customers/{people['tanaka'].id}").get_json()["customer"]["line"] is None
    assert [f["display_name"] for f in api("GET", "/api/line-friends").get_json()["friends"]] == ["ゆき"]


def test_another_shops_customers_and_friends_are_out_of_reach(api, db, shop, people):
    other = make_shop(db, domain="other-shop.myshopify.com")
    theirs = customer(db, other, last_name="山田", first_name="秘密")
    friend(db, other, "ゆき他店")

    assert api("GET", f"/api/customers/{theirs.id}").status_code == 404
    assert api("GET", "/api/customers/999999").status_code == 404
    assert names(api("GET", "/api/customers", query_string={"q": "山田"})) == ["山田 花子"]
    assert [f["display_name"] for f in api("GET", "/api/line-friends").get_json()["friends"]] == ["ゆき"]
    mine = api("GET", f"/api/customers/{people['yamada'].id}", shop="other-shop")
    assert mine.status_code == 404 and mine.is_json


@pytest.mark.parametrize("query,field", [({"cursor": "abc"}, "cursor"), ({"q": "あ" * 101}, "q")])
def test_bad_input_is_refused_field_by_field(api, shop, query, field):
    response = api("GET", "/api/customers", query_string=query)
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {field}


def test_a_forged_session_token_gets_401(client, shop, fake_shopify):
    forged = fake_shopify.session_token("test-shop", secret="not-the-app-secret-0123456789abcdef")
    for path in ("/api/customers", "/api/line-friends", "/api/messages"):
        assert client.get(path, headers={"Authorization": f"Bearer {forged}"}).status_code == 401


LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture
def demo_client(settings):
    from app import create_app

    app = create_app(settings.with_(shopify_api_key=""))
    yield app.test_client()
    ext.engine(app).dispose()


def test_customer_pages_render_the_search_and_the_detail_without_js(demo_client, db):
    demo = make_shop(db, domain="tsunagu-demo.myshopify.com", is_demo=True)
    yamada = customer(db, demo, last_name="山田", first_name="花子", email="hanako@example.jp")
    customer(db, demo, last_name="佐藤", first_name="健")
    friend(db, demo, "はな", yamada)

    def get(path):
        return demo_client.get(path, environ_base=LOCAL, headers={"Host": "localhost"})

    listing = get("/customers?q=山田").get_data(as_text=True)
    detail = get(f"/customers/{yamada.id}").get_data(as_text=True)

    assert "山田 花子" in listing and "佐藤 健" not in listing and '<label for="q">' in listing
    assert "LINE 友だち「はな」と連携しています（トークから）。" in detail and "hanako@example.jp" in detail
    assert get("/customers/999999").status_code == 404


def test_english_shops_read_english(demo_client, db):
    demo = make_shop(db, domain="tsunagu-demo.myshopify.com", is_demo=True, locale="en")
    customer(db, demo, last_name="Smith", first_name="Ann")
    page = demo_client.get("/customers", environ_base=LOCAL, headers={"Host": "localhost"}).get_data(as_text=True)
    assert "Not linked" in page and "Search by name, email, phone or LINE name" in page
