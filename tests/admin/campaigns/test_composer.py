"""The composer's JSON: an image upload judged by its bytes with the reason by the field,
the live preview compiled by the sender's own code, drafts saved as blocks, products and
friends found within the shop, and a test send that pushes outside any write transaction,
is refused in a LINE dry run and is rate-limited."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app import ext
from app.admin.campaigns import composer
from app.models import Campaign, CampaignImage
from tests.helpers import count, fresh, make_shop
from tests.plugins.people import friend
from tests.plugins.search import product


def picture(fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (6, 199, 85)).save(out, format=fmt)
    return out.getvalue()


def upload(api, data: bytes, name: str = "photo.jpg", shop: str = "test-shop"):
    return api("POST", "/api/campaign-images", data={"file": (io.BytesIO(data), name)}, shop=shop)


@pytest.fixture(autouse=True)
def no_test_sends_yet():
    composer._sent.clear()


def test_an_image_is_uploaded_and_a_bad_one_refused_with_the_reason(api, db, shop):
    answer = upload(api, picture("PNG"), "shop.png")
    assert answer.status_code == 201
    image = answer.get_json()["image"]
    assert image["url"] == f"https://tsunagu.test/media/{image['token']}.png"
    assert image["preview_url"] == f"https://tsunagu.test/media/{image['token']}-preview.png"
    assert (image["width"], image["height"]) == (640, 480)

    renamed = upload(api, b"GIF89a" + b"\0" * 100, "looks-like.jpg")
    assert renamed.status_code == 422
    assert renamed.get_json()["errors"] == {
        "file": "JPEG か PNG の画像を選んでください（このファイルはどちらでもありません）。"
    }
    broken = upload(api, picture()[:800])
    assert broken.get_json()["errors"] == {
        "file": "画像を読み込めませんでした。ファイルが壊れていないか確かめてください。"
    }
    fresh(db)
    assert count(db, CampaignImage) == 1


def test_an_image_over_lines_10_mb_is_refused_by_the_field(api, db, shop):
    answer = upload(api, b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024 + 10))  # over the app's usual 5 MB too
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {
        "file": "画像が大きすぎます（10.0 MB）。LINE に送れるのは 10.0 MB までです。"
    }
    assert upload(api, b"\xff\xd8\xff" + b"\0" * (11 * 1024 * 1024)).status_code == 413


def test_preview_and_draft_are_compiled_from_the_blocks(api, db, shop, catalog, shopify_coupons):
    discount = shopify_coupons.add("NEWTEA").rsplit("/", 1)[1]  # the number Shopify's admin shows
    made = catalog(product("宇治 煎茶"), product("ほうじ茶"))
    token = upload(api, picture()).get_json()["image"]["token"]
    found = api("GET", "/api/campaign-products?q=煎茶").get_json()["products"]
    assert [p["title"] for p in found] == ["宇治 煎茶"]
    blocks = [
        {"type": "text", "text": "{customer_name}さん 🎍 新茶です"},
        {"type": "image", "token": token},
        {"type": "products", "product_ids": [found[0]["id"], made["ほうじ茶"].id]},
        {"type": "coupon", "mode": "unique", "discount_id": discount, "text": "あなたのコード {coupon_code}"},
        {"type": "button", "label": "ストアへ", "url": "https://tea.example/"},
    ]
    preview = api("POST", "/api/campaigns/preview", {"blocks": blocks}).get_json()
    texts = [m.get("text") for m in preview["messages"]]
    assert texts[0] == "山田 花子さん 🎍 新茶です" and texts[3] == "あなたのコード SAMPLE-1234"
    assert preview["messages"][1]["originalContentUrl"] == f"https://tsunagu.test/media/{token}.jpg"
    assert [b["body"]["contents"][0]["text"] for b in preview["messages"][2]["contents"]["contents"]] == [
        "宇治 煎茶",
        "ほうじ茶",
    ]

    created = api("POST", "/api/campaigns", {"name": "新茶", "blocks": blocks})
    assert created.status_code == 201
    fresh(db)
    stored = db.get(Campaign, created.get_json()["campaign"]["id"])
    assert stored.blocks == blocks
    assert stored.messages[0] == {"type": "text", "text": "{customer_name}さん 🎍 新茶です"}  # sent per person
    assert stored.messages[3] == {"type": "text", "text": "あなたのコード {coupon_code}"}
    forecast = api("POST", f"/api/campaigns/{stored.id}/forecast").get_json()["forecast"]
    assert forecast["transport"] == "push"  # a name and a unique code: one request per person


def test_bad_blocks_are_refused_by_the_field_and_nothing_is_saved(api, db, shop):
    other = make_shop(db, domain="other-shop.myshopify.com")
    theirs = upload(api, picture(), shop="other-shop").get_json()["image"]["token"]
    blocks = [
        {"type": "image", "token": theirs},  # another shop's image
        {"type": "button", "label": "", "url": "javascript:alert(1)"},
    ]
    answer = api("POST", "/api/campaigns", {"name": "x", "blocks": blocks})
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {
        "blocks[0].image": "画像をアップロードしてください。",
        "blocks[1].label": "ボタンの文字を1〜40文字で入力してください。",
        "blocks[1].url": "リンク先は https:// で始まるURL（1000文字以内）にしてください。",
    }
    preview = api("POST", "/api/campaigns/preview", {"blocks": blocks})
    assert preview.status_code == 422 and set(preview.get_json()["errors"]) == set(answer.get_json()["errors"])
    fresh(db)
    assert count(db, Campaign) == 0 and other.id


def test_friends_are_found_by_name_in_the_shop_only(api, db, shop):
    for name in ("Hanako 花子", "Taro 太郎"):
        friend(db, shop, name)
    friend(db, shop, "Hana blocked", is_blocked=True)
    db.commit()
    found = api("GET", "/api/campaign-friends?q=").get_json()["friends"]
    assert sorted(f["name"] for f in found) == ["Hanako 花子", "Taro 太郎"]
    assert [f["name"] for f in api("GET", "/api/campaign-friends?q=hana").get_json()["friends"]] == ["Hanako 花子"]
    assert [f["name"] for f in api("GET", "/api/campaign-friends?q=%25").get_json()["friends"]] == []
    make_shop(db, domain="other-shop.myshopify.com")
    assert api("GET", "/api/campaign-friends?q=", shop="other-shop").get_json()["friends"] == []
    assert api("GET", "/api/campaign-friends?q=" + "x" * 101).status_code == 422


def test_a_test_send_pushes_to_the_chosen_friends_with_samples(api, db, shop, many_friends, fake_line):
    friends = many_friends(2)
    blocks = [{"type": "text", "text": "{customer_name}さん、テストです"}]
    answer = api("POST", "/api/campaigns/test", {"blocks": blocks, "friend_ids": [f.id for f in friends]})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["message"] == "2 人にテスト送信しました。"
    pushes = fake_line.pushes()
    assert sorted(p.to for p in pushes) == sorted(f.line_user_id for f in friends)
    assert pushes[0].messages == [{"type": "text", "text": "山田 花子さん、テストです"}]
    assert count(db, Campaign) == 0  # a test leaves no campaign


def test_a_test_send_is_checked_limited_and_refused_in_a_dry_run(api, app, db, shop, many_friends, fake_line):
    friends = many_friends(6)
    blocks = [{"type": "text", "text": "テスト"}]
    too_many = api("POST", "/api/campaigns/test", {"blocks": blocks, "friend_ids": [f.id for f in friends]})
    assert too_many.get_json()["errors"] == {"friend_ids": "テスト送信する友だちを1〜5人選んでください。"}
    other = make_shop(db, domain="other-shop.myshopify.com")
    assert (
        api(
            "POST", "/api/campaigns/test", {"blocks": blocks, "friend_ids": [friends[0].id]}, shop="other-shop"
        ).get_json()["errors"]
        == {"friend_ids": "選んだ友だちに送れません（ブロック中か、見つかりません）。"}
        and other.id
    )
    for _ in range(composer.TEST_SENDS):
        assert api("POST", "/api/campaigns/test", {"blocks": blocks, "friend_ids": [friends[0].id]}).status_code == 200
    limited = api("POST", "/api/campaigns/test", {"blocks": blocks, "friend_ids": [friends[0].id]})
    assert limited.status_code == 429 and "10分間に5回まで" in limited.get_json()["message"]
    assert len(fake_line.pushes()) == composer.TEST_SENDS

    composer._sent.clear()
    ext.use_settings(app, ext.settings(app).with_(delivery_mode="dry_run"))
    refused = api("POST", "/api/campaigns/test", {"blocks": blocks, "friend_ids": [friends[0].id]})
    assert refused.status_code == 409
    assert refused.get_json()["message"] == "LINE への送信がドライラン（記録のみ）のため、テスト送信はできません。"
    assert len(fake_line.pushes()) == composer.TEST_SENDS


def test_the_forecast_of_a_draft_whose_segment_was_deleted_says_so(api, db, shop):
    from app.models import Segment

    segment = Segment(shop_id=shop.id, name="VIP", definition={"match": "all", "groups": []})
    db.add(segment)
    db.commit()
    created = api(
        "POST",
        "/api/campaigns",
        {
            "name": "VIP へ",
            "blocks": [{"type": "text", "text": "こんにちは"}],
            "audience": {"kind": "segment", "segment_id": segment.id},
        },
    )
    assert created.status_code == 201
    db.delete(segment)
    db.commit()
    answer = api("POST", f"/api/campaigns/{created.get_json()['campaign']['id']}/forecast")
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {
        "audience": "配信先のセグメントが削除されたため、何も送らずに終了しました（費用はかかっていません）。"
    }


def test_a_composed_campaign_goes_through_the_existing_sender(
    api, db, shop, fake_line, many_friends, catalog, run_campaigns, shopify_coupons
):
    shopify_coupons.add("SHINCHA")
    """Blocks compiled once at saving are what the chunk sender multicasts, unchanged:
    nothing per person here (the shop's name and a shared code are written in), so multicast."""
    from datetime import timedelta

    from app.models import Shop
    from app.timeutil import utcnow

    stored = db.get(Shop, shop.id)
    stored.settings = {"policies": {"quiet_start": "00:00", "quiet_end": "00:00"}}
    db.add(stored)
    db.commit()
    friends = many_friends(3)
    made = catalog(product("宇治 煎茶"))
    token = upload(api, picture()).get_json()["image"]["token"]
    blocks = [
        {"type": "text", "text": "{shop_name}より、新茶のお知らせ"},
        {"type": "image", "token": token},
        {"type": "products", "product_ids": [made["宇治 煎茶"].id]},
        {"type": "coupon", "mode": "shared", "code": "SHINCHA", "text": ""},
        {"type": "button", "text": "詳しくはこちら", "label": "見る", "url": "https://tea.example/new"},
    ]
    campaign = api("POST", "/api/campaigns", {"name": "新茶", "blocks": blocks}).get_json()["campaign"]
    answer = api("POST", f"/api/campaigns/{campaign['id']}/forecast").get_json()
    assert answer["forecast"]["transport"] == "multicast"
    assert api("POST", f"/api/campaigns/{campaign['id']}/send", {"confirm": answer["confirm"]}).status_code == 200
    run_campaigns(utcnow() + timedelta(seconds=1))

    [multicast] = fake_line.multicasts()
    assert sorted(multicast.to) == sorted(f.line_user_id for f in friends)
    kinds = [m["type"] for m in multicast.messages]
    assert kinds == ["text", "image", "flex", "text", "flex"]
    assert multicast.messages[0]["text"] == "テストショップより、新茶のお知らせ"
    assert multicast.messages[1]["originalContentUrl"] == f"https://tsunagu.test/media/{token}.jpg"
    assert multicast.messages[3]["text"] == "クーポンコード: SHINCHA"
