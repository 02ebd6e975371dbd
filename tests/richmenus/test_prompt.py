"""Keeping menus in step promptly: a friend who links, unlinks, buys, follows or blocks is
marked due in the same transaction and the worker's next run decides only the marked friends
(one bulk call for one friend), while a rule change, a period's start or end, or the hour
makes the run full."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app import ext
from app.line import customer_links
from app.models import Customer, LineFriend, RichMenuSync, Segment
from app.richmenus import assign
from app.richmenus.assign import FULL_EVERY, keep_all_in_step
from app.timeutil import utcnow
from tests.helpers import fresh, rows
from tests.plugins.flows import CUSTOMER_ID
from tests.plugins.line import friend_of
from tests.richmenus.conftest import drawn_spec
from tests.richmenus.test_assign import links, live_id


@pytest.fixture
def job(app):
    """The worker's job at `now` (default: the clock)."""

    def run(now: datetime | None = None) -> dict:
        with app.app_context():
            return keep_all_in_step(engine=ext.engine(app), now=now or utcnow())

    return run


@pytest.fixture
def two_menus(db, make_menu, make_rule, publish_menu):
    """A members' menu for linked friends and a guests' menu for the others, both live."""
    members, guests = make_menu(drawn_spec("会員")), make_menu(drawn_spec("ゲスト"))
    make_rule(members, "linked", priority=1)
    make_rule(guests, "unlinked", priority=2)
    assert publish_menu(members).ok and publish_menu(guests).ok
    return live_id(db, members), live_id(db, guests)


def due(db) -> list[int]:
    fresh(db)
    return [f.id for f in rows(db, LineFriend, LineFriend.menu_due_at.is_not(None))]


def test_a_friend_who_links_is_relinked_alone_by_the_next_run(
    db, app, shop, two_menus, job, fake_line, many_friends, linked_friends, monkeypatch
):
    member_id, guest_id = two_menus
    guests = many_friends(600)
    linked_friends(3)
    assert job()["full"] == 1  # the shop's first run decides everyone
    assert job() == {}  # nobody marked: nothing decided, no call
    fake_line.bulk_calls.clear()
    friend = db.get(LineFriend, guests[10].id)
    customer = Customer(shop_id=shop.id, shopify_id=9_100_000)
    db.add(customer)
    db.flush()
    with app.app_context():
        customer_links.link(session=db, shop=shop, friend=friend, customer=customer, method="chat", actor="test")
    db.commit()
    assert due(db) == [friend.id]
    decided = []
    real_desired = assign.desired

    def spy(**kwargs):
        wanted, skipped = real_desired(**kwargs)
        decided.append(sorted(wanted))
        return wanted, skipped

    monkeypatch.setattr(assign, "desired", spy)

    assert job() == {"linked": 1, "calls": 1, "due": 1}
    assert decided == [[friend.id]]  # one friend's rules were evaluated, not 603 friends'

    assert fake_line.bulk_calls == [("link", member_id, [friend.line_user_id])]
    assert fake_line.user_menus[guests[11].line_user_id] == guest_id
    assert due(db) == []
    assert job() == {}


def test_an_order_moves_its_buyer_to_the_segment_menu_in_the_next_run(
    db, shop, friend, make_menu, make_rule, publish_menu, job, fake_line, send_webhook, payload_copy, linked_friends
):
    buyers = Segment(
        shop_id=shop.id,
        name="購入者",
        definition={
            "match": "all",
            "groups": [{"match": "all", "conditions": [{"field": "last_order", "op": "within", "days": 30}]}],
        },
    )
    db.add(buyers)
    db.commit()
    vip = make_menu(drawn_spec("購入者メニュー"))
    make_rule(vip, "segment", segment_id=buyers.id)
    assert publish_menu(vip).ok
    others = linked_friends(5)
    job()
    assert fake_line.menu_seen_by(friend_of(db, friend.line_user_id).line_user_id) is None
    fake_line.bulk_calls.clear()

    send_webhook("orders/create", payload_copy("orders_create", processed_at=utcnow().isoformat()))

    assert due(db) == [friend.id]
    assert job() == {"linked": 1, "calls": 1, "due": 1}
    assert links(fake_line) == [("link", live_id(db, vip), 1)]
    assert fake_line.menu_seen_by(friend.line_user_id) == live_id(db, vip)
    assert all(fake_line.menu_seen_by(f.line_user_id) is None for f in others)


