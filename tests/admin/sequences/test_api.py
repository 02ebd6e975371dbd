"""The sequences API: refusals by field in the merchant's language with nothing saved, a
created and changed sequence, the timeline of unsaved steps, the switch, removing a friend
by hand, another shop's sequence answering 404; steps made of any of the composer's blocks
(saved, previewed, reopened with their products' titles; a code per recipient refused by its
step), and the editor's choice of the shop's friend sources."""

from __future__ import annotations

import json
import re

from app.models import FriendSource, RunStatus, Sequence, SequenceRun, Trigger
from app.sequences import enroll
from tests.admin.campaigns.test_composer import picture, upload
from tests.helpers import count, make_shop, rows
from tests.plugins.search import product
from tests.plugins.sequences import runs, text_step


def _page(client, fake_shopify, path: str) -> str:
    answer = client.get(path, headers={"Authorization": f"Bearer {fake_shopify.session_token('test-shop')}"})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _data(html: str, name: str) -> dict:
    return json.loads(re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', html, re.S).group(1))


def body(**changes) -> dict:
    return {
        "name": "初回購入のお礼",
        "trigger": {"kind": "first_purchase"},
        "steps": [text_step("ご購入ありがとうございます", 1, "days", at="10:00")],
        **changes,
    }


def test_bad_input_is_refused_by_field_in_japanese(api, shop):
    response = api("POST", "/api/sequences", body(trigger={}, steps=[text_step("", 100, "days")]))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["trigger.kind"] == "開始のきっかけを選んでください。"
    assert errors["steps[0].delay.amount"] == "待ち時間は0〜90の整数で入力してください。"
    assert errors["steps[0].blocks[0].text"] == "本文を入力してください。"
    assert api("GET", "/api/sequences").get_json()["sequences"] == []


def test_create_change_switch_and_remove(api, app, db, shop, linked_friends):
    created = api("POST", "/api/sequences", body(enabled=True))
    assert created.status_code == 201
    data = created.get_json()
    sequence_id = data["current"]["id"]
    assert data["dates"][0].endswith("10:00") and data["results"]["entered"] == 0
    changed = api("PUT", f"/api/sequences/{sequence_id}", {**data["current"], "name": "お礼"})
    assert changed.status_code == 200 and changed.get_json()["current"]["name"] == "お礼"

    (friend,) = linked_friends(1)
    with app.app_context():
        enroll.on_event(Trigger.FIRST_PURCHASE, session=db, shop=shop, friend=friend)
        db.commit()
    removed = api("POST", f"/api/sequences/{sequence_id}/remove", {"friend_id": friend.id})
    assert removed.get_json() == {"ok": True, "ended": 1}
    assert [(r.status, r.reason) for r in runs(db)] == [(RunStatus.EXITED, "removed")]

    off = api("POST", f"/api/sequences/{sequence_id}/switch", {"enabled": False})
    assert off.get_json()["enabled"] is False
    db.rollback()  # a fresh read, not the session's snapshot
    db.expire_all()
    assert db.get(Sequence, sequence_id).enabled is False
    assert api("POST", f"/api/sequences/{sequence_id}/switch", {"enabled": "yes"}).status_code == 422


def test_the_timeline_of_unsaved_steps(api, shop):
    steps = [text_step("a", 0), text_step("b", 2, "days", at="10:00"), text_step("c", 999, "days")]
    dates = api("POST", "/api/sequences/timeline", {"steps": steps}).get_json()["dates"]
    assert dates[1].endswith("10:00") and dates[2] is None


def test_another_shops_sequence_is_not_found(api, db, shop):
    other = make_shop(db, domain="other-shop.myshopify.com")
    db.add(Sequence(shop_id=other.id, name="よそ", trigger="friend_added"))
    db.commit()
    theirs = rows(db, Sequence)[0].id
    assert api("GET", f"/api/sequences/{theirs}").status_code == 404
    assert api("PUT", f"/api/sequences/{theirs}", body()).status_code == 404
    assert api("DELETE", f"/api/sequences/{theirs}").status_code == 404
    assert count(db, Sequence) == 1


def test_delete_cancels_waiting_steps(api, app, db, shop, linked_friends):
    sequence_id = api("POST", "/api/sequences", body(enabled=True)).get_json()["current"]["id"]
    (friend,) = linked_friends(1)
    with app.app_context():
        enroll.on_event(Trigger.FIRST_PURCHASE, session=db, shop=shop, friend=friend)
        db.commit()
    assert api("DELETE", f"/api/sequences/{sequence_id}").get_json() == {"ok": True}
    assert count(db, Sequence) == 0 and count(db, SequenceRun) == 0


# -- steps made of the composer's blocks ---------------------------------------------------------


def _rich_step(token: str, product_ids: list[int]) -> dict:
    return {
        **text_step("x", 1, "days", at="10:00"),
        "blocks": [
            {"type": "text", "text": "{customer_name}さん、新茶のご案内です"},
            {"type": "image", "token": token},
            {"type": "products", "product_ids": product_ids},
            {"type": "coupon", "mode": "shared", "code": "SHINCHA10", "text": "コード {coupon_code} で10%オフ"},
            {"type": "button", "text": "特集はこちら", "label": "特集を見る", "url": "https://tea.example/shincha"},
        ],
    }


def test_a_step_of_image_products_coupon_and_button_saves_previews_and_reopens(
    api, client, db, shop, catalog, fake_shopify
):
    made = catalog(product("宇治 煎茶"), product("ほうじ茶"))
    token = upload(api, picture()).get_json()["image"]["token"]
    step = _rich_step(token, [made["宇治 煎茶"].id, made["ほうじ茶"].id])
    created = api("POST", "/api/sequences", body(steps=[text_step("ようこそ", 0), step]))
    assert created.status_code == 201, created.get_json()
    saved = created.get_json()["current"]["steps"][1]["blocks"]
    assert saved == step["blocks"]

    messages = api("POST", "/api/campaigns/preview", {"blocks": saved}).get_json()["messages"]
    assert [m["type"] for m in messages] == ["text", "image", "flex", "text", "flex"]
    assert messages[0]["text"] == "山田 花子さん、新茶のご案内です"
    assert messages[1]["originalContentUrl"] == f"https://tsunagu.test/media/{token}.jpg"
    assert "宇治 煎茶" in str(messages[2]) and "ほうじ茶" in str(messages[2])
    assert messages[3]["text"] == "コード SHINCHA10 で10%オフ"
    assert "https://tea.example/shincha" in str(messages[4]) and "特集を見る" in str(messages[4])

    html = _page(client, fake_shopify, f"/sequences/{created.get_json()['current']['id']}")
    data = _data(html, "sequence-data")
    assert data["current"]["steps"][1]["blocks"] == saved
    assert data["product_titles"] == {str(made["宇治 煎茶"].id): "宇治 煎茶", str(made["ほうじ茶"].id): "ほうじ茶"}
    assert data["limits"]["blocks"] == 5 and data["app_url"] == "https://tsunagu.test"
    assert '"blocks.add_image": "＋ 画像"' in html  # the block editor's texts are on the page


def test_the_editor_offers_the_shops_friend_sources_by_name(client, db, shop, fake_shopify):
    other = make_shop(db, domain="other-shop.myshopify.com")
    db.add_all(
        [
            FriendSource(shop_id=shop.id, name="店頭POP", slug="pop"),
            FriendSource(shop_id=shop.id, name="同梱チラシ", slug="flyer"),
            FriendSource(shop_id=other.id, name="他店の経路", slug="pop"),
        ]
    )
    db.commit()
    sources = _data(_page(client, fake_shopify, "/sequences/new"), "sequence-data")["sources"]
    assert [s["name"] for s in sources] == ["店頭POP", "同梱チラシ"]
    assert all(isinstance(s["id"], int) for s in sources)


def test_a_code_per_recipient_is_refused_by_its_step_and_nothing_is_saved(api, db, shop):
    unique = {"type": "coupon", "mode": "unique", "discount_id": "2", "text": "{coupon_code}"}
    second = {**text_step("二通目", 1, "days"), "blocks": [{"type": "text", "text": "こんにちは"}, unique]}
    answer = api("POST", "/api/sequences", body(steps=[text_step("一通目", 0), second]))
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {
        "steps[1].blocks": "ステップ配信では、一人ずつ違うクーポンコードは使えません。共通のコードを使ってください。"
    }
    assert api("GET", "/api/sequences").get_json()["sequences"] == []


def test_a_bad_block_is_named_by_its_step_and_field(api, db, shop):
    button = {"type": "button", "label": "", "url": "http://tea.example/"}
    second = {**text_step("x", 1, "days"), "blocks": [{"type": "products", "product_ids": [999]}, button]}
    errors = api("POST", "/api/sequences", body(steps=[text_step("一通目", 0), second])).get_json()["errors"]
    assert set(errors) == {"steps[1].blocks[0].products", "steps[1].blocks[1].label", "steps[1].blocks[1].url"}
