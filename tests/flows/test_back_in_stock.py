"""Back in stock: a friend asks from the search carousel's button; when the variant can be
sold again (products/update or inventory_levels/update), the oldest requests are notified,
at most available quantity × the shop's factor per restock, each once; requests expire;
opt-outs and quiet hours apply, the marketing caps do not; a crash sends nothing twice."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from app.flows import back_in_stock, restock_requests
from app.models import BackInStockRequest, LineFriend, Notification, ProductVariant, WebhookEvent, WebhookStatus
from app.models import BackInStockStatus as Req
from app.models import NotificationStatus as St
from app.timeutil import utcnow
from tests.conftest import run_worker
from tests.helpers import fresh, rows
from tests.plugins.flows import button, notes, set_flow
from tests.plugins.line import friend_of
from tests.plugins.search import product
from tests.plugins.tracking import resolve

FLOW = "back_in_stock"
LOCATION = 24826418
NO_QUIET = {"quiet_start": "00:00", "quiet_end": "00:00"}  # the tests' wall clock may fall in them


@pytest.fixture
def tea(db, shop, catalog):
    """A sold-out tea (one variant, tracked, overselling off); its inventory item is 9001."""
    payload = product("手摘み 煎茶", price="1980", quantity=0)
    payload["variants"][0]["inventory_item_id"] = 9001
    catalog(payload)
    shop.settings = {**(shop.settings or {}), "policies": NO_QUIET}
    db.add(shop)
    db.commit()
    return payload


def variant_of(db, tea) -> ProductVariant:
    fresh(db)
    return db.exec(select(ProductVariant).where(ProductVariant.shopify_id == tea["variants"][0]["id"])).one()


def ask(db, shop, friends, variant, *, start=None) -> list[BackInStockRequest]:
    """Each friend asks, a minute apart (in the list's order)."""
    start = start or utcnow() - timedelta(days=1)
    for i, friend in enumerate(friends):
        assert restock_requests.request(
            session=db, shop=shop, friend=friend, variant=variant, now=start + timedelta(minutes=i)
        )
    db.commit()
    return rows(db, BackInStockRequest)


def stock(tea, quantity: int, at: str) -> dict:
    """The tea's products/update with `quantity` left, sent at `at` (newer wins)."""
    payload = copy.deepcopy(tea)
    payload["updated_at"] = payload["variants"][0]["updated_at"] = at
    payload["variants"][0]["inventory_quantity"] = quantity
    return payload


def notified_friends(db) -> list[int]:
    """The friends with a notice, in the order of their requests."""
    fresh(db)
    by_request = {r.id: r for r in rows(db, BackInStockRequest)}
    notices = notes(db, Notification.flow == FLOW)
    return [
        by_request[n.context["request_id"]].friend_id for n in sorted(notices, key=lambda n: n.context["request_id"])
    ]


def statuses(db) -> list[str]:
    fresh(db)
    return [r.status for r in sorted(rows(db, BackInStockRequest), key=lambda r: r.id)]


# -- asking in the chat -----------------------------------------------------------------------


def test_the_carousel_button_asks_once_and_a_second_tap_gets_a_polite_already(chat, fake_line, user, db, shop, tea):
    data = f"action=restock&variant={tea['variants'][0]['id']}"

    chat(fake_line.postback_event(user, data))
    chat(fake_line.postback_event(user, data))

    first, second = (r.messages[0]["text"] for r in fake_line.replies()[-2:])
    assert "手摘み 煎茶 が再入荷したら" in first and "90日間" in first
    assert "すでに承っています" in second
    [request] = rows(db, BackInStockRequest)
    friend = friend_of(db, user)
    assert (request.friend_id, request.variant_shopify_id, request.product_shopify_id, request.status) == (
        friend.id,
        tea["variants"][0]["id"],
        tea["id"],
        Req.WAITING,
    )
    assert request.expires_at - request.created_at == timedelta(days=90)


def test_the_search_reply_carries_the_button_that_asks(chat, fake_line, user, db, tea):
    chat(fake_line.text_event(user, "煎茶"))
    carousel = fake_line.replies()[-1].messages[0]
    action = carousel["contents"]["contents"][0]["footer"]["contents"][1]["action"]

    chat(fake_line.postback_event(user, action["data"]))

    assert "再入荷したら" in fake_line.replies()[-1].messages[0]["text"]
    assert len(rows(db, BackInStockRequest)) == 1


def test_a_tap_on_an_unknown_or_available_variant_asks_nothing(chat, fake_line, user, db, catalog, tea):
    chat(fake_line.postback_event(user, "action=restock&variant=123"))
    chat(fake_line.postback_event(user, "action=restock&variant=x"))
    in_stock = product("八女 玉露", quantity=4)
    catalog(in_stock)
    chat(fake_line.postback_event(user, f"action=restock&variant={in_stock['variants'][0]['id']}"))

    texts = [r.messages[0]["text"] for r in fake_line.replies()[-3:]]
    assert texts[0] == texts[1] == "この商品は現在お取り扱いがありません。"
    assert "八女 玉露 は現在ご購入いただけます" in texts[2]
    assert rows(db, BackInStockRequest) == []


def test_a_request_past_its_expiry_lets_the_friend_ask_again(db, shop, linked_friends, tea):
    [friend] = linked_friends(1)
    variant = variant_of(db, tea)
    long_ago = utcnow() - timedelta(days=91)
    ask(db, shop, [friend], variant, start=long_ago)

    assert not restock_requests.request(session=db, shop=shop, friend=friend, variant=variant, now=long_ago)
    assert restock_requests.request(session=db, shop=shop, friend=friend, variant=variant, now=utcnow())
    db.commit()
    assert statuses(db) == [Req.EXPIRED, Req.WAITING]


# -- the restock --------------------------------------------------------------------------------


def test_a_restock_notifies_the_oldest_requests_up_to_quantity_times_factor_the_rest_next_time(
    db, shop, linked_friends, tea, send_webhook
):
    friends = linked_friends(8)
    ask(db, shop, friends, variant_of(db, tea))

    send_webhook("products/update", stock(tea, 2, "2026-11-20T10:00:00+09:00"))  # 2 × 3 = 6

    assert notified_friends(db) == [f.id for f in friends[:6]]
    assert statuses(db) == [Req.NOTIFIED] * 6 + [Req.WAITING] * 2
    assert {(n.marketing, n.status, n.customer_id is not None) for n in notes(db)} == {(False, St.SCHEDULED, True)}

    send_webhook("products/update", stock(tea, 0, "2026-11-21T10:00:00+09:00"))  # sold out again
    db.commit()  # end the read snapshot before writing (SQLite)
    set_flow(db, shop, FLOW, {"enabled": True, "factor": 1, "expiry_days": 90})
    send_webhook("products/update", stock(tea, 1, "2026-11-22T10:00:00+09:00"))  # 1 × 1: the next in line

    assert notified_friends(db) == [f.id for f in friends[:7]]
    assert statuses(db) == [Req.NOTIFIED] * 7 + [Req.WAITING]


def test_no_notice_while_sold_out_still_available_or_already_notified(db, shop, linked_friends, tea, send_webhook):
    first, second = linked_friends(2)
    ask(db, shop, [first], variant_of(db, tea))

    send_webhook("products/update", stock(tea, 0, "2026-11-20T10:00:00+09:00"))  # still sold out
    assert notes(db) == []
    send_webhook("products/update", stock(tea, 1, "2026-11-21T10:00:00+09:00"))
    assert notified_friends(db) == [first.id]

    db.commit()
    ask(db, shop, [second], variant_of(db, tea))  # asked while it is on sale (the button came late)
    send_webhook("products/update", stock(tea, 5, "2026-11-22T10:00:00+09:00"))  # no transition
    send_webhook("products/update", stock(tea, 1, "2026-11-20T12:00:00+09:00"))  # a late, older delivery
    assert notified_friends(db) == [first.id]

    send_webhook("products/update", stock(tea, 0, "2026-11-23T10:00:00+09:00"))
    send_webhook("products/update", stock(tea, 3, "2026-11-24T10:00:00+09:00"))
    # The first request was notified once; only the second is notified now.
    assert notified_friends(db) == [first.id, second.id]
    assert len(notes(db)) == 2


def test_expired_requests_are_not_notified(db, shop, linked_friends, tea, send_webhook):
    old, recent = linked_friends(2)
    variant = variant_of(db, tea)
    ask(db, shop, [old], variant, start=utcnow() - timedelta(days=91))
    ask(db, shop, [recent], variant, start=utcnow() - timedelta(days=89))

    send_webhook("products/update", stock(tea, 1, "2026-11-21T10:00:00+09:00"))

    assert notified_friends(db) == [recent.id]
    assert statuses(db) == [Req.EXPIRED, Req.NOTIFIED]


def test_a_shop_setting_shortens_the_expiry(db, shop, linked_friends, tea, chat, fake_line, user):
    set_flow(db, shop, FLOW, {"enabled": True, "factor": 3, "expiry_days": 30})
    chat(fake_line.postback_event(user, f"action=restock&variant={tea['variants'][0]['id']}"))
    [request] = rows(db, BackInStockRequest)
    assert request.expires_at - request.created_at == timedelta(days=30)
    assert "30日間" in fake_line.replies()[-1].messages[0]["text"]


# -- sending: opt-outs, quiet hours, not the caps -----------------------------------------------


def test_opted_out_friends_keep_waiting_and_an_opt_out_after_scheduling_skips(
    db, shop, linked_friends, tea, send_webhook, dispatch, fake_line
):
    quiet, later_quiet, eager = linked_friends(3)
    quiet.marketing_opt_out_at = utcnow()
    db.add(quiet)
    ask(db, shop, [quiet, later_quiet, eager], variant_of(db, tea))

    send_webhook("products/update", stock(tea, 1, "2026-11-21T10:00:00+09:00"))  # 1 × 3, the opted out skipped

    assert notified_friends(db) == [later_quiet.id, eager.id]
    assert statuses(db) == [Req.WAITING, Req.NOTIFIED, Req.NOTIFIED]
    db.commit()  # end the read snapshot before writing (SQLite)
    later_quiet = db.get(LineFriend, later_quiet.id)
    later_quiet.marketing_opt_out_at = utcnow()
    db.add(later_quiet)
    db.commit()

    assert dispatch(utcnow() + timedelta(seconds=1)) == {"sent": 1, "skipped": 1}
    assert [p.to for p in fake_line.pushes()] == [eager.line_user_id]
    assert {n.reason for n in notes(db, Notification.status == St.SKIPPED)} == {"opted_out"}


def test_quiet_hours_defer_a_notice_and_the_marketing_cap_does_not_hold_it(
    db, shop, linked_friends, tea, put, dispatch, fake_line
):
    [friend] = linked_friends(1)
    shop.settings = {**shop.settings, "policies": {"cap_per_day": 1}}  # default quiet hours 21:00–09:00 Tokyo
    db.add(shop)
    db.commit()
    put(friend, "repurchase", "2026-11-25T01:00:00+00:00")  # a marketing message today uses the cap
    assert dispatch("2026-11-25T01:00:00+00:00") == {"sent": 1}
    ask(db, shop, [friend], variant_of(db, tea), start=datetime.fromisoformat("2026-11-20T00:00:00+00:00"))
    restocked = variant_of(db, tea)
    restocked.available, restocked.inventory_quantity = True, 1
    db.add(restocked)
    assert back_in_stock.on_restock(
        session=db, shop=shop, variant=restocked, now=datetime.fromisoformat("2026-11-25T13:00:00+00:00")
    )
    db.commit()

    assert dispatch("2026-11-25T13:00:00+00:00") == {"quiet_hours": 1}  # 22:00 in Tokyo
    [notice] = notes(db, Notification.flow == FLOW)
    assert notice.due_at == datetime.fromisoformat("2026-11-26T00:00:00+00:00")  # 09:00 in Tokyo
    assert dispatch("2026-11-26T00:00:00+00:00") == {"sent": 1}  # the day's cap is used: not for this
    intro, card = fake_line.pushes()[-1].messages
    assert "手摘み 煎茶 が再入荷しました" in intro["text"]


def test_the_notice_is_a_product_card_with_a_tracked_buy_link(
    db, shop, linked_friends, tea, send_webhook, dispatch, fake_line
):
    [friend] = linked_friends(1)
    ask(db, shop, [friend], variant_of(db, tea))
    send_webhook("products/update", stock(tea, 1, "2026-11-21T10:00:00+09:00"))

    assert dispatch(utcnow() + timedelta(seconds=1)) == {"sent": 1}

    intro, card = fake_line.pushes()[-1].messages
    assert intro["type"] == "text" and "様、お待たせしました" in intro["text"]
    action = button(card)
    assert action["label"] == "今すぐ購入" and action["uri"].startswith("https://tsunagu.test/r/")
    target = urlsplit(resolve(db, action["uri"]))
    assert target.netloc == "test-shop.myshopify.com" and target.path == f"/products/{tea['handle']}"
    query = parse_qs(target.query)
    assert query["variant"] == [str(tea["variants"][0]["id"])] and query["utm_campaign"] == [FLOW]
    assert "¥1,980" in str(card["contents"]["body"])


# -- inventory_levels/update ----------------------------------------------------------------------


def level(available, at: str, item: int = 9001, location: int = LOCATION) -> dict:
    """inventory_levels/update as Shopify sends it (docs' example payload shape)."""
    return {
        "inventory_item_id": item,
        "location_id": location,
        "available": available,
        "updated_at": at,
        "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{location}?inventory_item_id={item}",
    }


def test_inventory_levels_webhooks_restock_through_the_inventory_item(db, shop, linked_friends, tea, send_webhook):
    friends = linked_friends(7)
    ask(db, shop, friends, variant_of(db, tea))

    send_webhook("inventory_levels/update", level(0, "2026-11-21T10:00:00+09:00"))
    assert notes(db) == []
    send_webhook("inventory_levels/update", level(2, "2026-11-21T11:00:00+09:00"))

    assert notified_friends(db) == [f.id for f in friends[:6]]
    variant = variant_of(db, tea)
    assert (variant.available, variant.inventory_quantity) == (True, 2)
    assert variant.stock_levels[str(LOCATION)]["available"] == 2

    send_webhook("inventory_levels/update", level(0, "2026-11-21T10:30:00+09:00"))  # older: ignored
    send_webhook("inventory_levels/update", level(5, "2026-11-21T12:00:00+09:00", item=424242))  # unknown item
    assert variant_of(db, tea).inventory_quantity == 2
    send_webhook("inventory_levels/update", level(3, "2026-11-21T13:00:00+09:00"))  # on sale already: no restock
    assert variant_of(db, tea).inventory_quantity == 3
    assert len(notes(db)) == 6
    assert {e.status for e in rows(db, WebhookEvent)} == {WebhookStatus.PROCESSED}


def test_a_second_location_adds_to_the_quantity(db, shop, linked_friends, tea, send_webhook):
    friends = linked_friends(4)
    ask(db, shop, friends, variant_of(db, tea))
    send_webhook("inventory_levels/update", level(0, "2026-11-21T10:00:00+09:00", location=1))
    send_webhook("inventory_levels/update", level(1, "2026-11-21T10:00:00+09:00", location=2))

    assert len(notified_friends(db)) == 3  # 1 available (0 + 1) × 3
    assert variant_of(db, tea).inventory_quantity == 1


def test_the_search_index_follows_an_inventory_restock(db, shop, tea, send_webhook, app):
    from app.search.query import search

    send_webhook("inventory_levels/update", level(3, "2026-11-21T10:00:00+09:00"))

    fresh(db)
    with app.app_context():
        [found] = search(session=db, shop=shop, query="煎茶").found
    assert found.in_stock


# -- crashes ---------------------------------------------------------------------------------------


def test_a_crash_mid_notify_leaves_nothing_half_done(db, shop, linked_friends, tea, send_webhook, app, monkeypatch):
    """The worker dies after the notices are written, before the requests are marked: the
    webhook's transaction is rolled back (no notice, no request marked), the event stays
    due, and the next run notifies each request once."""
    friends = linked_friends(4)
    ask(db, shop, friends, variant_of(db, tea))
    real = back_in_stock.outbox.schedule_many

    def writes_then_dies(**kwargs):
        real(**kwargs)
        raise SystemExit("worker killed")

    monkeypatch.setattr(back_in_stock.outbox, "schedule_many", writes_then_dies)
    send_webhook("products/update", stock(tea, 2, "2026-11-21T10:00:00+09:00"), process=False)
    with pytest.raises(SystemExit):
        run_worker(app)
    assert notes(db) == [] and statuses(db) == [Req.WAITING] * 4
    [event] = rows(db, WebhookEvent, WebhookEvent.topic == "products/update")
    assert event.status == WebhookStatus.RECEIVED

    monkeypatch.setattr(back_in_stock.outbox, "schedule_many", real)
    assert run_worker(app) == {"processed": 1}
    assert notified_friends(db) == [f.id for f in friends]
    assert len({n.dedupe_key for n in notes(db)}) == len(notes(db)) == 4


def test_a_sender_killed_after_pushing_sends_nothing_twice(
    db, shop, linked_friends, tea, send_webhook, dispatch, fake_line, monkeypatch
):
    """The worker pushes the notices, then dies before recording them: the rows stay
    `sending`; once stale, another run pushes with the same retry keys, LINE answers 409
    (already accepted), and they are recorded as sent: each friend got one message."""
    from app.flows import dispatcher

    friends = linked_friends(3)
    ask(db, shop, friends, variant_of(db, tea))
    send_webhook("products/update", stock(tea, 1, "2026-11-21T10:00:00+09:00"))
    real = dispatcher._record

    def dies(engine, outcomes):
        raise SystemExit("worker killed")

    monkeypatch.setattr(dispatcher, "_record", dies)
    with pytest.raises(SystemExit):
        dispatch(utcnow() + timedelta(seconds=1))
    assert {n.status for n in notes(db)} == {St.SENDING}
    assert len(fake_line.pushes()) == 3

    monkeypatch.setattr(dispatcher, "_record", real)
    db.commit()
    stale = utcnow() - dispatcher.STALE_SENDING - timedelta(seconds=1)
    for notice in notes(db):
        notice.updated_at = stale
        db.add(notice)
    db.commit()
    assert dispatch(utcnow() + timedelta(seconds=2)) == {"sent": 3}
    assert sorted(p.to for p in fake_line.pushes()) == sorted(f.line_user_id for f in friends)
    assert {n.status for n in notes(db)} == {St.SENT}
