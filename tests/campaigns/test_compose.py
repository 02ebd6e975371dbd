"""The composer's blocks compiled into LINE message objects (one pure function), and each
block's checks with the field they belong to."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.campaigns import compose, content
from app.models import Product, ProductVariant, Shop
from app.search.found import Found

SHOP = Shop(id=1, domain="tea.myshopify.com", name="お茶の店", currency="JPY")
URL = "https://tsunagu.test"


def _found(pid: int, title: str) -> Found:
    product = Product(
        id=pid, shop_id=1, shopify_id=pid, handle=f"p-{pid}", title=title, image_url=f"https://cdn.test/{pid}.jpg"
    )
    variant = ProductVariant(id=pid, product_id=pid, shopify_id=pid, price=Decimal("1200"), available=True)
    return Found(product, [variant], True)


@pytest.fixture
def sources(app):
    with app.app_context():
        yield compose.Sources(
            shop=SHOP,
            lang="ja",
            app_url=URL,
            images={"tok": compose.Image("tok", "png")},
            products={7: _found(7, "宇治 煎茶"), 8: _found(8, "ほうじ茶")},
        )


def test_each_block_becomes_one_line_message(sources):
    blocks = [
        {"type": "text", "text": "{customer_name}さん、{shop_name}の冬セール 🎍"},
        {"type": "image", "token": "tok"},
        {"type": "products", "product_ids": [8, 7]},
        {"type": "coupon", "mode": "shared", "code": "WINTER10", "text": "コード {coupon_code} で10%オフ"},
        {"type": "button", "text": "セール会場へ", "label": "見る", "url": "https://tea.example/sale"},
    ]
    assert compose.errors(blocks, sources) == {}
    text, image, products, coupon, button = compose.compile_blocks(blocks, sources)
    assert text == {"type": "text", "text": "{customer_name}さん、お茶の店の冬セール 🎍"}
    assert image == {
        "type": "image",
        "originalContentUrl": f"{URL}/media/tok.png",
        "previewImageUrl": f"{URL}/media/tok-preview.png",
    }
    bubbles = products["contents"]["contents"]
    assert products["type"] == "flex" and len(bubbles) == 2  # the search reply's carousel, no "see all"
    assert bubbles[0]["body"]["contents"][0]["text"] == "ほうじ茶"
    link = bubbles[0]["footer"]["contents"][0]["action"]["uri"]
    assert "utm_medium=campaign" in link and "utm_campaign=line_campaign" in link and "keyword_search" not in link
    assert products["altText"].startswith("おすすめの商品：ほうじ茶")
    assert coupon == {"type": "text", "text": "コード WINTER10 で10%オフ"}
    assert button["type"] == "flex" and button["altText"] == "セール会場へ"
    action = button["contents"]["footer"]["contents"][0]["action"]
    assert action == {"type": "uri", "uri": "https://tea.example/sale", "label": "見る"}
    assert content.errors([text, image, products, coupon, button]) == {}
    assert content.personal_variables([text, image, products, coupon, button]) == {"customer_name"}


def test_a_unique_coupon_keeps_the_placeholder_so_it_goes_by_push(sources):
    blocks = [{"type": "coupon", "mode": "unique", "discount_id": "gid://shopify/DiscountCodeNode/12", "text": ""}]
    assert compose.errors(blocks, sources) == {}
    messages = compose.compile_blocks(blocks, sources)
    assert messages == [{"type": "text", "text": "クーポンコード: {coupon_code}"}]
    assert content.personal_variables(messages) == {"coupon_code"}
    assert compose.sample(messages, "ja") == [{"type": "text", "text": "クーポンコード: SAMPLE-1234"}]
    no_placeholder = [{"type": "coupon", "mode": "shared", "code": "A1", "text": "今だけ"}]
    assert compose.compile_blocks(no_placeholder, sources) == [{"type": "text", "text": "今だけ\nA1"}]


def test_bad_blocks_are_refused_by_the_field(sources):
    blocks = [
        {"type": "text", "text": "  "},
        {"type": "image", "token": "another-shops-token"},
        {"type": "products", "product_ids": [7, 99]},
        {"type": "coupon", "mode": "unique", "discount_id": "DROP TABLE"},
        {"type": "button", "label": "あ" * 41, "url": "http://tea.example"},
    ]
    assert compose.errors(blocks, sources) == {
        "blocks[0].text": ("campaigns.err.empty_text", {}),
        "blocks[1].image": ("campaigns.err.image_missing", {}),
        "blocks[2].products": ("campaigns.err.product_gone", {}),
        "blocks[3].discount_id": ("campaigns.err.coupon_discount", {}),
        "blocks[4].label": ("campaigns.err.button_label", {"n": 40}),
        "blocks[4].url": ("campaigns.err.button_url", {"n": 1000}),
    }
    assert compose.errors([{"type": "coupon", "mode": "shared", "code": "TWO WORDS"}], sources) == {
        "blocks[0].code": ("campaigns.err.coupon_code", {"n": 255})
    }
    assert compose.errors([{"type": "products", "product_ids": list(range(11))}], sources) == {
        "blocks[0].products": ("campaigns.err.products_too_many", {"n": 10})
    }
    assert compose.errors([{"type": "video"}], sources) == {"blocks[0]": ("campaigns.err.message_type", {})}
    assert compose.errors([], sources) == {"blocks": ("campaigns.err.no_messages", {})}
    assert compose.errors([{"type": "text", "text": "x"}] * 6, sources) == {
        "blocks": ("campaigns.err.too_many_messages", {"n": 5})
    }


def test_lines_own_checks_apply_to_what_blocks_compile_to(sources):
    """An image served from a non-HTTPS address (APP_URL misconfigured) is refused by the image."""
    plain = compose.Sources(shop=SHOP, lang="ja", app_url="http://127.0.0.1:8000", images=sources.images)
    assert compose.errors([{"type": "image", "token": "tok"}], plain) == {
        "blocks[0].image": ("campaigns.err.https_url", {})
    }
    too_long = [{"type": "text", "text": "😀" * 2501}]  # 5,002 UTF-16 units
    assert compose.errors(too_long, sources) == {"blocks[0].text": ("campaigns.err.text_too_long", {"n": "5,000"})}


def test_wanted_names_what_sources_must_hold():
    blocks = [{"type": "image", "token": "a"}, {"type": "products", "product_ids": [1, True, "2", 3]}, "junk"]
    assert compose.wanted(blocks) == ({"a"}, {1, 3})
