"""Orders, revenue and account links earned by a rich menu's buttons: a web button through the
order's landing page (the menu's UTM) and a tap within the window, a postback button through
the friend who tapped it; one credit per order shared with messages; per area and in total
through the results API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from app.models import Attribution, RichMenu, TrackedLink
from app.timeutil import utcnow
from tests.helpers import fresh, rows
from tests.line.test_account_link import open_proxy
from tests.plugins.flows import CUSTOMER_ID
from tests.plugins.line import friend_of
from tests.plugins.tracking import card, token_of
from tests.richmenus.conftest import drawn_spec

SALE = "https://test-shop.myshopify.com/collections/sale"


@pytest.fixture
def menu(make_menu, publish_menu):
    """Published: 1 a web button to the sale, 2 the link button, 3 order status (postbacks)."""
    spec = drawn_spec("Sale menu", is_default=True)
    spec["areas"][0]["action"] = {"type": "uri", "uri": SALE}
    spec["areas"][1]["action"] = {"type": "postback", "data": "action=link", "displayText": "連携"}
    spec["areas"][2]["action"] = {"type": "postback", "data": "action=order", "displayText": "注文"}
    made = make_menu(spec)
    assert publish_menu(made).ok
    return made


def links(db, menu) -> dict[int, TrackedLink]:
    fresh(db)
    return {r.area: r for r in rows(db, TrackedLink, TrackedLink.rich_menu_id == menu.id)}


def stamped(db, fake_line, menu, area: int) -> str:
    """The postback data LINE holds for the area (its stamp included)."""
    fresh(db)
    line_id = db.get(RichMenu, menu.id).line_rich_menu_id
    return fake_line.rich_menus[line_id]["body"]["areas"][area - 1]["action"]["data"]


def landing(link: TrackedLink) -> str:
    """What Shopify reports as the order's landing_site after the /r/ redirect: path and query."""
    parts = urlsplit(link.target)
    return f"{parts.path}?{parts.query}"


def order(payload_copy, *, minutes: float = 0, **changes) -> dict:
    """The fixture order (its customer is CUSTOMER_ID), placed now (or `minutes` from now), with no
    reminded checkout and no app-made code."""
    at = (utcnow() + timedelta(minutes=minutes)).isoformat()
    base = {"processed_at": at, "checkout_token": "unrelated", "cart_token": None, "discount_codes": []}
    return payload_copy("orders_create", **base, **changes)


def credit(db) -> Attribution | None:
    fresh(db)
    found = rows(db, Attribution)
    assert len(found) <= 1
    return found[0] if found else None


def results(api, menu) -> dict:
    response = api("GET", f"/api/rich-menus/{menu.id}/results")
    assert response.status_code == 200
    return response.get_json()


def test_an_order_landing_from_a_tapped_web_button_is_credited_to_its_area(
    db, api, menu, click, send_webhook, payload_copy
):
    web = links(db, menu)[1]
    assert click(web.token).status_code == 302
    send_webhook("orders/create", order(payload_copy, landing_site=landing(web)))

    found = credit(db)
    assert (found.kind, found.flow, found.link_id, found.notification_id) == ("menu_landing", "richmenu", web.id, None)
    body = results(api, menu)
    assert [(a["area"], a["taps"], a["orders"], a["revenue"]) for a in body["areas"]] == [
        (1, 1, 1, "4158"),
        (2, 0, 0, "0"),
        (3, 0, 0, "0"),
    ]
    assert body["total"] == {"taps": 1, "orders": 1, "revenue": "4158", "linked": 0}
    assert body["currency"] == "JPY"


def test_a_guest_order_from_the_menu_counts_too(db, menu, click, send_webhook, payload_copy):
    """The landing page ties the order to the button; no customer or friend is needed."""
    web = links(db, menu)[1]
    click(web.token)
    send_webhook("orders/create", order(payload_copy, customer=None, landing_site=landing(web)))
    assert credit(db).kind == "menu_landing"


@pytest.mark.parametrize(
    "case",
    ["no tap", "tap after the order", "window passed", "another shop's menu id", "another area"],
)
def test_a_landing_page_alone_earns_nothing(db, shop, menu, click, send_webhook, payload_copy, case):
    web = links(db, menu)[1]
    site, minutes = landing(web), 0
    if case != "no tap":
        click(web.token)
    if case == "tap after the order":
        minutes = -5
    if case == "window passed":  # the shop's window is 7 days
        minutes = 8 * 24 * 60
    if case == "another shop's menu id":
        site = site.replace(f"-{menu.id}&", f"-{menu.id + 1000}&")
    if case == "another area":  # area 2 is a postback button: no landing page is its
        site = site.replace("area-1", "area-2")
    send_webhook("orders/create", order(payload_copy, minutes=minutes, landing_site=site))
    assert credit(db) is None


def test_a_postback_tap_by_a_linked_friend_credits_their_next_order(
    db, api, friend, user, chat, fake_line, menu, send_webhook, payload_copy
):
    chat(fake_line.postback_event(user, stamped(db, fake_line, menu, 3)))
    send_webhook("orders/create", order(payload_copy))

    found = credit(db)
    status = links(db, menu)[3]
    assert (found.kind, found.flow, found.link_id, found.notification_id) == ("click", "richmenu", status.id, None)
    body = results(api, menu)
    assert [(a["area"], a["taps"], a["orders"]) for a in body["areas"]] == [(1, 0, 0), (2, 0, 0), (3, 1, 1)]
    assert body["total"]["revenue"] == "4158"


