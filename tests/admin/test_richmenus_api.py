"""The rich menu admin API: refusals by field in the merchant's language, a drawn preview,
a tab set published on LINE, LINE's refusal reported with the old menu still live."""

from __future__ import annotations

import base64
import io

from PIL import Image

from tests.richmenus.conftest import drawn_spec, tab_specs


def test_a_bad_link_and_a_wrong_image_are_refused_by_field(api, shop):
    spec = drawn_spec()
    spec["areas"][0]["action"] = {"type": "uri", "uri": "http://shop.example/"}
    response = api("POST", "/api/rich-menus", spec)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"areas[0].action.uri": "リンク先は https:// で始まる URL にしてください。"}

    small = io.BytesIO()
    Image.new("RGB", (800, 270)).save(small, "PNG")
    upload = {k: v for k, v in drawn_spec().items() if k != "drawing"}
    upload["image_base64"] = base64.b64encode(small.getvalue()).decode()
    errors = api("POST", "/api/rich-menus", upload).get_json()["errors"]
    assert errors == {"image": "画像は 2500×1686 ピクセルにしてください (いまは 800×270)。"}
    assert api("GET", "/api/rich-menus").get_json()["menus"] == []


def test_an_uploaded_image_of_the_right_size_is_kept_byte_for_byte(api, shop):
    image = io.BytesIO()
    Image.new("RGB", (2500, 843), "#123456").save(image, "JPEG")
    upload = {k: v for k, v in drawn_spec(size="compact").items() if k != "drawing"}
    upload["image_base64"] = base64.b64encode(image.getvalue()).decode()
    created = api("POST", "/api/rich-menus", upload)
    assert created.status_code == 201
    menu = api("GET", f"/api/rich-menus/{created.get_json()['menus'][0]['id']}").get_json()["menu"]
    assert menu["image"] == "data:image/jpeg;base64," + upload["image_base64"]


def test_the_preview_draws_what_would_be_saved(api, shop):
    response = api("POST", "/api/rich-menus/preview", drawn_spec(size="compact"))
    body = response.get_json()
    assert response.status_code == 200 and body["font_ok"] and body["bytes"] <= 1024 * 1024
    data = base64.b64decode(body["image"].split(",", 1)[1])
    assert Image.open(io.BytesIO(data)).size == (2500, 843)
    saved = api("POST", "/api/rich-menus", drawn_spec(size="compact")).get_json()["menus"][0]
    stored = api("GET", f"/api/rich-menus/{saved['id']}").get_json()["menu"]["image"]
    assert stored == body["image"]  # the preview is the image LINE will get


def test_a_tab_set_is_saved_and_published_through_the_api(api, shop, channel, fake_line):
    created = api("POST", "/api/rich-menus", {"menus": tab_specs(("ホーム", "セール", "会員")), "tab_set": "main"})
    assert created.status_code == 201, created.get_json()
    menus = created.get_json()["menus"]
    assert [m["tab_index"] for m in menus] == [0, 1, 2] and [m["alias_id"] for m in menus] == [
        "tab-0",
        "tab-1",
        "tab-2",
    ]
    published = api("POST", f"/api/rich-menus/{menus[0]['id']}/publish")
    assert published.status_code == 200 and published.get_json()["menu"]["live"]
    assert set(fake_line.aliases) == {"tab-0", "tab-1", "tab-2"} and len(fake_line.rich_menus) == 3
    assert api("DELETE", f"/api/rich-menus/{menus[0]['id']}").status_code == 409  # live: unpublish first
    assert api("POST", f"/api/rich-menus/{menus[0]['id']}/unpublish").status_code == 200
    assert fake_line.rich_menus == {} and fake_line.aliases == {} and fake_line.default_rich_menu is None
    assert api("DELETE", f"/api/rich-menus/{menus[0]['id']}").status_code == 200


