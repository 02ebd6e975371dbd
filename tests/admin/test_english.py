"""The admin of a shop whose locale is English reads in English: every page and API answer,
rendered for such a shop with data in English, has no Japanese outside what is Japanese by
design, which the page marks with lang="ja" (the Japanese LINE texts the merchant edits and
their preview, the つなぐ mark)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from app import create_app, ext
from app.flows.registry import Flow, flows
from app.models import (
    Attribution,
    CatalogSync,
    ComplianceRequest,
    Customer,
    KeywordRule,
    LineChannel,
    LineFriend,
    Notification,
    Order,
    SynonymGroup,
    WebhookEvent,
)
from app.timeutil import utcnow
from tests.helpers import make_shop

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}
JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
REASONS = ["opted_out", "quiet_hours", "cap_per_day", "ordered", "quota_held", "merchant_cancelled", None]


class Outside(HTMLParser):
    """Text and attribute values of a page, leaving out elements marked lang="ja"."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.stack: list[bool] = []  # for each open element: inside a lang="ja" one?

    @property
    def japanese(self) -> bool:
        return bool(self.stack and self.stack[-1])

    def handle_starttag(self, tag, attrs):
        inside = self.japanese or dict(attrs).get("lang") == "ja"
        if not inside:
            self.found += [f"<{tag} {name}>: {value}" for name, value in attrs if value]
        if tag not in VOID:
            self.stack.append(inside)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.japanese and data.strip():
            self.found.append(data.strip())


def japanese_outside_ja(html: str) -> list[str]:
    parser = Outside()
    parser.feed(html)
    return [text for text in parser.found if JAPANESE.search(text)]


@pytest.fixture
def english(settings, db):
    """A demo-mode app and an English shop with a little of everything, named in English."""
    app = create_app(settings.with_(shopify_api_key=""))
    shop = make_shop(db, domain="tsunagu-demo.myshopify.com", name="Tea House", is_demo=True, locale="en-US")
    now = utcnow()
    db.add(LineChannel(shop_id=shop.id, display_name="Tea House", basic_id="@teahouse", connected_at=now))
    db.add(CatalogSync(shop_id=shop.id, status="completed", trigger="manual", finished_at=now, done=3, total=3))
    customers = [
        Customer(shop_id=shop.id, shopify_id=10 + i, first_name=name, last_name="Smith", email=f"{name}@example.com")
        for i, name in enumerate(("Anna", "Ben", "Cleo"))
    ]
    db.add_all(customers)
    db.commit()
    friends = [
        LineFriend(
            shop_id=shop.id,
            line_user_id=f"U{i:032d}",
            display_name=f"friend {i}",
            customer_id=c.id if i < 2 else None,
            link_method="chat" if i < 2 else None,
            followed_at=now - timedelta(days=i),
        )
        for i, c in enumerate(customers)
    ]
    db.add_all(friends)
    db.commit()
    for i, flow in enumerate(flows()):
        for j, status in enumerate(("sent", "scheduled", "skipped", "failed", "cancelled")):
            db.add(
                Notification(
                    shop_id=shop.id,
                    flow=flow,
                    step=j % 2,
                    status=status,
                    reason=REASONS[(i + j) % len(REASONS)] if status in ("skipped", "cancelled", "scheduled") else None,
                    last_error="LINE 400: bad request" if status == "failed" else None,
                    dedupe_key=f"{flow}:{j}",
                    due_at=now - timedelta(hours=j),
                    sent_at=now - timedelta(hours=j) if status == "sent" else None,
                    friend_id=friends[0].id,
                    customer_id=customers[0].id,
                )
            )
    order = Order(shop_id=shop.id, shopify_id=99, name="#1001", customer_shopify_id=10, total_price=Decimal(3000))
    db.add(order)
    db.commit()
    db.add(
        Attribution(
            shop_id=shop.id,
            order_id=order.id,
            flow=Flow.ABANDONED_CHECKOUT,
            kind="recovered_checkout",
            revenue=Decimal(3000),
            ordered_at=now - timedelta(days=1),
        )
    )
    db.add(KeywordRule(shop_id=shop.id, keywords=["shipping"], text="Free over 5,000 yen."))
    db.add(SynonymGroup(shop_id=shop.id, terms=["tea", "cha"]))
    db.add(WebhookEvent(shop_id=shop.id, webhook_id="w", topic="orders/paid", status="failed", error="KeyError: x"))
    db.add(ComplianceRequest(shop_id=shop.id, topic="customers/data_request", customer_shopify_id=10, export={}))
    db.add(ComplianceRequest(shop_id=shop.id, topic="customers/redact", customer_shopify_id=11, status="redacted"))
    db.commit()
    client = app.test_client()

    def get(path: str, **kwargs):
        return client.open(path, environ_base=LOCAL, headers={"Host": "localhost"}, **kwargs)

    get.customer_id = customers[0].id
    yield get
    ext.engine(app).dispose()


