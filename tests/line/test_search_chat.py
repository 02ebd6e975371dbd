"""Search in the chat: rules over search, the carousel reply, misses with popular words,
and the numbers the merchant sees."""

from __future__ import annotations

import pytest

from app.models import KeywordRule, SearchLog
from app.search import stats
from app.timeutil import utcnow
from tests.fakes.line import new_user_id
from tests.helpers import rows
from tests.plugins.search import product


@pytest.fixture
def teas(catalog):
    return catalog(
        product("宇治 煎茶", product_type="緑茶"),
        product("八女 玉露", product_type="緑茶"),
        product("送料無料 ほうじ茶"),
    )


def reply_of(fake_line):
    return fake_line.replies()[-1].messages[0]


def test_free_text_gets_a_product_carousel(chat, fake_line, user, teas, db):
    chat(fake_line.text_event(user, "煎茶"))

    message = reply_of(fake_line)
    assert message["type"] == "flex" and message["contents"]["type"] == "carousel"
    assert message["contents"]["contents"][0]["body"]["contents"][0]["text"] == "宇治 煎茶"
    [log] = rows(db, SearchLog)
    assert (log.query, log.shown, log.results, log.rule_id) == ("煎茶", "煎茶", 1, None)


def test_close_matches_are_said_to_be_close(chat, fake_line, user, teas, db):
    chat(fake_line.text_event(user, "宇治 煎茶 ラーメン"))

    said, shown = fake_line.replies()[-1].messages
    assert said["type"] == "text" and "近い商品" in said["text"] and "宇治 煎茶 ラーメン" in said["text"]
    assert shown["contents"]["contents"][0]["body"]["contents"][0]["text"] == "宇治 煎茶"


def test_a_word_only_in_descriptions_is_said_to_be_so(chat, fake_line, user, catalog):
    catalog(product("湯呑み 白", body="<p>のし紙をおかけします</p>"))

    chat(fake_line.text_event(user, "のし紙"))

    said, shown = fake_line.replies()[-1].messages
    assert said["type"] == "text" and "説明文" in said["text"] and "のし紙" in said["text"]
    assert shown["contents"]["contents"][0]["body"]["contents"][0]["text"] == "湯呑み 白"


def test_a_rule_wins_over_search(chat, fake_line, user, teas, db, shop):
    db.add(
        KeywordRule(
            shop_id=shop.id,
            position=1,
            keywords=["送料"],
            match="contains",
            answer="text",
            text="送料は全国一律500円、5,000円以上で無料です。",
        )
    )
    db.commit()

    chat(fake_line.text_event(user, "送料はいくらですか"))

    assert reply_of(fake_line)["text"].startswith("送料は全国一律")
    [log] = rows(db, SearchLog)
    assert log.rule_id is not None


def test_exact_rules_need_the_whole_message_and_order_matters(chat, fake_line, user, teas, db, shop):
    db.add_all(
        [
            KeywordRule(shop_id=shop.id, position=2, keywords=["玉露"], match="contains", answer="text", text="二番目"),
            KeywordRule(shop_id=shop.id, position=1, keywords=["玉露"], match="exact", answer="text", text="一番目"),
            KeywordRule(
                shop_id=shop.id,
                position=0,
                keywords=["玉露"],
                match="exact",
                answer="text",
                text="停止中",
                enabled=False,
            ),
        ]
    )
    db.commit()

    chat(fake_line.text_event(user, "玉露"))
    assert reply_of(fake_line)["text"] == "一番目"
    chat(fake_line.text_event(user, "玉露ありますか"))
    assert reply_of(fake_line)["text"] == "二番目"


