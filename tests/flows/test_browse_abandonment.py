"""Browse abandonment: the web pixel reports product views of logged-in customers; a linked
customer who did not buy gets one reminder N hours later with up to three viewed products
in stock, each product once in 30 days, at most one reminder a day however many (forged)
events; unlinked customers leave nothing; malformed bodies are 400; rate limits per address
and per customer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from app import ext
from app.flows import browse_abandonment
from app.models import Notification, ProductView
from app.models import NotificationStatus as St
from app.shopify import pixel
from app.timeutil import utcnow
from tests.conftest import SHOP_DOMAIN
from tests.helpers import fresh, rows
from tests.plugins.flows import CUSTOMER_ID, notes, set_flow
from tests.plugins.search import product
from tests.plugins.tracking import resolve

FLOW = "browse_abandonment"
TOKYO = ZoneInfo("Asia/Tokyo")
NO_QUIET = {"quiet_start": "00:00", "quiet_end": "00:00"}  # the tests' wall clock may fall in them


@pytest.fixture
def goods(db, shop, catalog):
    """Four teas in stock and one sold out; quiet hours off for the tests' wall clock."""
    payloads = [product(title, price="1500") for title in ("煎茶", "玉露", "ほうじ茶", "抹茶")]
    payloads.append(product("限定 番茶", quantity=0))
    catalog(*payloads)
    shop.settings = {**(shop.settings or {}), "policies": NO_QUIET}
    db.add(shop)
    db.commit()
    return payloads


@pytest.fixture
def view(client):
    """POST one product_viewed event as the pixel does (text/plain JSON), from `address`."""

    def send(product_id, *, customer=CUSTOMER_ID, variant=None, address="203.0.113.7", **extra):
        body = {
            "shop": SHOP_DOMAIN,
            "customer_id": f"gid://shopify/Customer/{customer}",
            "product_id": f"gid://shopify/Product/{product_id}",
            "variant_id": variant,
            "timestamp": utcnow().isoformat(),
            **extra,
        }
        return client.post(
            "/pixel/product-viewed",
            json=body,
            headers={"Origin": f"https://{SHOP_DOMAIN}"},
            environ_base={"REMOTE_ADDR": address},
        )

    return send


def morning(after_hours: float = 4.1) -> datetime:
    """10:00 in Tokyo, at least `after_hours` from now (reminder days are the shop's days)."""
    earliest = (utcnow() + timedelta(hours=after_hours)).astimezone(TOKYO)
    at = earliest.replace(hour=10, minute=0, second=0, microsecond=0)
    return (at if at >= earliest else at + timedelta(days=1)).astimezone(UTC)


@pytest.fixture
def remind(app):
    """The worker's remind_browsers job, `hours` from now (or at `at`)."""

    def run(hours: float = 4.1, at: datetime | None = None) -> dict:
        with app.app_context():
            return browse_abandonment.remind_due(engine=ext.engine(app), now=at or utcnow() + timedelta(hours=hours))

    return run


def reminders(db) -> list[Notification]:
    return notes(db, Notification.flow == FLOW)


def card_titles(message: dict) -> list[str]:
    return [bubble["body"]["contents"][0]["text"] for bubble in message["contents"]["contents"]]


# -- the reminder ---------------------------------------------------------------------------------