PAGES = [
    "/",
    "/?period=7",
    "/?period=90",
    "/flows",
    "/customers",
    "/customers?q=Smith",
    "/messages",
    "/messages?status=failed",
    "/messages?from=nope",
    "/audiences",
    "/audiences/new",
    "/campaigns",
    "/campaigns/new",
    "/keywords",
    "/simulator",
    "/settings",
    "/privacy",
    "/shopify-flow",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_reads_in_english(english, path):
    response = english(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'lang="en"' in page
    assert japanese_outside_ja(page) == []


def test_the_customer_page_reads_in_english(english):
    page = english(f"/customers/{english.customer_id}").get_data(as_text=True)
    assert "Linked to the LINE friend" in page and "Orders credited to LINE" in page
    assert japanese_outside_ja(page) == []


def test_what_japanese_there_is_is_marked(english):
    settings_page = english("/settings").get_data(as_text=True)
    flows_page = english("/flows").get_data(as_text=True)
    # The Japanese greeting and its preview are there, marked, and the page says so in English.
    assert JAPANESE.search(settings_page) and "Greeting" in settings_page
    assert 'class="bubble" lang="ja"' in settings_page
    assert 'lang="ja" data-template=' in flows_page and "Japanese" in flows_page and "English" in flows_page


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/api/messages", None),
        ("GET", "/api/messages?status=nope&from=x", None),
        ("GET", "/api/customers", None),
        ("GET", "/api/customers/999999", None),
        ("GET", "/api/dashboard?period=14", None),
        ("GET", "/api/flows", None),
        ("PUT", "/api/flows/abandoned_checkout", {"settings": {"steps": [{"delay_min": 0}]}}),
        ("POST", "/api/keyword-rules", {"keywords": "", "answer": "products"}),
        ("PUT", "/api/line/texts", {"greeting": "{", "coupon_code": "x" * 51}),
        ("POST", "/api/line/connect", {}),
        ("PUT", "/api/dashboard/plan", {"plan": "gold"}),
    ],
)
def test_api_answers_read_in_english(english, method, path, body):
    response = english(path, method=method, json=body)
    answer = response.get_json()
    # The flows' default Japanese texts are data the editor shows beside the English ones.
    if path == "/api/flows":
        for flow in answer["flows"]:
            flow["templates"] = {k: v["en"] for k, v in flow["templates"].items()}
            flow["defaults"] = {k: v["en"] for k, v in flow["defaults"].items()}
    assert JAPANESE.search(str(answer)) is None, answer


def test_a_preview_for_a_shop_without_orders_uses_english_stand_ins(english):
    answer = english(
        "/api/flows/abandoned_checkout/preview",
        method="POST",
        json={"template_key": "abandoned_checkout", "lang": "en"},
    ).get_json()
    assert answer["ok"] and "Hanako Yamada" in str(answer["messages"])
    assert JAPANESE.search(str(answer["messages"])) is None


def test_the_parser_sees_what_is_outside_ja():
    html = '<p title="ラベル">ok<span lang="ja">日本語<b>も</b></span><input lang="ja" value="値">外</p>'
    assert japanese_outside_ja(html) == ["<p title>: ラベル", "外"]