def test_product_and_collection_rules(chat, fake_line, user, teas, db, shop):
    chosen = [teas["八女 玉露"].shopify_id, teas["宇治 煎茶"].shopify_id]
    db.add_all(
        [
            KeywordRule(shop_id=shop.id, position=1, keywords=["おすすめ"], answer="products", product_ids=chosen),
            KeywordRule(
                shop_id=shop.id,
                position=2,
                keywords=["セール"],
                answer="collection",
                collection_handle="winter-sale",
                collection_title="冬のセール",
            ),
        ]
    )
    db.commit()

    chat(fake_line.text_event(user, "おすすめ"))
    bubbles = reply_of(fake_line)["contents"]["contents"]
    assert [b["body"]["contents"][0]["text"] for b in bubbles] == ["八女 玉露", "宇治 煎茶"]  # merchant's order
    chat(fake_line.text_event(user, "セール"))
    card = str(reply_of(fake_line))
    assert "冬のセール" in card and "https://test-shop.myshopify.com/collections/winter-sale?utm_source=line" in card


def test_no_result_offers_popular_keywords(chat, fake_line, user, teas, db, shop):
    chat(fake_line.text_event(user, "ほうじ茶"))
    chat(fake_line.text_event(user, "ほうじ茶"))
    chat(fake_line.text_event(user, "ｽﾆｰｶｰ"))

    message = reply_of(fake_line)
    assert "見つかりませんでした" in message["text"]
    labels = [item["action"]["label"] for item in message["quickReply"]["items"]]
    assert labels[0] == "ほうじ茶" and len(labels) <= 5
    assert message["quickReply"]["items"][0]["action"] == {"type": "message", "label": "ほうじ茶", "text": "ほうじ茶"}


def test_merchant_numbers_per_rule_and_misses(chat, fake_line, user, teas, db, shop):
    rule = KeywordRule(shop_id=shop.id, position=1, keywords=["送料"], answer="text", text="無料です")
    db.add(rule)
    db.commit()
    for text in ("送料", "送料は？", "煎茶", "スニーカー", "スニーカー", "帽子"):
        chat(fake_line.text_event(user, text))

    now = utcnow()
    counts = stats.rule_counts(session=db, shop=shop, now=now)
    assert counts[rule.id] == 2 and counts[None] == 4
    assert stats.zero_result_searches(session=db, shop=shop, now=now) == [("スニーカー", 2), ("帽子", 1)]


def test_search_runs_once_before_the_write_transaction(chat, fake_line, user, teas, db, monkeypatch):
    """The search is worked out in a read-only session (SQLite's one write lock is not held
    while it runs); the handler only logs it and replies."""
    from app.line import commands, prefetch
    from app.search import chat as search_chat

    calls, inside = [], []
    real_prepare, real_prefetch = search_chat.prepare, prefetch._prepare_search

    def prepare_spy(**kwargs):
        calls.append(bool(inside))  # True: from the prefetch, outside the write transaction
        return real_prepare(**kwargs)

    def prefetch_spy(**kwargs):
        inside.append(1)
        try:
            return real_prefetch(**kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(search_chat, "prepare", prepare_spy)
    monkeypatch.setattr(prefetch, "_prepare_search", prefetch_spy)
    assert commands.prefetch_needs("message", {"message": {"type": "text", "text": "煎茶"}}) == {"search"}
    assert commands.prefetch_needs("message", {"message": {"type": "text", "text": "解除"}}) == set()

    chat(fake_line.text_event(user, "煎茶"))

    assert calls == [True]  # once, in the prefetch; not again inside the handler's transaction
    assert reply_of(fake_line)["contents"]["contents"][0]["body"]["contents"][0]["text"] == "宇治 煎茶"
    assert len(rows(db, SearchLog)) == 1


def test_an_english_speaking_friend_searches_in_english(chat, fake_line, teas, db):
    user = new_user_id()
    fake_line.add_user(user, "Emma", language="en")
    chat(fake_line.follow_event(user))

    chat(fake_line.text_event(user, "煎茶"))
    message = reply_of(fake_line)
    assert message["altText"].startswith('Results for "煎茶": ')
    [bubble] = message["contents"]["contents"]
    assert bubble["footer"]["contents"][0]["action"]["label"] == "View"

    chat(fake_line.text_event(user, "sneakers"))
    assert reply_of(fake_line)["text"].startswith('We couldn\'t find products for "sneakers".')
