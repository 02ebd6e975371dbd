"""Postback buttons of a published menu carry a stamp naming their area; the chat takes it off
(the command sees the merchant's data) and counts a tap per area, once per webhook event."""

from __future__ import annotations

import pytest

from app.models import LinkClick, RichMenu, TrackedLink
from tests.helpers import fresh, rows
from tests.plugins.line import friend_of
from tests.richmenus.conftest import drawn_spec


def menu_with_postbacks(make_menu, *, long_data: str | None = None):
    spec = drawn_spec("Chat menu", is_default=True)
    spec["areas"][0]["action"] = {"type": "postback", "data": "action=stop", "displayText": "配信停止"}
    spec["areas"][1]["action"] = {"type": "postback", "data": long_data or "action=order"}
    return make_menu(spec)  # area 3 stays a message button


def sent_data(db, fake_line, menu) -> list:
    fresh(db)
    line_id = db.get(RichMenu, menu.id).line_rich_menu_id
    return [a["action"].get("data") for a in fake_line.rich_menus[line_id]["body"]["areas"]]


def taps(db, menu) -> dict:
    fresh(db)
    return {r.area: r.clicks for r in rows(db, TrackedLink, TrackedLink.rich_menu_id == menu.id)}


def test_postback_data_is_stamped_with_its_areas_token_at_publish(db, make_menu, publish_menu, fake_line):
    menu = menu_with_postbacks(make_menu)
    assert publish_menu(menu).ok
    stop, order, message = sent_data(db, fake_line, menu)
    links = {r.area: r for r in rows(db, TrackedLink, TrackedLink.rich_menu_id == menu.id)}
    assert set(links) == {1, 2}  # the message button has nothing to stamp
    assert stop == f"action=stop&rm={links[1].token}" and order == f"action=order&rm={links[2].token}"
    assert links[1].target == "postback:action=stop" and links[1].flow == "richmenu"
    assert message is None
    assert publish_menu(menu).ok  # republishing keeps the same stamps
    assert sent_data(db, fake_line, menu)[:2] == [stop, order]


def test_a_postback_tap_runs_the_command_and_counts_for_its_area(
    db, make_menu, publish_menu, fake_line, chat, user, shop
):
    menu = menu_with_postbacks(make_menu)
    assert publish_menu(menu).ok
    stop, _order, _ = sent_data(db, fake_line, menu)
    chat(fake_line.follow_event(user))

    chat(fake_line.postback_event(user, stop))

    assert friend_of(db, user).marketing_opt_out_at is not None  # "action=stop" understood
    assert taps(db, menu) == {1: 1, 2: 0}
    [click] = rows(db, LinkClick, LinkClick.shop_id == shop.id)
    assert click.flow == "richmenu" and click.customer_id is None


def test_a_redelivered_postback_event_counts_once(db, make_menu, publish_menu, fake_line, chat, user):
    menu = menu_with_postbacks(make_menu)
    assert publish_menu(menu).ok
    _stop, order, _ = sent_data(db, fake_line, menu)
    event = fake_line.postback_event(user, order)
    chat(event)
    chat(event)  # LINE redelivers the same webhookEventId
    chat(fake_line.postback_event(user, order))
    assert taps(db, menu) == {1: 0, 2: 2}


def test_data_too_long_for_the_stamp_is_sent_as_written_and_not_counted(db, make_menu, publish_menu, fake_line):
    long_data = "action=order&note=" + "x" * 270  # 288 characters: 20 more would pass LINE's 300
    menu = menu_with_postbacks(make_menu, long_data=long_data)
    assert publish_menu(menu).ok
    _stop, sent, _ = sent_data(db, fake_line, menu)
    assert sent == long_data
    assert set(taps(db, menu)) == {1}


def test_an_unknown_stamp_is_removed_and_not_counted(db, make_menu, publish_menu, fake_line, chat, user, shop):
    menu = menu_with_postbacks(make_menu)
    assert publish_menu(menu).ok
    chat(fake_line.follow_event(user))
    chat(fake_line.postback_event(user, "action=stop&rm=AAAAAAAAAAAAAAAA"))
    assert friend_of(db, user).marketing_opt_out_at is not None
    assert rows(db, LinkClick, LinkClick.shop_id == shop.id) == []


@pytest.mark.parametrize("data", ["action=stop", "rm=short&action=stop"])
def test_unstamped_postbacks_work_as_before(db, chat, fake_line, user, shop, data):
    chat(fake_line.follow_event(user))
    chat(fake_line.postback_event(user, data))
    assert friend_of(db, user).marketing_opt_out_at is not None
    assert rows(db, LinkClick, LinkClick.shop_id == shop.id) == []


def test_a_postback_token_is_no_web_link(db, make_menu, publish_menu, fake_line, client):
    menu = menu_with_postbacks(make_menu)
    assert publish_menu(menu).ok
    link = rows(db, TrackedLink, TrackedLink.rich_menu_id == menu.id, TrackedLink.area == 1)[0]
    assert client.get(f"/r/{link.token}").status_code == 404
    assert taps(db, menu)[1] == 0