def test_the_link_button_counts_the_friends_it_linked_and_their_next_order(
    db, api, client, user, chat, fake_line, menu, send_webhook, payload_copy
):
    chat(fake_line.follow_event(user))
    chat(fake_line.postback_event(user, stamped(db, fake_line, menu, 2)))  # not linked yet: the link card
    [link_token] = fake_line.link_tokens
    proxied = open_proxy(client, "/link", {"linkToken": link_token}, customer=CUSTOMER_ID)
    nonce = dict(p.split("=", 1) for p in urlsplit(proxied.headers["Location"]).query.split("&"))["nonce"]
    chat(fake_line.account_link_event(user, nonce))
    assert friend_of(db, user).customer_id is not None

    send_webhook("orders/create", order(payload_copy))

    button = links(db, menu)[2]
    assert credit(db).link_id == button.id  # the tap named the friend, who is the buyer now
    body = results(api, menu)
    assert [(a["area"], a["taps"], a["orders"], a["linked"]) for a in body["areas"]] == [
        (1, 0, 0, 0),
        (2, 1, 1, 1),
        (3, 0, 0, 0),
    ]
    assert body["total"]["linked"] == 1


def test_a_friend_already_linked_when_tapping_is_not_counted_as_linked_by_the_menu(
    db, api, friend, user, chat, fake_line, menu
):
    chat(fake_line.postback_event(user, stamped(db, fake_line, menu, 2)))
    assert results(api, menu)["total"] == {"taps": 1, "orders": 0, "revenue": "0", "linked": 0}


def test_a_recovered_checkout_stays_the_reminders_not_the_menus(
    db, api, friend, menu, click, send_webhook, payload, payload_copy, dispatch
):
    send_webhook("checkouts/create", payload("checkouts_create"))
    dispatch("2026-11-25T01:30:00+00:00")  # the fixture checkout's first reminder goes out
    web = links(db, menu)[1]
    click(web.token)
    body = order(payload_copy, landing_site=landing(web))
    send_webhook("orders/create", body | {"checkout_token": payload("checkouts_create")["token"]})

    found = credit(db)
    assert (found.kind, found.flow) == ("recovered_checkout", "abandoned_checkout")
    assert results(api, menu)["total"]["orders"] == 0  # never counted twice


def test_between_a_message_click_and_a_menu_tap_the_latest_wins_once(
    db, api, friend, user, chat, fake_line, pushed, click, menu, send_webhook, payload_copy
):
    note = pushed(friend, card("https://test-shop.myshopify.com/products/a"), utcnow().isoformat())
    [message_uri] = [
        p.messages[1]["contents"]["footer"]["contents"][0]["action"]["uri"] for p in fake_line.pushes()[-1:]
    ]
    chat(fake_line.postback_event(user, stamped(db, fake_line, menu, 3)))  # the menu first
    click(token_of(message_uri))  # then the message's link: the latest
    send_webhook("orders/create", order(payload_copy))

    found = credit(db)
    assert (found.kind, found.notification_id) == ("click", note.id)
    assert results(api, menu)["total"]["orders"] == 0


def test_results_follow_the_period_and_drop_cancelled_orders(
    db, api, friend, user, chat, fake_line, menu, send_webhook, payload_copy
):
    chat(fake_line.postback_event(user, stamped(db, fake_line, menu, 3)))
    body = order(payload_copy)
    send_webhook("orders/create", body)
    assert results(api, menu)["total"]["orders"] == 1
    old = credit(db)
    old.ordered_at = utcnow() - timedelta(days=40)
    db.add(old)
    db.commit()
    assert results(api, menu)["total"]["orders"] == 0  # outside the 30 days asked
    assert api("GET", f"/api/rich-menus/{menu.id}/results?days=60").get_json()["total"]["orders"] == 1
    cancelled = body | {"cancelled_at": utcnow().isoformat(), "updated_at": (utcnow() + timedelta(hours=1)).isoformat()}
    send_webhook("orders/cancelled", cancelled)
    assert credit(db) is None
    assert api("GET", f"/api/rich-menus/{menu.id}/results?days=60").get_json()["total"] == {
        "taps": 1,
        "orders": 0,
        "revenue": "0",
        "linked": 0,
    }


def test_the_page_shows_orders_revenue_and_totals(db, api, menu, click, send_webhook, payload_copy):
    web = links(db, menu)[1]
    click(web.token)
    send_webhook("orders/create", order(payload_copy, landing_site=landing(web)))
    html = api("GET", "/rich-menus").get_data(as_text=True)
    assert '<td class="num" data-cell="orders">1</td><td class="num" data-cell="revenue">¥4,158</td>' in html
    assert 'data-total="1"><th scope="row" colspan="4">Sale menu の合計</th>' in html
    assert "ボタンのタップ数と成果 (過去 30 日)" in html
    assert Decimal("4158") == credit(db).revenue