def test_views_of_a_linked_customer_give_one_reminder_after_n_hours_with_the_products(
    db, shop, friend, goods, view, remind, dispatch, fake_line
):
    sencha, gyokuro, hojicha, _matcha, _bancha = goods
    for payload in (sencha, gyokuro, sencha, hojicha):
        assert view(payload["id"], variant=payload["variants"][0]["id"]).status_code == 204

    assert [v.product_shopify_id for v in sorted(rows(db, ProductView), key=lambda v: v.id)] == [
        sencha["id"],
        gyokuro["id"],
        hojicha["id"],
    ]  # the repeated view moved its row on, it did not add one
    assert remind(hours=3.9) == {}  # not yet: N = 4 hours
    assert reminders(db) == []
    assert remind(hours=4.1) == {"scheduled": 1}

    [reminder] = reminders(db)
    assert reminder.marketing and reminder.friend_id == friend.id and reminder.status == St.SCHEDULED
    assert reminder.dedupe_key.startswith(f"browse:{reminder.customer_id}:")
    assert sorted(reminder.context["products"]) == sorted([sencha["id"], gyokuro["id"], hojicha["id"]])
    assert rows(db, ProductView) == []  # decided on: kept no longer

    assert dispatch(utcnow() + timedelta(hours=4.2)) == {"sent": 1}
    intro, cards = fake_line.pushes()[-1].messages
    assert intro["type"] == "text" and intro["text"].startswith("山田 花子様、先ほどご覧いただいた")
    assert cards["type"] == "flex" and sorted(card_titles(cards)) == ["ほうじ茶", "煎茶", "玉露"]
    uri = cards["contents"]["contents"][0]["footer"]["contents"][0]["action"]["uri"]
    assert uri.startswith("https://tsunagu.test/r/")
    query = parse_qs(urlsplit(resolve(db, uri)).query)
    assert query["utm_campaign"] == [FLOW] and query["utm_medium"] == ["push"]


def test_a_purchase_since_the_views_means_no_reminder(
    db, shop, friend, goods, view, remind, send_webhook, payload_copy
):
    view(goods[0]["id"])
    send_webhook("orders/create", payload_copy("orders_create", processed_at=utcnow().isoformat()))

    assert remind() == {"ordered": 1}
    assert reminders(db) == []


def test_a_purchase_after_scheduling_stops_the_reminder_before_it_goes(
    db, shop, friend, goods, view, remind, dispatch, fake_line, send_webhook, payload_copy
):
    view(goods[0]["id"])
    assert remind() == {"scheduled": 1}
    send_webhook("orders/create", payload_copy("orders_create", processed_at=utcnow().isoformat()))

    dispatch(utcnow() + timedelta(hours=4.2))

    assert not any("先ほどご覧いただいた" in str(p.messages) for p in fake_line.pushes())  # the order's own went
    [reminder] = reminders(db)
    assert reminder.status in (St.CANCELLED, St.SKIPPED) and reminder.reason == "ordered"


def test_a_sold_out_viewed_product_is_left_out_and_only_sold_out_ones_send_nothing(
    db, shop, friend, goods, view, remind
):
    sencha, bancha = goods[0], goods[4]
    view(bancha["id"])
    assert remind() == {"nothing_to_show": 1}
    assert reminders(db) == []

    view(bancha["id"])
    view(sencha["id"])
    assert remind(hours=28) == {"scheduled": 1}  # another day
    [reminder] = reminders(db)
    assert reminder.context["products"] == [sencha["id"]]
    assert card_titles(reminder.messages[1]) == ["煎茶"]


def test_at_most_three_products_the_latest_first(db, shop, friend, goods, view, remind):
    for payload in goods[:4]:
        view(payload["id"])
    assert len(rows(db, ProductView)) == 4

    assert remind() == {"scheduled": 1}
    [reminder] = reminders(db)
    assert len(reminder.context["products"]) == 3


def test_each_product_once_in_30_days_and_one_reminder_a_day(db, shop, friend, goods, view, remind):
    sencha, gyokuro = goods[0], goods[1]
    first = morning()
    view(sencha["id"])
    assert remind(at=first) == {"scheduled": 1}

    view(gyokuro["id"])  # later the same day: the day's reminder is used, the view is absorbed
    assert remind(at=first + timedelta(minutes=30)) == {"window_used": 1}

    view(sencha["id"])  # the next day: sencha was in a reminder within 30 days, nothing else to show
    assert remind(at=first + timedelta(days=1)) == {"nothing_to_show": 1}
    view(sencha["id"])
    view(gyokuro["id"])
    assert remind(at=first + timedelta(days=2)) == {"scheduled": 1}
    assert [r.context["products"] for r in sorted(reminders(db), key=lambda r: r.created_at)] == [
        [sencha["id"]],
        [gyokuro["id"]],
    ]

    view(sencha["id"])  # 31 days on, sencha may be shown again
    assert remind(at=first + timedelta(days=31)) == {"scheduled": 1}
    assert len(reminders(db)) == 3


