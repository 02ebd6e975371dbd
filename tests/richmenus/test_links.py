"""A published menu's web buttons reach LINE as /r/ links; a tap redirects to the store with
the menu's UTM and is counted for its area; republishing keeps the links."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from app.models import LinkClick, RichMenu, TrackedLink
from tests.helpers import fresh, rows
from tests.plugins.tracking import token_of
from tests.richmenus.conftest import drawn_spec

STORE = "https://test-shop.myshopify.com/collections/sale?sort=new&utm_source=old"


def menu_with_links(make_menu):
    spec = drawn_spec("Winter menu", is_default=True)
    spec["areas"][1]["action"] = {"type": "uri", "uri": STORE}
    spec["areas"][2]["action"] = {"type": "uri", "uri": "https://test-shop.myshopify.com/"}
    return make_menu(spec)


def sent_uris(db, fake_line, menu) -> list:
    fresh(db)
    line_id = db.get(RichMenu, menu.id).line_rich_menu_id
    return [a["action"].get("uri") for a in fake_line.rich_menus[line_id]["body"]["areas"]]


def test_the_menu_sent_to_line_carries_r_links_with_the_menus_utm(db, make_menu, publish_menu, fake_line):
    menu = menu_with_links(make_menu)
    assert publish_menu(menu).ok
    first, sale, home = sent_uris(db, fake_line, menu)
    assert first is None  # a message button is left as it is
    links = {r.area: r for r in rows(db, TrackedLink, TrackedLink.rich_menu_id == menu.id)}
    assert set(links) == {2, 3}
    assert token_of(sale) == links[2].token and token_of(home) == links[3].token
    target = urlsplit(links[2].target)
    assert target.path == "/collections/sale"
    assert parse_qs(target.query) == {
        "sort": ["new"],
        "utm_source": ["line"],
        "utm_medium": ["richmenu"],
        "utm_campaign": [f"winter-menu-{menu.id}"],
        "utm_content": ["area-2"],
    }
    assert links[3].flow == "richmenu" and links[3].customer_id is None and links[3].shop_id == menu.shop_id


def test_a_tap_redirects_to_the_target_and_counts_for_its_area(db, make_menu, publish_menu, fake_line, click):
    menu = menu_with_links(make_menu)
    assert publish_menu(menu).ok
    _, sale, home = sent_uris(db, fake_line, menu)
    response = click(token_of(sale))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(STORE.split("?")[0] + "?sort=new&utm_source=line")
    assert "utm_content=area-2" in response.headers["Location"]
    click(token_of(sale))
    fresh(db)
    counted = {r.area: r.clicks for r in rows(db, TrackedLink, TrackedLink.rich_menu_id == menu.id)}
    assert counted == {2: 2, 3: 0}
    assert {c.flow for c in rows(db, LinkClick, LinkClick.shop_id == menu.shop_id)} == {"richmenu"}


def test_republishing_keeps_the_links_and_a_changed_target_gets_a_new_one(db, make_menu, publish_menu, fake_line):
    menu = menu_with_links(make_menu)
    assert publish_menu(menu).ok
    before = sent_uris(db, fake_line, menu)
    assert publish_menu(menu).ok
    assert sent_uris(db, fake_line, menu) == before
    row = db.get(RichMenu, menu.id)
    areas = [dict(a) for a in row.areas]
    areas[2] = {
        "bounds": areas[2]["bounds"],
        "action": {"type": "uri", "uri": "https://test-shop.myshopify.com/pages/new"},
    }
    row.areas = areas
    db.add(row)
    db.commit()
    assert publish_menu(menu).ok
    after = sent_uris(db, fake_line, menu)
    assert after[1] == before[1] and after[2] != before[2]
    assert len(rows(db, TrackedLink, TrackedLink.rich_menu_id == menu.id)) == 3
