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
