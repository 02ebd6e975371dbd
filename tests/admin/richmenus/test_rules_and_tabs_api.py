"""The page's rule and tab-set editing through the API: rules reordered (every rule, no
other shop's), periods read in the shop's time zone with errors by field; a tab set made
from drawn menus (copies with a tab strip switching by alias), refused by field when a menu
or an alias is wrong, nothing half-saved."""

from __future__ import annotations

from app.models import RichMenu
from tests.helpers import rows
from tests.richmenus.conftest import drawn_spec


def new_menu(api, name="基本", **changes) -> dict:
    response = api("POST", "/api/rich-menus", drawn_spec(name, **changes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["menus"][0]


def test_rules_are_reordered_and_show_their_local_period(api, shop):
    menu = new_menu(api)
    made = [
        api("POST", "/api/rich-menus/rules", {"menu_id": menu["id"], "kind": kind, "priority": i}).get_json()["rule"]
        for i, kind in enumerate(["linked", "unlinked"])
    ]
    timed = {"menu_id": menu["id"], "kind": "linked", "priority": 2, "starts_at": "2026-12-10T10:00"}
    made.append(api("POST", "/api/rich-menus/rules", timed).get_json()["rule"])
    assert made[2]["starts_local"] == "2026-12-10T10:00" and made[2]["starts_at"].startswith("2026-12-10T01:00")
    order = [made[2]["id"], made[0]["id"], made[1]["id"]]
    response = api("POST", "/api/rich-menus/rules/order", {"rule_ids": order})
    assert response.status_code == 200, response.get_json()
    assert [(r["id"], r["priority"]) for r in response.get_json()["rules"]] == list(zip(order, [0, 1, 2], strict=True))
    listed = api("GET", "/api/rich-menus").get_json()["rules"]
    assert [r["id"] for r in listed] == order


def test_a_reorder_that_is_not_exactly_the_shops_rules_changes_nothing(api, shop):
    menu = new_menu(api)
    ids = [
        api("POST", "/api/rich-menus/rules", {"menu_id": menu["id"], "kind": k, "priority": i}).get_json()["rule"]["id"]
        for i, k in enumerate(["linked", "unlinked"])
    ]
    for bad in ([ids[1]], [ids[1], ids[0], 999999], [ids[1], ids[1]], "x", [ids[1], True]):
        response = api("POST", "/api/rich-menus/rules/order", {"rule_ids": bad})
        assert response.status_code == 422 and "rule_ids" in response.get_json()["errors"], bad
    assert [r["id"] for r in api("GET", "/api/rich-menus").get_json()["rules"]] == ids


def test_a_period_that_is_not_a_date_is_refused_by_its_field(api, shop):
    menu = new_menu(api)
    response = api("POST", "/api/rich-menus/rules", {"menu_id": menu["id"], "kind": "linked", "ends_at": "tomorrow"})
    assert response.status_code == 422
    assert (
        set(response.get_json()["errors"]) == {"ends_at"}
        and "2026-12-10T10:00" in response.get_json()["errors"]["ends_at"]
    )
    assert api("GET", "/api/rich-menus").get_json()["rules"] == []


def test_a_tab_set_is_made_from_drawn_menus_with_a_switching_tab_strip(api, shop, db):
    home = new_menu(api, "ホーム", is_default=True)
    sale = new_menu(api, "セール", buttons=2)
    body = {
        "name": "冬のメニュー",
        "tabs": [
            {"menu_id": home["id"], "alias_id": "winter-home"},
            {"menu_id": sale["id"], "alias_id": "winter-sale", "label": "SALE"},
        ],
    }
    response = api("POST", "/api/rich-menus/tab-sets", body)
    assert response.status_code == 201, response.get_json()
    tabs = response.get_json()["menus"]
    assert [(t["tab_set"], t["tab_index"], t["alias_id"]) for t in tabs] == [
        ("冬のメニュー", 0, "winter-home"),
        ("冬のメニュー", 1, "winter-sale"),
    ]
    assert tabs[0]["is_default"] and not tabs[1]["is_default"]  # the default menu's set starts on its tab
    second = tabs[1]["areas"]
    assert [a["action"].get("richMenuAliasId") for a in second[:2]] == ["winter-home", "winter-sale"]
    assert len(second) == 4 and second[2]["bounds"]["y"] == 220  # two buttons below the 220 px strip
    assert tabs[1]["drawing"]["tabs"] == {"labels": ["ホーム", "SALE"], "active": 1}
    assert tabs[1]["image_bytes"] > 0
    originals = {m.id: m for m in rows(db, RichMenu, RichMenu.id.in_([home["id"], sale["id"]]))}
    assert all(m.tab_set is None and len(m.areas) in (2, 3) for m in originals.values())  # copies were made


def test_a_wrong_tab_set_is_refused_by_field_and_nothing_is_saved(api, shop, db):
    home = new_menu(api, "ホーム")
    before = len(rows(db, RichMenu))
    cases = [
        (
            {"name": "", "tabs": [{"menu_id": home["id"], "alias_id": "a"}, {"menu_id": 999999, "alias_id": "b"}]},
            {"tab_set", "tabs[1].menu_id"},
        ),
        (
            {
                "name": "x",
                "tabs": [{"menu_id": home["id"], "alias_id": "a"}, {"menu_id": home["id"], "alias_id": "b c"}],
            },
            {"tabs[1].menu_id", "tabs[1].alias_id"},
        ),
        ({"name": "x", "tabs": [{"menu_id": home["id"], "alias_id": "a"}]}, {"tabs"}),
    ]
    for body, fields in cases:
        response = api("POST", "/api/rich-menus/tab-sets", body)
        assert response.status_code == 422 and set(response.get_json()["errors"]) == fields, response.get_json()
    assert len(rows(db, RichMenu)) == before
