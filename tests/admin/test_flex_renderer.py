"""static/flex.js draws LINE message objects in a real browser (headless Chromium), offline.

The page is a file in tmp_path loading static/flex.css and static/flex.js; every http(s) request
is refused, so product images fall back to their grey placeholders. The screenshot lands in
artifacts/screenshots/flex-renderer.png for a person to look at.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.line import messages as line
from tests.plugins.browser import SHOTS
from tests.plugins.environment import CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
SHOP = "https://test-shop.myshopify.com"
TITLES = [
    "オーガニックコットン ふんわりタオル 3枚セット（ナチュラルベージュ）",
    "ほうじ茶ラテの素",
    "手織りリネンのトートバッグ",
    "九谷焼 豆皿 5枚組",
    "国産ひのき まな板 Lサイズ",
    "Kyoto matcha 30g",
    "今治タオル ハンカチ",
    "備長炭 消臭セット",
    "竹のカトラリー",
    "有田焼 マグカップ",
]


def product_bubble(i: int, title: str) -> dict:
    """The shape app/search/reply.py builds: hero, title, prices, sold-out badge, a 'view' button."""
    url = f"{SHOP}/products/item-{i}?utm_source=line&utm_medium=chat"
    on_sale, sold_out = i % 2 == 0, i % 3 == 2
    prices = []
    if on_sale:
        prices.append(
            {
                "type": "text",
                "text": "¥2,890",
                "size": "xs",
                "color": "#999999",
                "decoration": "line-through",
                "flex": 0,
                "gravity": "bottom",
            }
        )
    prices += [
        {
            "type": "text",
            "text": "¥2,390" if on_sale else "¥1,980",
            "size": "md",
            "weight": "bold",
            "color": "#D0021B" if on_sale else "#111111",
            "flex": 0,
        },
        {"type": "text", "text": "（税込）", "size": "xxs", "color": "#888888", "flex": 0, "gravity": "bottom"},
    ]
    body = [
        {"type": "text", "text": title, "weight": "bold", "size": "sm", "wrap": True, "maxLines": 2},
        {"type": "box", "layout": "baseline", "spacing": "sm", "contents": prices},
    ]
    if sold_out:
        body.append(
            {
                "type": "box",
                "layout": "vertical",
                "backgroundColor": "#EEEEEE",
                "cornerRadius": "sm",
                "paddingAll": "xs",
                "contents": [{"type": "text", "text": "売り切れ", "size": "xs", "color": "#555555", "align": "center"}],
            }
        )
    return {
        "type": "bubble",
        "size": "kilo",
        "hero": {
            "type": "image",
            "url": f"https://cdn.shopify.com/s/files/item-{i}.jpg",
            "size": "full",
            "aspectRatio": "1:1",
            "aspectMode": "cover",
            "action": {"type": "uri", "uri": url},
        },
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {
                    "type": "button",
                    "style": "primary",
                    "height": "sm",
                    "color": "#06C755",
                    "action": {"type": "uri", "label": "詳しく見る", "uri": url},
                }
            ],
        },
    }


SEE_ALL = {
    "type": "bubble",
    "size": "kilo",
    "body": {
        "type": "box",
        "layout": "vertical",
        "justifyContent": "center",
        "spacing": "md",
        "contents": [
            {
                "type": "text",
                "text": "「タオル」の商品をストアですべて見る",
                "wrap": True,
                "size": "sm",
                "align": "center",
            },
            {
                "type": "button",
                "style": "link",
                "action": {"type": "uri", "label": "すべての結果を見る", "uri": f"{SHOP}/search?q=towel"},
            },
        ],
    },
}
CAROUSEL = {
    "type": "flex",
    "altText": "「タオル」の検索結果",
    "contents": {"type": "carousel", "contents": [product_bubble(i, t) for i, t in enumerate(TITLES)] + [SEE_ALL]},
}
QUICK = line.text("ほかに何をお探しですか？キーワードを送ってください。", words=["タオル", "送料", "ギフト"])
POSTBACK_QUICK = line.text("ご注文について", quick=[("注文状況を見る", "orders"), ("お問い合わせ", "contact")])
CONFIRM = line.confirm("LINEでお知らせを受け取りますか？", ("はい", "optin"), ("いいえ", "optout"))
ORDER = line.order_status(
    title="ご注文 #1042",
    status="発送済み",
    lines=[("オーガニックコットン ふんわりタオル 3枚セット", "×2"), ("ほうじ茶ラテの素", "×1")],
    total=("合計", "¥6,760"),
    buttons=[
        ("注文を見る", line.uri_action(f"{SHOP}/account/orders/1042")),
        ("お問い合わせ", line.postback_action("contact", "問い合わせ")),
    ],
)
TRICKY = {
    "type": "flex",
    "altText": "tricky",
    "contents": {
        "type": "bubble",
        "size": "giga",
        "body": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {"type": "mystery-widget", "text": "never drawn"},
                None,
                "just a string",
                {"type": "box", "layout": "diagonal", "contents": "not a list"},
                {"type": "text", "text": "https://example.com/" + "a" * 120, "wrap": True},
                {"type": "text", "text": "evil colour", "color": "red;background:url(https://x.test/)"},
                {
                    "type": "button",
                    "style": "primary",
                    "action": {"type": "uri", "label": "危ないリンク", "uri": "javascript:alert(1)"},
                },
                {
                    "type": "button",
                    "style": "link",
                    "action": {"type": "uri", "label": " 大文字", "uri": " JaVaScRiPt:alert(1)"},
                },
                {"type": "image", "url": "javascript:alert(1)", "size": "sm"},
                {
                    "type": "button",
                    "style": "secondary",
                    "action": {"type": "uri", "label": "LINEで開く", "uri": "line://ti/p/@tsunagu"},
                },
            ],
        },
    },
}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, tmp_path):
    html = tmp_path / "flex.html"
    html.write_text(
        f"""<!doctype html><html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{(STATIC / "flex.css").as_uri()}">