def test_the_shops_delay_setting_is_honoured(db, shop, friend, goods, view, remind):
    set_flow(db, shop, FLOW, {"enabled": True, "delay_hours": 6})
    view(goods[0]["id"])

    assert remind(hours=5.9) == {}
    assert remind(hours=6.1) == {"scheduled": 1}


def test_marketing_policies_apply_the_cap_holds_the_reminder(
    db, shop, friend, goods, view, remind, dispatch, fake_line, put
):
    shop.settings = {**shop.settings, "policies": {**NO_QUIET, "cap_per_30_days": 1}}
    db.add(shop)
    db.commit()
    put(friend, "repurchase", utcnow())  # a marketing message uses the cap (1 in 30 days)
    assert dispatch(utcnow() + timedelta(seconds=1)) == {"sent": 1}
    view(goods[0]["id"])
    at = utcnow() + timedelta(hours=4.1)
    assert remind(at=at) == {"scheduled": 1}

    outcome = dispatch(at + timedelta(minutes=1))

    assert outcome.get("sent", 0) == 0 and len(fake_line.pushes()) == 1  # only the repurchase went
    [reminder] = reminders(db)
    assert reminder.status == St.SKIPPED and "cap" in reminder.reason


def test_an_opted_out_customer_leaves_nothing(db, shop, friend, goods, view, remind):
    fresh(db)
    quiet = db.get(type(friend), friend.id)
    quiet.marketing_opt_out_at = utcnow()
    db.add(quiet)
    db.commit()

    assert view(goods[0]["id"]).status_code == 204
    assert rows(db, ProductView) == []


def test_a_crash_while_deciding_leaves_the_views_for_the_next_run_and_nothing_twice(
    db, shop, friend, goods, view, remind, monkeypatch
):
    view(goods[0]["id"])
    real = browse_abandonment.outbox.schedule

    def schedule_then_die(**kwargs):
        real(**kwargs)
        raise RuntimeError("worker killed after writing the reminder")

    monkeypatch.setattr(browse_abandonment.outbox, "schedule", schedule_then_die)
    at = utcnow() + timedelta(hours=4.1)
    assert remind(at=at) == {"error": 1}
    assert reminders(db) == [] and len(rows(db, ProductView)) == 1  # rolled back whole

    monkeypatch.setattr(browse_abandonment.outbox, "schedule", real)
    assert remind(at=at) == {"scheduled": 1}
    assert remind(at=at) == {}  # decided: the views are gone, nothing is decided twice
    assert len(reminders(db)) == 1


# -- the pixel endpoint ---------------------------------------------------------------------------


def test_an_unlinked_customer_leaves_nothing_stored_or_sent(db, shop, goods, view, remind, linked_friends):
    linked_friends(1)  # someone else is linked
    response = view(goods[0]["id"], customer=CUSTOMER_ID)  # this customer is not linked

    assert response.status_code == 204  # the same answer as a kept view: no oracle of who is linked
    assert rows(db, ProductView) == []
    assert remind() == {}
    assert reminders(db) == []


def test_unknown_shop_blocked_friend_unknown_product_and_flow_off_store_nothing(db, shop, friend, goods, view, client):
    assert view(goods[0]["id"], shop="other-shop.myshopify.com").status_code == 204
    assert view(999_999_999).status_code == 204  # not in the catalog
    set_flow(db, shop, FLOW, {"enabled": False, "delay_hours": 4})
    assert view(goods[0]["id"]).status_code == 204
    set_flow(db, shop, FLOW, {"enabled": True, "delay_hours": 4})
    fresh(db)
    blocked = db.get(type(friend), friend.id)
    blocked.is_blocked = True
    db.add(blocked)
    db.commit()
    assert view(goods[0]["id"]).status_code == 204

    assert rows(db, ProductView) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        (b"\xff\xfe", "body"),
        (b'{"shop": "evil.example.com", "customer_id": 1, "product_id": 2}', "shop"),
        (b'{"shop": "test-shop.myshopify.com", "customer_id": "abc", "product_id": 2}', "customer_id"),
        (b'{"shop": "test-shop.myshopify.com", "customer_id": 1}', "product_id"),
        (b'{"shop": "test-shop.myshopify.com", "customer_id": 1, "product_id": -5}', "product_id"),
        (b'{"shop": "test-shop.myshopify.com", "customer_id": 1, "product_id": 99999999999999999999}', "product_id"),
        (b'{"shop": "test-shop.myshopify.com", "customer_id": true, "product_id": 2}', "customer_id"),
        (b'{"shop": "test-shop.myshopify.com", "customer_id": 1, "product_id": 2, "variant_id": {}}', "variant_id"),
        (b'{"shop": "test-shop.myshopify.com", "customer_id": 1, "product_id": 2, "timestamp": "soon"}', "timestamp"),
        (
            b'{"shop": "test-shop.myshopify.com", "customer_id": 1, "product_id": 2, "pad": "' + b"x" * 5000 + b'"}',
            "body",
        ),
    ],
)
def test_a_malformed_body_is_400_naming_the_field_and_stores_nothing(db, shop, friend, goods, client, body, field):
    response = client.post("/pixel/product-viewed", data=body, content_type="text/plain")

    assert response.status_code == 400
    assert response.get_json() == {"error": "pixel.invalid", "field": field}
    assert rows(db, ProductView) == []


