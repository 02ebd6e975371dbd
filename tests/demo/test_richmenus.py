"""The demo store has a ready three-tab menu drawn by the app (the default, linked friends)
and a menu of its own for unlinked friends, published through the real path in dry run."""

from __future__ import annotations

from app.models import LineDryRun, LineFriend, RichMenu, RichMenuLink, RichMenuRule
from tests.helpers import count, rows


def test_the_demo_has_a_published_tab_menu_and_one_for_unlinked_friends(app, db, seeded):
    menus = rows(db, RichMenu)
    tabs = sorted((m for m in menus if m.tab_set), key=lambda m: m.tab_index)
    [unlinked] = [m for m in menus if not m.tab_set]
    assert [m.alias_id for m in tabs] == ["demo-tab-0", "demo-tab-1", "demo-tab-2"] and tabs[0].is_default
    assert all(m.status == "published" and m.line_rich_menu_id and m.image.startswith(b"\x89PNG") for m in menus)
    assert unlinked.size == "compact"
    assert sorted(r.kind for r in rows(db, RichMenuRule)) == ["linked", "unlinked"]
    # every unlinked friend who follows is linked (dry run) to the unlinked menu, in bulk
    unlinked_friends = count(db, LineFriend, LineFriend.customer_id.is_(None), LineFriend.is_blocked.is_(False))
    assert count(db, RichMenuLink, RichMenuLink.line_rich_menu_id == unlinked.line_rich_menu_id) == unlinked_friends > 0
    kinds = {r.kind for r in rows(db, LineDryRun)}
    assert {"richmenu_create", "richmenu_image", "richmenu_alias", "richmenu_default", "richmenu_link"} <= kinds
    # seeding again adds nothing
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    assert count(db, RichMenu) == 4


def test_the_demo_menus_have_a_month_of_results(app, db, seeded):
    from datetime import timedelta

    from app.models import Attribution, LinkClick, Shop
    from app.richmenus.results import results
    from app.timeutil import utcnow

    [shop_of_demo] = rows(db, Shop)
    [unlinked] = [m for m in rows(db, RichMenu) if not m.tab_set]
    home = next(m for m in rows(db, RichMenu) if m.tab_index == 0 and m.tab_set)
    end = utcnow() + timedelta(minutes=1)
    start = end - timedelta(days=30)
    credited = rows(db, Attribution, Attribution.kind == "menu_landing")
    assert len(credited) == 6 and all(a.flow == "richmenu" and a.link_id for a in credited)
    found = [results(db, shop_of_demo, menu, start, end)["total"] for menu in rows(db, RichMenu)]
    assert sum(t["orders"] for t in found) == 6
    assert results(db, shop_of_demo, unlinked, start, end)["total"]["linked"] >= 1
    assert results(db, shop_of_demo, home, start, end)["total"]["taps"] > 0
    taps = count(db, LinkClick)
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    assert count(db, LinkClick) == taps  # seeding again adds nothing