def test_a_refused_publish_answers_502_with_lines_words(api, shop, channel, fake_line):
    menu = api("POST", "/api/rich-menus", drawn_spec(is_default=True)).get_json()["menus"][0]
    assert api("POST", f"/api/rich-menus/{menu['id']}/publish").status_code == 200
    live = fake_line.default_rich_menu
    fake_line.fail_next(1, 400, path="/v2/bot/richmenu")
    response = api("POST", f"/api/rich-menus/{menu['id']}/publish")
    body = response.get_json()
    assert response.status_code == 502 and "LINE 400" in body["message"] and "以前のメニュー" in body["message"]
    assert body["menu"]["live"] and fake_line.default_rich_menu == live


def test_publishing_without_a_line_account_says_so(api, shop):
    menu = api("POST", "/api/rich-menus", drawn_spec()).get_json()["menus"][0]
    response = api("POST", f"/api/rich-menus/{menu['id']}/publish")
    assert response.status_code == 422 and "LINE" in response.get_json()["errors"]["channel"]


def test_rules_take_a_local_period_and_refuse_an_end_before_the_start(api, shop):
    menu = api("POST", "/api/rich-menus", drawn_spec()).get_json()["menus"][0]
    rule = {"menu_id": menu["id"], "kind": "linked", "starts_at": "2026-12-10T10:00", "ends_at": "2026-12-10T12:00"}
    created = api("POST", "/api/rich-menus/rules", rule)
    assert created.status_code == 201
    assert created.get_json()["rule"]["starts_at"] == "2026-12-10T01:00:00+00:00"  # 10:00 in Tokyo
    wrong = api("POST", "/api/rich-menus/rules", rule | {"ends_at": "2026-12-10T09:00"})
    assert wrong.status_code == 422 and "ends_at" in wrong.get_json()["errors"]
    assert api("POST", "/api/rich-menus/rules", rule | {"kind": "vip"}).status_code == 422
    listed = api("GET", "/api/rich-menus").get_json()
    assert [r["kind"] for r in listed["rules"]] == ["linked"]
    assert api("DELETE", f"/api/rich-menus/rules/{listed['rules'][0]['id']}").status_code == 200


def test_results_count_taps_per_web_button_within_the_period(api, shop, channel, fake_line, click, db):
    from datetime import timedelta

    from app.models import LinkClick, TrackedLink
    from app.timeutil import utcnow
    from tests.helpers import rows

    spec = drawn_spec("Sale menu", is_default=True)
    spec["areas"][0]["action"] = {"type": "uri", "uri": "https://test-shop.myshopify.com/collections/sale"}
    spec["areas"][2]["action"] = {"type": "uri", "uri": "https://test-shop.myshopify.com/"}
    menu = api("POST", "/api/rich-menus", spec).get_json()["menus"][0]
    assert api("POST", f"/api/rich-menus/{menu['id']}/publish").status_code == 200
    links = {r.area: r for r in rows(db, TrackedLink, TrackedLink.rich_menu_id == menu["id"])}
    old = LinkClick(shop_id=shop.id, link_id=links[3].id, flow="richmenu", clicked_at=utcnow() - timedelta(days=40))
    db.add(old)
    db.commit()
    for _ in range(3):
        click(links[1].token)
    click(links[3].token)

    body = api("GET", f"/api/rich-menus/{menu['id']}/results").get_json()
    assert body["days"] == 30
    assert [(a["area"], a["kind"], a["taps"], a["counted"]) for a in body["areas"]] == [
        (1, "web", 3, True),
        (2, "message", 0, False),  # a message button cannot be counted: listed as such
        (3, "web", 1, True),
    ]
    assert body["areas"][0]["target"].endswith(f"utm_campaign=sale-menu-{menu['id']}&utm_content=area-1")
    longer = api("GET", f"/api/rich-menus/{menu['id']}/results?days=60").get_json()
    assert [(a["area"], a["taps"]) for a in longer["areas"]] == [(1, 3), (2, 0), (3, 2)]
    page = api("GET", "/rich-menus")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    assert 'data-area="1" data-kind="web"><td>Sale menu</td><td>ボタン 1</td><td>リンク</td>' in html
    assert 'data-area="2" data-kind="message"><td>Sale menu</td><td>ボタン 2</td><td>メッセージ</td>' in html
    assert "数えられません (—)" in html
    assert '<td class="num" data-cell="taps">3</td>' in html and "ボタンのタップ数と成果 (過去 30 日)" in html
