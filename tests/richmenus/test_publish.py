"""Publishing on LINE: create → upload → alias/default switch → delete old; a failure keeps
the previous menu live and says what LINE answered; LINE is never called with a menu our
own checks refuse."""

from __future__ import annotations

import re

from app.models import RichMenu
from tests.helpers import fresh
from tests.richmenus.conftest import drawn_spec, tab_specs


def richmenu_calls(fake_line) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake_line.requests if "richmenu" in r.path]


def test_a_drawn_default_menu_reaches_line_with_the_previewed_bytes(db, make_menu, publish_menu, fake_line):
    menu = make_menu(is_default=True)
    outcome = publish_menu(menu)
    assert outcome.ok, outcome
    fresh(db)
    menu = db.get(RichMenu, menu.id)
    assert menu.status == "published" and menu.line_rich_menu_id in fake_line.rich_menus
    on_line = fake_line.rich_menus[menu.line_rich_menu_id]
    assert on_line["image"] == menu.image and on_line["content_type"] == "image/png"
    assert on_line["body"]["chatBarText"] == "メニュー" and len(on_line["body"]["areas"]) == 3
    assert fake_line.default_rich_menu == menu.line_rich_menu_id
    # the image went to the data host, never to api.line.me
    assert [p for m, p in richmenu_calls(fake_line) if p.endswith("/content")] == [
        f"/api-data/v2/bot/richmenu/{menu.line_rich_menu_id}/content"
    ]


def test_republishing_creates_the_new_menu_before_deleting_the_old(db, make_menu, publish_menu, fake_line):
    menu = make_menu(is_default=True)
    publish_menu(menu)
    fresh(db)
    old = db.get(RichMenu, menu.id).line_rich_menu_id
    fake_line.requests.clear()
    assert publish_menu(menu).ok
    fresh(db)
    new = db.get(RichMenu, menu.id).line_rich_menu_id
    assert new != old and list(fake_line.rich_menus) == [new] and fake_line.default_rich_menu == new
    calls = richmenu_calls(fake_line)
    order = [
        calls.index(("POST", "/v2/bot/richmenu")),
        calls.index(("POST", f"/api-data/v2/bot/richmenu/{new}/content")),
        calls.index(("POST", f"/v2/bot/user/all/richmenu/{new}")),
        calls.index(("DELETE", f"/v2/bot/richmenu/{old}")),
    ]
    assert order == sorted(order)


def test_a_failed_upload_keeps_the_previous_menu_live_and_says_what_line_answered(
    db, make_menu, publish_menu, fake_line
):
    menu = make_menu(is_default=True)
    publish_menu(menu)
    fresh(db)
    live = db.get(RichMenu, menu.id).line_rich_menu_id
    fake_line.fail_next(1, 400, path="/api-data/")
    outcome = publish_menu(menu)
    assert not outcome.ok and "LINE 400" in outcome.line_answer and "Bad Request" in outcome.line_answer
    fresh(db)
    menu = db.get(RichMenu, menu.id)
    assert menu.line_rich_menu_id == live and menu.status == "published"
    assert "Bad Request" in menu.publish_error and "以前のメニュー" in menu.publish_error
    # the half-made menu was deleted again; friends still see the old one
    assert list(fake_line.rich_menus) == [live] and fake_line.default_rich_menu == live


def test_a_failed_default_switch_deletes_the_new_menu_and_keeps_the_old(db, make_menu, publish_menu, fake_line):
    menu = make_menu(is_default=True)
    publish_menu(menu)
    fresh(db)
    live = db.get(RichMenu, menu.id).line_rich_menu_id
    fake_line.fail_next(1, 403, path="/v2/bot/user/all/richmenu/")
    outcome = publish_menu(menu)
    assert not outcome.ok and "LINE 403" in outcome.line_answer
    assert list(fake_line.rich_menus) == [live] and fake_line.default_rich_menu == live


def test_a_first_publish_that_fails_is_marked_failed(db, make_menu, publish_menu, fake_line):
    menu = make_menu()
    fake_line.fail_next(1, 400, path="/v2/bot/richmenu")
    assert not publish_menu(menu).ok
    fresh(db)
    menu = db.get(RichMenu, menu.id)
    assert menu.status == "failed" and menu.line_rich_menu_id is None and fake_line.rich_menus == {}


def test_a_menu_our_checks_refuse_never_reaches_line(db, make_menu, publish_menu, fake_line):
    menu = make_menu()
    menu.areas = [{**menu.areas[0], "action": {"type": "uri", "uri": "http://shop.example/"}}, *menu.areas[1:]]
    db.add(menu)
    db.commit()
    outcome = publish_menu(menu)
    assert not outcome.ok and [p.field for p in outcome.problems] == ["areas[0].action.uri"]
    assert richmenu_calls(fake_line) == []


def test_a_tab_set_is_published_with_aliases_that_switch_between_tabs(db, shop, publish_menu, fake_line):
    from app.richmenus.service import save_menus

    menus, problems = save_menus(session=db, shop=shop, specs=tab_specs(), tab_set="main")
    assert problems == []
    db.commit()
    assert publish_menu(menus[1]).ok  # publishing any tab publishes the set
    fresh(db)
    ids = [db.get(RichMenu, m.id).line_rich_menu_id for m in menus]
    assert fake_line.aliases == {"tab-0": ids[0], "tab-1": ids[1]}
    assert fake_line.default_rich_menu == ids[0]
    switch = fake_line.rich_menus[ids[0]]["body"]["areas"][1]["action"]
    # the switch's postback data carries the area's tap stamp (app/line/menu_taps.py)
    assert {k: v for k, v in switch.items() if k != "data"} == {"type": "richmenuswitch", "richMenuAliasId": "tab-1"}
    assert re.fullmatch(r"tab=1&rm=[A-Za-z0-9_-]{16}", switch["data"])
    # republishing moves the aliases (update, not create) to the new menus
    assert publish_menu(menus[0]).ok
    fresh(db)
    again = [db.get(RichMenu, m.id).line_rich_menu_id for m in menus]
    assert fake_line.aliases == {"tab-0": again[0], "tab-1": again[1]} and set(fake_line.rich_menus) == set(again)


def test_a_switch_to_an_alias_that_does_not_exist_is_refused_by_field(db, shop):
    from app.richmenus.service import save_menus

    specs = tab_specs()
    specs[0]["areas"][1]["action"]["richMenuAliasId"] = "tab-9"
    menus, problems = save_menus(session=db, shop=shop, specs=specs, tab_set="main")
    assert menus == [] and [(p.field, p.key) for p in problems] == [
        ("tabs[0].areas[1].action.richMenuAliasId", "alias_missing")
    ]


def test_a_drawn_menu_is_stored_as_the_bytes_it_will_publish(db, make_menu):
    menu = make_menu(drawn_spec(size="compact", buttons=2))
    assert menu.image.startswith(b"\x89PNG") and menu.image_type == "image/png"