<style>body {{ margin: 0; }}</style></head>
<body><div class="tf-chat" id="chat"></div>
<script src="{(STATIC / "flex.js").as_uri()}"></script></body></html>""",
        encoding="utf-8",
    )
    context = browser.new_context(viewport={"width": 400, "height": 900}, locale="ja-JP")
    context.route(re.compile(r"^https?://"), lambda route: route.abort())  # offline: no images, no CDN
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(html.as_uri())
    page.evaluate("window.calls = []")
    yield page
    context.close()


def render(page, messages: list, side: str = "bot") -> None:
    page.evaluate(
        """([messages, side]) => TsunaguFlex.renderMessages(document.getElementById('chat'), messages, {
        side, onQuickReply: (text) => calls.push(['quick', text]), onAction: (a) => calls.push(['action', a])})""",
        [messages, side],
    )


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_product_carousel_shows_eleven_bubbles_with_prices_and_buttons(page):
    render(page, [CAROUSEL])
    bubbles = page.locator("#chat .tf-carousel > .tf-bubble")
    assert bubbles.count() == 11
    assert bubbles.first.bounding_box()["width"] == 260  # kilo
    assert "すべての結果を見る" in bubbles.last.inner_text()

    first = bubbles.first
    hero = first.locator(".tf-hero .tf-img").bounding_box()
    assert hero["width"] == 260 and abs(hero["height"] - hero["width"]) < 1  # full width, 1:1
    struck = first.get_by_text("¥2,890", exact=True)
    assert "line-through" in struck.evaluate("e => getComputedStyle(e).textDecorationLine")
    sale = first.get_by_text("¥2,390", exact=True)
    assert sale.evaluate("e => getComputedStyle(e).color") == "rgb(208, 2, 27)"
    assert sale.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    # Prices sit on one line: the struck and the sale price share a baseline row.
    assert (
        abs(
            struck.bounding_box()["y"]
            + struck.bounding_box()["height"]
            - sale.bounding_box()["y"]
            - sale.bounding_box()["height"]
        )
        < 6
    )

    title = first.locator(".tf-text").first
    assert title.evaluate("e => getComputedStyle(e).webkitLineClamp") == "2"
    line_height = title.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert title.bounding_box()["height"] <= 2 * line_height + 1

    assert bubbles.nth(2).get_by_text("売り切れ").is_visible()
    button = first.locator(".tf-footer a.tf-button")
    assert button.inner_text() == "詳しく見る"
    assert button.get_attribute("href") == f"{SHOP}/products/item-0?utm_source=line&utm_medium=chat"
    assert button.get_attribute("target") == "_blank" and button.get_attribute("rel") == "noopener"
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(6, 199, 85)"
    # The carousel scrolls inside the chat; the page itself never gets wider.
    assert page.evaluate(
        "(() => { const c = document.querySelector('.tf-carousel'); return c.scrollWidth > c.clientWidth; })()"
    )
    assert no_horizontal_overflow(page)
    heights = {round(b["height"]) for b in (bubbles.nth(i).bounding_box() for i in range(11))}
    assert len(heights) == 1  # LINE draws a carousel's bubbles at one height


def test_quick_reply_sends_its_text_and_goes_away(page):
    render(page, [{"type": "text", "text": "こんにちは"}], side="user")
    render(page, [QUICK])
    user = page.locator(".tf-user .tf-says")
    assert user.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(6, 199, 85)"
    bot = page.locator(".tf-bot .tf-says")
    assert user.bounding_box()["x"] > bot.bounding_box()["x"]  # shopper right, bot left
    assert page.locator(".tf-bot .tf-avatar").count() == 1

    pills = page.locator("#chat .tf-quick .tf-pill")
    assert pills.all_inner_texts() == ["タオル", "送料", "ギフト"]
    pills.nth(1).click()
    assert page.evaluate("calls") == [["quick", "送料"]]
    assert page.locator("#chat .tf-quick").count() == 0

    render(page, [POSTBACK_QUICK])
    page.locator(".tf-pill", has_text="注文状況を見る").click()
    assert page.evaluate("calls")[-1] == ["quick", "注文状況を見る"]  # a postback's displayText
    # Only the latest message keeps quick replies.
    render(page, [QUICK])
    render(page, [{"type": "text", "text": "ありがとう"}])
    assert page.locator("#chat .tf-quick").count() == 0


def test_confirm_template_has_two_buttons_side_by_side(page):
    render(page, [CONFIRM])
    card = page.locator(".tf-confirm")
    assert "LINEでお知らせを受け取りますか？" in card.inner_text()
    yes, no = card.locator("button.tf-template-action").all()
    assert yes.inner_text() == "はい" and no.inner_text() == "いいえ"
    assert yes.bounding_box()["y"] == no.bounding_box()["y"] and yes.bounding_box()["x"] < no.bounding_box()["x"]
    no.click()
    kind, action = page.evaluate("calls")[-1]
    assert kind == "action" and action["type"] == "postback" and action["data"] == "action=optout"


def test_order_status_bubble_lays_out_rows(page):
    render(page, [ORDER])
    bubble = page.locator(".tf-bubble")
    assert bubble.locator(".tf-separator").count() == 2
    assert bubble.get_by_text("発送済み").evaluate("e => getComputedStyle(e).color") == "rgb(6, 199, 85)"
    label, total = bubble.get_by_text("合計", exact=True), bubble.get_by_text("¥6,760")
    assert label.bounding_box()["y"] == total.bounding_box()["y"]
    assert total.evaluate("e => getComputedStyle(e).textAlign") == "end"
    quantity = bubble.get_by_text("×2")
    assert quantity.bounding_box()["x"] > bubble.get_by_text("オーガニックコットン", exact=False).bounding_box()["x"]
    assert bubble.locator(".tf-footer a.tf-button").get_attribute("href") == f"{SHOP}/account/orders/1042"
    bubble.locator(".tf-footer button.tf-button").click()
    assert page.evaluate("calls")[-1][1]["data"] == "action=contact"


def test_message_data_is_text_never_markup(page):
    render(
        page,
        [
            {
                "type": "text",
                "text": XSS,
                "quickReply": {"items": [{"type": "action", "action": {"type": "message", "label": XSS, "text": XSS}}]},
            }
        ],
        side="user",
    )
    render(
        page,
        [
            line.card(XSS, [(XSS, line.uri_action(f"{SHOP}/?q=<b>"))], title=XSS),
            line.confirm(XSS, (XSS, "a"), ("ok", "b")),
            {"type": "sticker", "packageId": "1", "stickerId": "1"},
            {"type": XSS},
            {
                "type": "text",
                "text": XSS,
                "quickReply": {
                    "items": [
                        {
                            "type": "action",
                            "imageUrl": "javascript:alert(1)",
                            "action": {"type": "message", "label": XSS, "text": XSS},
                        }
                    ]
                },
            },
        ],
    )
    page.wait_for_timeout(200)
    assert page.locator("#chat img, #chat b, #chat script").count() == 0
    assert page.locator("#chat").inner_text().count(XSS) >= 6
    assert "(unsupported: " + XSS + ")" in page.locator("#chat").inner_text()
    assert page.dialogs == [] and page.errors == []


def test_unsafe_links_colours_and_unknown_components_are_dropped(page):
    render(
        page,
        [
            TRICKY,
            {"type": "imagemap"},
            None,
            {"type": "flex", "contents": None},
            {"type": "template", "template": {"type": "bogus"}},
            {"type": "flex", "contents": {"type": "carousel", "contents": [None, {"type": "bubble"}]}},
        ],
    )
    chat = page.locator("#chat")
    assert "never drawn" not in chat.inner_text()
    assert "(unsupported: imagemap)" in chat.inner_text()
    assert page.evaluate("[...document.querySelectorAll('#chat [href]')].map(a => a.getAttribute('href'))") == [
        "line://ti/p/@tsunagu"
    ]
    danger = page.get_by_text("危ないリンク")
    assert danger.evaluate("e => e.tagName") == "SPAN"
    assert page.locator("#chat img").count() == 0  # a javascript: image never becomes an <img>
    evil = page.get_by_text("evil colour")
    assert "red" not in evil.evaluate("e => e.getAttribute('style') || ''")
    page.locator(".tf-button.tf-inert").first.click()
    assert page.evaluate("calls") == [] and page.dialogs == [] and page.errors == []
    assert no_horizontal_overflow(page)


@pytest.mark.parametrize("width", [360, 400, 1100])
def test_everything_fits_the_window(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    render(page, [{"type": "text", "text": "タオルを探しています。おすすめはありますか？"}], side="user")
    render(page, [CAROUSEL, ORDER, CONFIRM, TRICKY, QUICK])
    assert no_horizontal_overflow(page)
    for bubble in page.locator("#chat .tf-bubble").all():
        box, chat = bubble.bounding_box(), page.locator("#chat").bounding_box()
        assert box["x"] >= chat["x"] and box["width"] <= chat["width"]


def test_screenshot(page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    render(page, [{"type": "text", "text": "タオル"}], side="user")
    render(page, [{"type": "text", "text": "「タオル」の検索結果です。\n気になる商品をタップしてください。"}, CAROUSEL])
    render(page, [{"type": "text", "text": "注文状況"}], side="user")
    render(
        page,
        [
            ORDER,
            CONFIRM,
            {
                "type": "image",
                "originalContentUrl": "https://cdn.shopify.com/a.jpg",
                "previewImageUrl": "https://cdn.shopify.com/a-preview.jpg",
            },
            {"type": "sticker", "packageId": "446", "stickerId": "1988"},
            {"type": "imagemap"},
            {
                "type": "template",
                "altText": "おすすめ",
                "template": {
                    "type": "buttons",
                    "thumbnailImageUrl": "https://cdn.shopify.com/t.jpg",
                    "title": "今月のおすすめ",
                    "text": "春の新作タオルが入荷しました",
                    "actions": [
                        {"type": "uri", "label": "ストアで見る", "uri": SHOP},
                        {"type": "message", "label": "ほかの商品", "text": "ほかの商品"},
                    ],
                },
            },
            QUICK,
        ],
    )
    page.wait_for_timeout(300)  # let blocked images settle into their placeholders
    assert no_horizontal_overflow(page)
    page.screenshot(path=str(SHOTS / "flex-renderer.png"), full_page=True)
    assert json.loads(page.evaluate("JSON.stringify(calls)")) == []
