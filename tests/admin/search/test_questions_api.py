"""Store questions in the admin API: listed with their defaults and the policy answering each;
edits checked whole (an error by each field, nothing half-saved, no 500 on odd input), then
used by the chat at once; the merchant can have the policies read again."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.models import Shop, ShopPolicy
from app.search.questions import TOPICS
from tests.helpers import fresh, make_shop


@pytest.fixture
def shop(db):
    return make_shop(db)


@pytest.fixture
def api(client, fake_shopify):
    def call(method: str, path: str, body=None, shop: str = "test-shop", **kwargs):
        return client.open(
            path,
            method=method,
            headers={"Authorization": f"Bearer {fake_shopify.session_token(shop)}"},
            **(kwargs or {"json": body if body is not None else {}}),
        )

    return call


def settings_of(db) -> dict:
    fresh(db)
    return db.exec(select(Shop)).one().settings or {}


def simulate(api, text: str, lang: str = "ja") -> list[dict]:
    return api("POST", "/api/chat/simulate", {"text": text, "lang": lang}).get_json()["messages"]


def test_the_five_questions_are_listed_with_their_defaults_and_policies(api, shop, db):
    db.add(
        ShopPolicy(
            shop_id=shop.id, type="REFUND_POLICY", title="返品ポリシー", body="<p>7日以内</p>", url="https://x/r"
        )
    )
    db.commit()

    listed = {q["topic"]: q for q in api("GET", "/api/store-questions").get_json()["questions"]}

    assert list(listed) == list(TOPICS) == ["shipping", "returns", "payment", "contact", "points"]
    assert listed["shipping"]["enabled"] and "送料" in listed["shipping"]["keywords"]
    assert "shipping" in listed["shipping"]["keywords"]  # English words too
    assert listed["shipping"]["policy"] is None and listed["shipping"]["text"] == {"ja": "", "en": ""}
    assert listed["returns"]["policy"] == {"type": "REFUND_POLICY", "title": "返品ポリシー", "url": "https://x/r"}
    assert listed["points"]["default_text"]["en"].startswith("You can check your points")


def test_edits_are_saved_and_answer_in_the_chat_at_once(api, shop, db):
    response = api(
        "PUT",
        "/api/store-questions",
        {
            "points_keywords": "ポイント、マイル",
            "points_text_ja": "{shop_name}では100円ごとに1ポイント貯まります。",
            "points_text_en": "1 point per 100 yen.",
            "shipping_enabled": False,
        },
    )

    assert response.status_code == 200, response.get_json()
    saved = {q["topic"]: q for q in response.get_json()["questions"]}
    assert saved["points"]["keywords"] == ["ポイント", "マイル"] and not saved["shipping"]["enabled"]
    assert saved["returns"]["enabled"] and saved["returns"]["keywords"] == list(TOPICS["returns"].keywords)
    assert simulate(api, "マイルは貯まる？")[0]["text"] == "テストショップでは100円ごとに1ポイント貯まります。"
    assert simulate(api, "ポイント?", "en")[0]["text"] == "1 point per 100 yen."
    assert "1 point" not in str(simulate(api, "points", "en"))  # the defaults were replaced
    assert "送料・お届け" not in str(simulate(api, "送料"))  # off: searched instead

    api("PUT", "/api/store-questions", {"points_text_ja": "", "shipping_enabled": True})
    assert simulate(api, "マイル")[0]["text"].startswith("ポイントの残高や")  # empty: the default text again
    assert simulate(api, "送料")[0]["text"].startswith("送料・お届けについては")


@pytest.mark.parametrize(
    "body,fields",
    [
        ({"shipping_keywords": " , 、 "}, {"shipping_keywords"}),
        ({"shipping_keywords": ["x" * 51]}, {"shipping_keywords"}),
        ({"shipping_keywords": [str(i) for i in range(21)]}, {"shipping_keywords"}),
        ({"returns_text_ja": "{order_name} を返品"}, {"returns_text_ja"}),  # not a variable of this text
        ({"returns_text_en": "{shop_name"}, {"returns_text_en"}),
        ({"returns_text_en": "x" * 1001}, {"returns_text_en"}),
        ({"payment_text_ja": ["a list"]}, {"payment_text_ja"}),
        ({"contact_enabled": "yes"}, {"contact_enabled"}),
        (
            {"points_keywords": "ポイント", "contact_keywords": "!!!", "points_enabled": 1},
            {"contact_keywords", "points_enabled"},
        ),
    ],
)
def test_bad_edits_are_refused_by_field_and_nothing_is_saved(api, shop, db, body, fields):
    response = api("PUT", "/api/store-questions", body)

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields
    assert "store_questions" not in settings_of(db)


def test_odd_bodies_are_answered_not_crashed_on(api, shop, db):
    assert api("PUT", "/api/store-questions", [1, 2]).status_code == 400
    assert api("PUT", "/api/store-questions", data="x", content_type="text/plain").status_code == 415
    assert api("PUT", "/api/store-questions", {"nonsense": 1}).status_code == 200  # nothing to change
    assert "store_questions" not in settings_of(db) or settings_of(db)["store_questions"] == {}


def test_errors_are_in_the_merchants_language(api, db):
    make_shop(db, locale="en")

    response = api("PUT", "/api/store-questions", {"shipping_keywords": ""})

    assert response.get_json()["errors"]["shipping_keywords"].startswith("Enter 1–20 keywords")


def test_the_merchant_can_have_the_policies_read_again(api, shop, db):
    response = api("POST", "/api/shop-policies/refresh")

    assert response.status_code == 202 and "ポリシー" in response.get_json()["message"]
    fresh(db)
    assert db.exec(select(Shop.policies_due_at)).one() is not None


def test_the_keywords_page_shows_the_questions(client, fake_shopify, shop, db):
    db.add(
        ShopPolicy(shop_id=shop.id, type="SHIPPING_POLICY", title="配送ポリシー", body="<p>送料</p>", url="https://x/s")
    )
    db.commit()
    from tests.shopify.test_auth import app_home

    page = app_home(client, fake_shopify, path="/keywords").get_data(as_text=True)

    assert "よくある質問" in page and 'name="shipping_keywords"' in page and 'href="https://x/s"' in page
    assert "ポリシーなし" in page  # points has none