def test_cors_preflight_and_answers_allow_the_storefront_origin(client, shop):
    origin = "https://tea-shop.example.jp"
    preflight = client.options(
        "/pixel/product-viewed", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    answer = client.post("/pixel/product-viewed", data=b"{}", headers={"Origin": origin})
    assert answer.status_code == 400 and answer.headers["Access-Control-Allow-Origin"] == origin


def test_rate_limits_per_address_and_per_customer(db, shop, friend, goods, view, linked_friends):
    statuses = [
        view(goods[0]["id"], address="198.51.100.1").status_code for _ in range(pixel.PER_CUSTOMER_PER_MINUTE + 3)
    ]
    assert statuses == [204] * pixel.PER_CUSTOMER_PER_MINUTE + [429] * 3  # the customer's budget
    # Another address does not reset the customer's budget.
    refused = view(goods[0]["id"], address="198.51.100.2")
    assert refused.status_code == 429 and refused.get_json()["field"] == "customer_id"

    # One address spraying many customers runs out of its own budget.
    others = [f"gid://shopify/Customer/{n}" for n in range(1, pixel.PER_ADDRESS_PER_MINUTE + 5)]
    answers = [view(goods[0]["id"], customer=c.rsplit("/", 1)[1], address="198.51.100.9").status_code for c in others]
    assert answers.count(429) == 4 and answers[-1] == 429
    assert view(goods[0]["id"], customer=1, address="198.51.100.9").get_json()["field"] == "address"


def test_the_budget_forgets_after_a_minute():
    budget = pixel.PixelBudget()
    assert all(budget.allow(("k",), 2, now=t) for t in (0.0, 1.0))
    assert not budget.allow(("k",), 2, now=30.0)
    assert budget.allow(("k",), 2, now=61.5)


# -- abuse ----------------------------------------------------------------------------------------


def test_a_thousand_forged_events_give_at_most_one_reminder_never_to_the_unlinked(
    db, shop, friend, goods, view, remind, dispatch, fake_line, monkeypatch
):
    ids = [p["id"] for p in goods]
    answers = [
        view(ids[i % len(ids)], customer=CUSTOMER_ID if i % 2 else 123456789 + i, address=f"10.0.{i // 250}.{i % 250}")
        for i in range(1000)
    ]
    assert {a.status_code for a in answers} <= {204, 429}
    stored = rows(db, ProductView)
    assert len(stored) <= len(ids)  # one row per product, whatever the flood
    assert {v.customer_id for v in stored} == {friend.customer_id}  # the unlinked left nothing

    # Even with no rate limit at all, a second flood the same day cannot add a reminder.
    first = morning()
    assert remind(at=first) == {"scheduled": 1}
    monkeypatch.setattr(pixel, "PER_CUSTOMER_PER_MINUTE", 10_000)
    for i in range(1000):
        view(ids[i % 4], address=f"10.1.{i // 250}.{i % 250}")
    assert remind(at=first + timedelta(minutes=30)) == {"window_used": 1}

    assert dispatch(first + timedelta(hours=1)) == {"sent": 1}
    assert [p.to for p in fake_line.pushes()] == [friend.line_user_id]
    assert len(reminders(db)) == 1
