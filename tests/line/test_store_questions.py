"""Store questions in the chat, through the real LINE webhook route and the fake LINE:
each ready-made rule answers from the shop's policy with a link to its page, a shop without
the policy gets the fixed text (the merchant's own when written), a rule switched off lets
search answer as before, the merchant's keywords replace the defaults, and the merchant's
own keyword rules still come first."""

from __future__ import annotations

import pytest

from app.models import KeywordRule, SearchLog, ShopPolicy
from app.search import questions
from tests.fakes.line import new_user_id
from tests.helpers import rows
from tests.plugins.search import product

SHOP = "test-shop.myshopify.com"
POLICIES = {
    "SHIPPING_POLICY": ("配送ポリシー", "<h2>送料</h2><p>全国一律600円、5,000円以上で無料です。</p>"),
    "REFUND_POLICY": ("返品・返金ポリシー", "<p>到着後7日以内なら返品・交換を承ります。</p>"),
    "CONTACT_INFORMATION": ("お問い合わせ", "<p>つなぐ商店</p><p>営業時間：平日 10:00〜17:00</p>"),
    "LEGAL_NOTICE": (
        "特定商取引法に基づく表記",
        "<p>販売業者：つなぐ商店</p><p>所在地：東京都</p><p>お支払い方法：クレジットカード、代金引換</p>",
    ),
}
SLUG = {
    "SHIPPING_POLICY": "shipping-policy",
    "REFUND_POLICY": "refund-policy",
    "CONTACT_INFORMATION": "contact-information",
    "LEGAL_NOTICE": "legal-notice",
}


@pytest.fixture
def policies(db, shop):
    for kind, (title, body) in POLICIES.items():
        db.add(
            ShopPolicy(shop_id=shop.id, type=kind, title=title, body=body, url=f"https://{SHOP}/policies/{SLUG[kind]}")
        )
    db.commit()


@pytest.fixture
def dog_food(catalog):
    """The demo's trap: products whose descriptions (and a tag) say 送料無料."""
    return catalog(
        product("ドッグフード チキン", body="<p>送料無料でお届けします</p>"),
        product("湯呑み 白", body="<p>送料無料</p>", tags="送料無料"),
    )


def last_reply(fake_line) -> list[dict]:
    return fake_line.replies()[-1].messages


def card_of(message: dict) -> tuple[str, str, str]:
    """(title, body, button link) of a policy card."""
    assert message["type"] == "flex" and message["contents"]["type"] == "bubble"
    title, body = (c["text"] for c in message["contents"]["body"]["contents"])
    [button] = message["contents"]["footer"]["contents"]
    return title, body, button["action"]["uri"]


def set_question(db, shop, topic: str, **values) -> None:
    saved = dict((shop.settings or {}).get(questions.SETTINGS_KEY) or {})
    saved[topic] = values
    shop.settings = {**(shop.settings or {}), questions.SETTINGS_KEY: saved}
    db.add(shop)
    db.commit()


@pytest.mark.parametrize(
    "typed,kind,starts",
    [
        ("送料はいくらですか？", "SHIPPING_POLICY", "送料\n全国一律600円"),
        ("配送について", "SHIPPING_POLICY", "送料\n全国一律600円"),
        ("返品できますか", "REFUND_POLICY", "到着後7日以内"),
        ("交換したい", "REFUND_POLICY", "到着後7日以内"),
        ("営業時間を教えて", "CONTACT_INFORMATION", "つなぐ商店\n営業時間"),
        ("お問い合わせ", "CONTACT_INFORMATION", "つなぐ商店"),
        ("支払い方法は？", "LEGAL_NOTICE", "お支払い方法：クレジットカード"),  # the notice's payment part
        ("Shipping?", "SHIPPING_POLICY", "送料"),
        ("REFUND please", "REFUND_POLICY", "到着後7日以内"),
    ],
)
def test_each_rule_answers_from_its_policy_with_the_link(
    chat, fake_line, user, shop, policies, dog_food, db, typed, kind, starts
):
    chat(fake_line.text_event(user, typed))

    [message] = last_reply(fake_line)
    title, body, link = card_of(message)
    assert title == POLICIES[kind][0] and body.startswith(starts)
    assert link.startswith(f"https://{SHOP}/policies/{SLUG[kind]}?utm_source=line")
    assert "utm_campaign=store_question" in link
    [log] = rows(db, SearchLog)
    assert log.results == 1 and log.rule_id is None  # counted as answered, never as a miss


