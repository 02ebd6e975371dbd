"""Who sees which menu: the first matching rule in priority order, periods in the shop's time
zone (start included, end excluded), bulk links in chunks of 500, and re-linking only the
friends whose menu changed."""

from __future__ import annotations

from datetime import datetime

from app.models import Customer, RichMenu, RichMenuLink, Segment
from app.richmenus.assign import local_period
from tests.helpers import count, fresh
from tests.richmenus.conftest import drawn_spec

JST_10 = datetime.fromisoformat("2026-12-10T10:00:00+09:00")


def live_id(db, menu) -> str:
    fresh(db)
    return db.get(RichMenu, menu.id).line_rich_menu_id


def links(fake_line) -> list[tuple[str, str | None, int]]:
    return [(kind, menu, len(users)) for kind, menu, users in fake_line.bulk_calls]


def test_linked_friends_are_linked_in_chunks_of_500(
    db, make_menu, make_rule, publish_menu, keep_menus, fake_line, linked_friends, many_friends
):
    members = make_menu(drawn_spec("会員メニュー"))
    make_rule(members, "linked")
    linked = linked_friends(1201)
    unlinked = many_friends(30)
    assert publish_menu(members).ok  # publishing links who should see it
    menu_id = live_id(db, members)
    assert links(fake_line) == [("link", menu_id, 500), ("link", menu_id, 500), ("link", menu_id, 201)]
    assert all(fake_line.user_menus[f.line_user_id] == menu_id for f in linked)
    assert not any(f.line_user_id in fake_line.user_menus for f in unlinked)
    assert count(db, RichMenuLink, RichMenuLink.line_rich_menu_id == menu_id) == 1201


def test_only_friends_whose_menu_changed_are_relinked(
    db, shop, make_menu, make_rule, publish_menu, keep_menus, fake_line, linked_friends, many_friends
):
    members = make_menu(drawn_spec("会員メニュー"))
    guests = make_menu(drawn_spec("未連携メニュー"))
    make_rule(members, "linked", priority=1)
    make_rule(guests, "unlinked", priority=2)
    publish_menu(members)
    linked = linked_friends(600)
    unlinked = many_friends(700)
    publish_menu(guests)
    member_id, guest_id = live_id(db, members), live_id(db, guests)
    assert keep_menus() == {}  # already in step (publishing guests linked everyone): no call
    fake_line.bulk_calls.clear()
    # three unlinked friends link their store account
    for friend in unlinked[:3]:
        customer = Customer(shop_id=shop.id, shopify_id=9_000_000 + friend.id)
        db.add(customer)
        db.flush()
        friend.customer_id = customer.id
        db.add(friend)
    db.commit()
    assert keep_menus() == {"linked": 3, "calls": 1}
    assert links(fake_line) == [("link", member_id, 3)]
    assert {fake_line.user_menus[f.line_user_id] for f in unlinked[:3]} == {member_id}
    assert fake_line.user_menus[unlinked[3].line_user_id] == guest_id
    assert fake_line.user_menus[linked[0].line_user_id] == member_id


def test_a_friend_no_rule_matches_any_more_is_unlinked_to_see_the_default(
    db, make_menu, make_rule, publish_menu, keep_menus, fake_line, linked_friends
):
    default = make_menu(drawn_spec("基本"), is_default=True)
    members = make_menu(drawn_spec("会員"))
    rule = make_rule(members, "linked")
    publish_menu(default)
    friends = linked_friends(2)
    publish_menu(members)
    assert all(fake_line.menu_seen_by(f.line_user_id) == live_id(db, members) for f in friends)
    db.delete(db.get(type(rule), rule.id))
    db.commit()
    fake_line.bulk_calls.clear()
    assert keep_menus() == {"unlinked": 2, "calls": 1}
    assert links(fake_line) == [("unlink", None, 2)]
    assert all(fake_line.menu_seen_by(f.line_user_id) == live_id(db, default) for f in friends)
    assert keep_menus() == {}


