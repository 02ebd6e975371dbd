"""Store questions, piece by piece: which topic a message asks about, the policy's HTML as
plain lines, the excerpt (a section for a legal notice's payment part), and a policy with no
text falling back to the fixed text."""

from __future__ import annotations

import pytest

from app.models import ShopPolicy
from app.search import questions


@pytest.mark.parametrize(
    "text,topic",
    [
        ("送料はいくらですか", "shipping"),
        ("ｿｳﾘｮｳ", None),  # katakana reading of nothing we know: not a question
        ("返金してほしい", "returns"),
        ("代引きはできますか", "payment"),
        ("お問合せ先", "contact"),
        ("ポイントカード", "points"),
        ("POINTS", "points"),
        ("appointment", None),
        ("Return policy", "returns"),
        ("緑茶", None),
        ("", None),
    ],
)
def test_which_topic_a_message_asks_about(shop, text, topic):
    found = questions.matching_question(shop=shop, text=text)
    assert (found[0].topic.name if found else None) == topic


def test_html_becomes_plain_lines():
    html = "<h2>送料</h2><p>全国&nbsp;一律&amp;無料<br>沖縄は別途</p><ul><li>A</li><li> B </li></ul><script></script>"
    assert questions.plain_lines(html) == ["送料", "全国 一律&無料", "沖縄は別途", "A", "B"]


def test_the_excerpt_is_the_top_or_the_section_asked_about():
    html = "<p>販売業者：つなぐ</p><p>所在地：東京</p><p>お支払い方法：カード</p><p>引渡し時期：3日</p>"
    assert questions.excerpt(html, ["支払"]).startswith("販売業者")
    assert questions.excerpt(html, ["支払"], section=True) == "お支払い方法：カード\n引渡し時期：3日"
    assert questions.excerpt(html, ["nothing"], section=True).startswith("販売業者")  # the top when none names it
    assert questions.excerpt("<p>" + "あ" * 500 + "</p>", []) == "あ" * 299 + "…"


def test_a_policy_without_text_gets_the_fixed_text(app, db, shop):
    db.add(ShopPolicy(shop_id=shop.id, type="SHIPPING_POLICY", title="配送", body="<p> </p>", url="https://x/s"))
    db.commit()
    item, keyword = questions.matching_question(shop=shop, text="送料")

    with app.app_context():
        [reply] = questions.question_reply(session=db, shop=shop, item=item, keyword=keyword, lang="en")

    assert reply == {"type": "text", "text": questions.fixed_text(shop, item, "en").format(shop_name="テストショップ")}
    assert reply["text"].startswith("Shipping costs and delivery are explained in the テストショップ store.")