def test_a_long_policy_is_cut_short_and_read_on_its_page(chat, fake_line, user, shop, db):
    db.add(
        ShopPolicy(
            shop_id=shop.id,
            type="SHIPPING_POLICY",
            title="配送",
            body="<p>" + "送料のご案内です。" * 100 + "</p><script>x</script>&amp;",
            url=f"https://{SHOP}/policies/shipping-policy",
        )
    )
    db.commit()

    chat(fake_line.text_event(user, "送料"))

    _title, body, _link = card_of(last_reply(fake_line)[0])
    assert len(body) == questions.EXCERPT_MAX and body.endswith("…") and "<" not in body


def test_no_policy_answers_the_fixed_text(chat, fake_line, user, shop, dog_food):
    chat(fake_line.text_event(user, "送料はいくら"))
    [message] = last_reply(fake_line)
    assert message["type"] == "text" and message["text"].startswith("送料・お届けについては、テストショップのストア")

    chat(fake_line.text_event(user, "ポイントは使えますか"))  # Shopify has no points policy at all
    assert last_reply(fake_line)[0]["text"].startswith("ポイントの残高やご利用方法は")


def test_the_merchants_fixed_text_in_the_shoppers_language(chat, fake_line, user, shop, db):
    set_question(
        db, shop, "points", text={"ja": "{shop_name}のポイントは100円で1ポイントです。", "en": "1 point per 100 yen."}
    )
    english = new_user_id()
    fake_line.add_user(english, "Hana", language="en")
    chat(fake_line.follow_event(english))  # the follow reads the language from the profile

    chat(fake_line.text_event(user, "ポイント"))
    assert last_reply(fake_line)[0]["text"] == "テストショップのポイントは100円で1ポイントです。"
    chat(fake_line.text_event(english, "points?"))
    assert last_reply(fake_line)[0]["text"] == "1 point per 100 yen."
    chat(fake_line.text_event(english, "appointment"))  # "point" is not a word of it: searched instead
    assert "1 point" not in str(last_reply(fake_line))


def test_a_rule_switched_off_leaves_the_word_to_search(chat, fake_line, user, shop, policies, dog_food, db):
    set_question(db, shop, "shipping", enabled=False)

    chat(fake_line.text_event(user, "送料"))

    messages = last_reply(fake_line)
    assert messages[-1]["type"] == "flex" and messages[-1]["contents"]["type"] == "carousel"
    assert "配送ポリシー" not in str(messages)
    chat(fake_line.text_event(user, "返品"))  # the other rules still answer
    assert card_of(last_reply(fake_line)[0])[0] == "返品・返金ポリシー"


def test_the_merchants_keywords_replace_the_defaults(chat, fake_line, user, shop, policies, dog_food, db):
    set_question(db, shop, "shipping", keywords=["お届け日"])

    chat(fake_line.text_event(user, "お届け日はいつ？"))
    assert card_of(last_reply(fake_line)[0])[0] == "配送ポリシー"
    chat(fake_line.text_event(user, "送料"))
    assert "配送ポリシー" not in str(last_reply(fake_line))


def test_the_merchants_own_keyword_rule_still_comes_first(chat, fake_line, user, shop, policies, db):
    db.add(KeywordRule(shop_id=shop.id, position=1, keywords=["送料"], answer="text", text="送料は無料です。"))
    db.commit()

    chat(fake_line.text_event(user, "送料"))

    assert last_reply(fake_line)[0]["text"] == "送料は無料です。"


def test_other_words_are_still_searched(chat, fake_line, user, shop, policies, dog_food):
    chat(fake_line.text_event(user, "ドッグフード"))

    [message] = last_reply(fake_line)
    assert message["contents"]["type"] == "carousel"
    assert message["contents"]["contents"][0]["body"]["contents"][0]["text"] == "ドッグフード チキン"
