"""The carousel stays inside LINE's limits with long titles and large catalogs."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from linebot.v3.messaging import ReplyMessageRequest
from sqlalchemy.orm.exc import DetachedInstanceError

from app.search.query import search
from app.search.reply import carousel
from bench import _search_relevance as relevance
from tests.plugins.search import product


def build(app, db, shop, query, lang="ja"):
    with app.app_context():
        results = search(session=db, shop=shop, query=query)
        return carousel(shop, results.query, results.found, more=results.more, lang=lang)


def test_carousel_limits_with_long_titles_and_many_results(catalog, app, db, shop):
    long = "特選 " + "とても長い商品名の緑茶ギフトセット" * 12
    catalog(
        *[
            product(
                f"{long} {i}",
                tags="緑茶, " * 40,
                compare_at="3000",
                price="1980",
                variants=[(f"{'大容量' * 30} {n}", f"SKU-{i}-{n}") for n in range(4)],
            )
            for i in range(30)
        ]
    )

    message = build(app, db, shop, "緑茶")

    bubbles = message["contents"]["contents"]
    assert len(bubbles) == 11  # 10 products + "see all" (LINE allows 12)
    assert len(json.dumps(message, ensure_ascii=False).encode()) <= 50_000
    assert len(message["altText"]) <= 1500
    for bubble in bubbles:
        for button in _buttons(bubble):
            assert len(button["action"]["label"]) <= 40
    assert len(bubbles[0]["body"]["contents"][0]["text"]) <= 60
    ReplyMessageRequest.from_dict({"replyToken": "t", "messages": [message]})  # the SDK accepts it


def test_a_result_carries_what_the_carousel_and_the_relevance_set_read_without_the_database(catalog, app, db, shop):
    """search loads only the columns a result shows (found.SHOWN_PRODUCT / SHOWN_VARIANT):
    detached from its session, a result whose carousel or relevance check needed another
    column would raise DetachedInstanceError here instead of rendering."""
    catalog(product("手摘み 煎茶", price="1980", compare_at="2500", quantity=0, tags="緑茶, 静岡"))
    db.expunge_all()  # nothing the catalog fixture loaded stands in for the search's own load
    with app.app_context():
        results = search(session=db, shop=shop, query="煎茶")
        db.expunge_all()

        message = carousel(shop, results.query, results.found, more=results.more, lang="ja")

    [found] = results.found
    assert message["contents"]["contents"][0]["body"]["contents"][0]["text"] == "手摘み 煎茶"
    assert relevance.relevant(relevance.Case("tag", "煎茶", "tag", ("静岡",)), found)
    assert relevance.relevant(relevance.Case("words", "煎茶", "words", ("煎茶", "緑茶")), found)
    assert [v.sku for v in found.variants] == [None]  # loaded, and empty
    with pytest.raises(DetachedInstanceError):  # not loaded: the check above is a real one
        _ = found.product.description


def test_bubble_shows_price_sale_sold_out_and_tracked_link(catalog, app, db, shop):
    catalog(product("手摘み 煎茶", price="1980", compare_at="2500", quantity=0))

    bubble = build(app, db, shop, "煎茶")["contents"]["contents"][0]

    texts = [c.get("text") for c in _walk(bubble) if c.get("type") == "text"]
    assert "¥1,980" in texts and "¥2,500" in texts and "売り切れ" in texts and "（税込）" in texts
    struck = next(c for c in _walk(bubble) if c.get("text") == "¥2,500")
    assert struck["decoration"] == "line-through"
    [button, notify] = _buttons(bubble)
    url = urlsplit(button["action"]["uri"])
    assert button["action"]["label"] == "詳しく見る" and url.path.startswith("/products/")
    assert parse_qs(url.query) == {"utm_source": ["line"], "utm_medium": ["chat"], "utm_campaign": ["keyword_search"]}
    assert bubble["hero"]["url"].startswith("https://cdn.shopify.com/")
    assert notify["action"]["type"] == "postback" and notify["action"]["label"] == "入荷したら知らせる"


def test_a_sold_out_product_offers_a_back_in_stock_request_for_its_first_sold_out_variant(catalog, app, db, shop):
    gone = product("手摘み 煎茶 詰め合わせ", quantity=0, variants=[("100g", "A"), ("200g", "B")])
    partly = product("手摘み 煎茶 ティーバッグ", quantity=5, variants=[("10袋", "C"), ("20袋", "D")])
    partly["variants"][0]["inventory_quantity"] = 0
    catalog(gone, partly)

    bubbles = {
        b["body"]["contents"][0]["text"]: b for b in build(app, db, shop, "手摘み", lang="en")["contents"]["contents"]
    }

    [_view, notify] = _buttons(bubbles["手摘み 煎茶 詰め合わせ"])
    assert notify["action"]["label"] == "Notify me when back"
    assert parse_qs(notify["action"]["data"]) == {"action": ["restock"], "variant": [str(gone["variants"][0]["id"])]}
    assert notify["action"]["displayText"] == "Notify me when back"
    # One size left is not "sold out": no request button (the shopper can buy the other).
    assert len(_buttons(bubbles["手摘み 煎茶 ティーバッグ"])) == 1


def test_see_all_bubble_links_to_the_stores_search(catalog, app, db, shop):
    catalog(*[product(f"急須 {i}") for i in range(11)])

    last = build(app, db, shop, "急須")["contents"]["contents"][-1]

    [button] = _buttons(last)
    url = urlsplit(button["action"]["uri"])
    assert button["action"]["label"] == "すべての結果を見る"
    assert url.netloc == "test-shop.myshopify.com" and url.path == "/search"
    assert parse_qs(url.query)["q"] == ["急須"]


def test_an_english_carousel_is_english_around_the_titles(catalog, app, db, shop):
    catalog(
        product("手摘み 煎茶", price="1980", compare_at="2500", quantity=0), *[product(f"急須 {i}") for i in range(11)]
    )

    message = build(app, db, shop, "煎茶", lang="en")
    [bubble] = message["contents"]["contents"]
    texts = [c.get("text") for c in _walk(bubble) if c.get("type") == "text"]
    assert "Sold out" in texts and " incl. tax" in texts
    assert [b["action"]["label"] for b in _buttons(bubble)] == ["View", "Notify me when back"]
    assert message["altText"] == 'Results for "煎茶": 手摘み 煎茶'

    last = build(app, db, shop, "急須", lang="en")["contents"]["contents"][-1]
    assert [b["action"]["label"] for b in _buttons(last)] == ["See all results"]
    assert [c["text"] for c in _walk(last) if c.get("type") == "text"] == ['All products for "急須" in the store']


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _buttons(bubble):
    return [c for c in _walk(bubble) if c.get("type") == "button"]