def test_follow_and_block_mark_the_friend(db, chat, fake_line, user, channel):
    chat(fake_line.follow_event(user))
    friend = friend_of(db, user)
    assert friend.menu_due_at is not None
    db.execute(LineFriend.__table__.update().values(menu_due_at=None))
    db.commit()
    chat(fake_line.unfollow_event(user))
    assert friend_of(db, user).menu_due_at is not None


def test_an_order_of_a_customer_without_a_friend_marks_nobody(db, shop, channel, send_webhook, payload_copy):
    send_webhook("orders/create", payload_copy("orders_create"))
    assert rows(db, Customer, Customer.shopify_id == CUSTOMER_ID)  # the buyer is known
    assert due(db) == []


def test_a_period_takes_effect_at_its_minute_without_full_runs_between(
    db, make_menu, make_rule, publish_menu, job, fake_line, linked_friends
):
    sale = make_menu(drawn_spec("セール"))
    make_rule(sale, "linked", starts_at="2026-12-10T10:00", ends_at="2026-12-10T12:00")  # Asia/Tokyo
    [friend] = linked_friends(1)
    assert publish_menu(sale).ok
    sale_id = live_id(db, sale)
    at = lambda text: datetime.fromisoformat(text)  # noqa: E731

    assert job(at("2026-12-10T09:58:00+09:00")).get("full") == 1  # the first run
    assert job(at("2026-12-10T09:59:00+09:00")) == {}  # no edge passed, nobody due
    assert job(at("2026-12-10T10:00:00+09:00")) == {"linked": 1, "calls": 1, "full": 1}  # the start
    assert fake_line.user_menus[friend.line_user_id] == sale_id
    assert job(at("2026-12-10T10:01:00+09:00")) == {}
    assert job(at("2026-12-10T11:59:00+09:00")).get("full") == 1  # the hourly full run: nothing to change
    assert job(at("2026-12-10T12:00:00+09:00")) == {"unlinked": 1, "calls": 1, "full": 1}  # the end
    assert fake_line.menu_seen_by(friend.line_user_id) is None


def test_a_rule_change_makes_the_next_run_full(db, two_menus, job, make_menu, make_rule, publish_menu):
    job()
    assert job() == {}
    fresh(db)
    extra = make_menu(drawn_spec("新メニュー"))
    make_rule(extra, "linked", priority=0)
    assert job().get("full") == 1


def test_the_hour_makes_a_run_full(db, two_menus, job):
    now = utcnow()
    job(now)
    assert job(now + FULL_EVERY - timedelta(minutes=1)) == {}
    assert job(now + FULL_EVERY).get("full") == 1


def test_a_friend_whose_call_failed_stays_due_and_is_tried_again(
    db, app, shop, two_menus, job, fake_line, many_friends
):
    member_id, _ = two_menus
    [friend] = many_friends(1)
    job()
    fresh(db)
    with app.app_context():
        customer = Customer(shop_id=shop.id, shopify_id=9_200_000)
        db.add(customer)
        db.flush()
        customer_links.link(
            session=db, shop=shop, friend=db.get(LineFriend, friend.id), customer=customer, method="chat", actor="t"
        )
    db.commit()
    fake_line.fail_next(1, 400, path="/v2/bot/richmenu/bulk/link")  # refused: not retried within the run
    assert job().get("failed") == 1
    assert due(db) == [friend.id]
    assert job() == {"linked": 1, "calls": 1, "due": 1}
    assert fake_line.user_menus[friend.line_user_id] == member_id
    assert due(db) == []


def test_the_first_full_run_is_recorded(db, shop, two_menus, job):
    job()
    [sync] = rows(db, RichMenuSync)
    assert sync.shop_id == shop.id and sync.full_at is not None and len(sync.rules_key) == 64