def test_the_first_rule_in_priority_order_wins(
    db, shop, make_menu, make_rule, publish_menu, keep_menus, fake_line, linked_friends
):
    vip_menu = make_menu(drawn_spec("VIP"))
    members = make_menu(drawn_spec("会員"))
    friends = linked_friends(3)
    big = db.get(Customer, friends[0].customer_id)
    big.total_spent = 50000
    db.add(big)
    vip = Segment(
        shop_id=shop.id,
        name="VIP",
        definition={
            "match": "all",
            "groups": [{"match": "all", "conditions": [{"field": "total_spent", "op": "gte", "value": 30000}]}],
        },
    )
    db.add(vip)
    db.commit()
    make_rule(members, "linked", priority=5)
    make_rule(vip_menu, "segment", segment_id=vip.id, priority=1)
    publish_menu(members)
    publish_menu(vip_menu)
    assert fake_line.user_menus[friends[0].line_user_id] == live_id(db, vip_menu)
    assert fake_line.user_menus[friends[1].line_user_id] == live_id(db, members)


def test_a_periods_start_and_end_in_the_shops_time_zone(
    db, shop, make_menu, make_rule, publish_menu, keep_menus, fake_line, linked_friends
):
    sale = make_menu(drawn_spec("年末セール"))
    make_rule(sale, "linked", starts_at="2026-12-10T10:00", ends_at="2026-12-10T12:00")  # Asia/Tokyo
    friend = linked_friends(1)[0]
    publish_menu(sale)
    sale_id = live_id(db, sale)
    fake_line.bulk_calls.clear()

    def seen(at: str):
        keep_menus(now=datetime.fromisoformat(at))
        return fake_line.user_menus.get(friend.line_user_id)

    assert seen("2026-12-10T09:59:59+09:00") is None
    assert seen("2026-12-10T10:00:00+09:00") == sale_id  # the start is included
    assert seen("2026-12-10T11:59:59+09:00") == sale_id
    assert seen("2026-12-10T03:00:00+00:00") is None  # 12:00 in Tokyo: the end is excluded
    assert links(fake_line) == [("link", sale_id, 1), ("unlink", None, 1)]  # one call at each edge


def test_local_periods_are_read_in_the_shops_time_zone():
    start, end = local_period("2026-12-10T10:00", "2026-12-10T12:00", "Asia/Tokyo")
    assert start.isoformat() == "2026-12-10T01:00:00+00:00" and end.isoformat() == "2026-12-10T03:00:00+00:00"
    start, _ = local_period("2026-07-01T00:00", None, "America/New_York")
    assert start.isoformat() == "2026-07-01T04:00:00+00:00"


def test_a_refused_bulk_link_is_left_for_the_next_run(
    db, make_menu, make_rule, publish_menu, keep_menus, fake_line, linked_friends
):
    members = make_menu(drawn_spec("会員"))
    make_rule(members, "linked")
    publish_menu(members)
    friends = linked_friends(700)
    fake_line.fail_next(1, 400, path="/v2/bot/richmenu/bulk/link")
    assert keep_menus() == {"linked": 200, "calls": 1, "failed": 500}
    assert count(db, RichMenuLink) == 200
    assert keep_menus() == {"linked": 500, "calls": 1}
    assert all(fake_line.user_menus[f.line_user_id] == live_id(db, members) for f in friends)


def test_the_worker_job_keeps_menus_in_step(app, db, make_menu, make_rule, publish_menu, fake_line, linked_friends):
    from app.jobs import JOBS, run_job
    from app.timeutil import utcnow

    members = make_menu(drawn_spec("会員"))
    make_rule(members, "linked")
    publish_menu(members)
    friends = linked_friends(3)  # linked after the menu was published
    job = next(j for j in JOBS if j.name == "keep_rich_menus_in_step")
    assert run_job(app, job, utcnow()) == {"linked": 3, "calls": 1, "full": 1}  # the shop's first run is full
    assert all(fake_line.user_menus[f.line_user_id] == live_id(db, members) for f in friends)
    assert run_job(app, job, utcnow()) == {}  # nothing changed, nobody marked: nothing decided


def test_the_menu_a_friend_is_linked_to_is_in_their_data_export(
    db, shop, make_menu, make_rule, publish_menu, linked_friends
):
    from app.privacy.holdings import ShopperRef, holdings_of
    from app.shopify.export import customer_export

    members = make_menu(drawn_spec("会員"))
    make_rule(members, "linked")
    [friend] = linked_friends(1)
    publish_menu(members)
    fresh(db)
    customer = db.get(Customer, friend.customer_id)
    held = holdings_of(session=db, shop=shop, ref=ShopperRef(customer_shopify_id=customer.shopify_id))
    export = customer_export(held)
    assert [row["line_rich_menu_id"] for row in export["rich_menus"]] == [live_id(db, members)]
