"""A shopper's whole story in one shop, told with marker values through every path that
stores data: each subscribed webhook topic, the LINE chat (follow, message, postback,
unfollow, a back-in-stock request and its notice),
linking (by the merchant, in the chat, with LINE Login), a cart through the app proxy, a
flow message and a chat reply in dry run, a click on a tracked link, a data request.

The markers (a name, an e-mail, a phone number, an address, a LINE display name and user
id, a chat text) are unique per story, so a scan of the database can tell whether any of
them is left, and whose.
"""

from __future__ import annotations

import copy
import json
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from sqlmodel import select

from app import ext
from app.models import Customer, LineChannel, LineFriend, Shop, TrackedLink
from app.timeutil import utcnow
from tests.conftest import CLIENT_SECRET, load_payload
from tests.fakes.line_events import new_user_id
from tests.helpers import begin_line_login, fresh, proxy_query
from tests.plugins.tracking import BROWSER

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_CUSTOMER = "706405506930370084"
COMPLIANCE = {"customers/data_request", "customers/redact", "shop/redact"}
# Sent at the end of a story (they stop the shop or erase it): not part of `tell`.
LAST = {"app/uninstalled", *COMPLIANCE}
SHOP_OBJECT = {"app/uninstalled", "shop/update"}  # the body is the shop's, its address the shop's


def subscribed_topics() -> list[str]:
    """Every topic shopify.app.toml subscribes to, compliance topics included."""
    config = tomllib.loads((ROOT / "shopify.app.toml").read_text())
    topics: list[str] = []
    for sub in config["webhooks"]["subscriptions"]:
        topics += sub.get("topics", []) + sub.get("compliance_topics", [])
    return topics


@dataclass(frozen=True)
class Markers:
    tag: str
    customer_id: int
    line_user_id: str
    phone: str

    @classmethod
    def new(cls, customer_id: int) -> Markers:
        return cls(
            tag=secrets.token_hex(4),
            customer_id=customer_id,
            line_user_id=new_user_id(),
            phone="+8190" + "".join(secrets.choice("123456789") for _ in range(8)),
        )

    @property
    def first(self) -> str:
        return f"Hanamk{self.tag}"

    @property
    def last(self) -> str:
        return f"Yamamk{self.tag}"

    @property
    def email(self) -> str:
        return f"mk{self.tag}.shopper@example.test"

    @property
    def address(self) -> str:
        return f"Markerdori {self.tag} 1-2-3"

    @property
    def display_name(self) -> str:
        return f"Dispmk{self.tag}"

    @property
    def chat_text(self) -> str:
        return f"mkchat{self.tag}"

    def values(self) -> dict[str, str]:
        """What must not survive an erasure (compared case-insensitively)."""
        return {
            "first name": self.first,
            "last name": self.last,
            "email": self.email,
            "phone": self.phone,
            "address": self.address,
            "LINE display name": self.display_name,
            "LINE user id": self.line_user_id,
            "chat text": self.chat_text,
        }


def personalise(body: dict, markers: Markers | None, domain: str) -> dict:
    """A fixture payload about the markers' shopper of `domain` (None: about the shop)."""
    text = json.dumps(body, ensure_ascii=False).replace("test-shop.myshopify.com", domain)
    if markers is None:
        return json.loads(text)
    for old, new in (
        ("hanako.yamada@example.jp", markers.email),
        ("+819012345678", markers.phone),
        ("渋谷1-2-3", markers.address),
        ("花子", markers.first),
        ("山田", markers.last),
        (FIXTURE_CUSTOMER, str(markers.customer_id)),
    ):
        text = text.replace(old, new)
    return json.loads(text)


def body_for(topic: str, markers: Markers, domain: str) -> dict:
    """The payload a topic sends in this story: its fixture, or its create fixture for an
    update; deletes name another customer or product (this shopper must stay)."""
    if topic == "customers/delete":
        return {"id": 1_000_000 + markers.customer_id % 1000, "phone": markers.phone}
    if topic == "products/delete":
        return {"id": 999_000_001}
    name = topic.replace("/", "_")
    try:
        body = load_payload(name)
    except FileNotFoundError:  # an update or a second order event: the create body, later
        body = copy.deepcopy(load_payload(topic.split("/")[0] + "_create"))
        if "updated_at" in body:
            body["updated_at"] = "2026-11-25T09:45:00+09:00"
    return personalise(body, None if topic in SHOP_OBJECT else markers, domain)


@dataclass
class Story:
    """Drives the app through its real routes (Flask test client, fake LINE, fake Shopify)."""

    app: object
    client: object
    db: object
    send_webhook: object
    fake_line: object
    fake_shopify: object
    dispatch: object
    shop: Shop
    channel: LineChannel
    markers: Markers
    channel_secret: str
    sent: list[str] = field(default_factory=list)

    @property
    def domain(self) -> str:
        return self.shop.domain

    def webhook(self, topic: str, body: dict | None = None) -> None:
        response = self.send_webhook(topic, body or body_for(topic, self.markers, self.domain), shop=self.domain)
        assert response.status_code == 200, (topic, response.get_data(as_text=True))
        self.sent.append(topic)

    def line(self, event: dict) -> None:
        raw, headers = self.fake_line.webhook_request(
            [event], secret=self.channel_secret, destination=self.channel.bot_user_id
        )
        response = self.client.post("/line/webhook", data=raw, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)

    def proxy(self, path: str, params: dict):
        query = proxy_query(
            {
                "shop": self.domain,
                "path_prefix": "/apps/tsunagu",
                **params,
                "logged_in_customer_id": str(self.markers.customer_id),
            },
            CLIENT_SECRET,
        )
        return self.client.get(f"/proxy{path}?{query}")

    def admin(self, method: str, path: str, body: dict | None = None):
        token = self.fake_shopify.session_token(self.domain.removesuffix(".myshopify.com"))
        return self.client.open(path, method=method, json=body or {}, headers={"Authorization": f"Bearer {token}"})

    # -- the story ---------------------------------------------------------------------------
    def tell(self, *, login: bool) -> None:
        m = self.markers
        self.fake_line.add_user(m.line_user_id, m.display_name, language="ja")
        self.webhook("customers/create")
        self.line(self.fake_line.follow_event(m.line_user_id))
        self.line(self.fake_line.text_event(m.line_user_id, m.chat_text))
        self.line(self.fake_line.postback_event(m.line_user_id, "action=order"))
        self.link_by_merchant()
        self.link_in_chat()
        if login:
            self.link_with_line_login()
        for topic in subscribed_topics():
            if topic not in LAST and topic != "customers/create":
                self.webhook(topic)
        self.ask_back_in_stock()
        self.view_product()
        cart = body_for("carts/create", m, self.domain)["token"]
        assert self.proxy("/cart", {"token": cart}).status_code == 204
        self.in_dry_run()
        self.click_links()
        self.line(self.fake_line.unfollow_event(m.line_user_id))  # a block after a push
        self.line(self.fake_line.follow_event(m.line_user_id, unblocked=True))
        self.webhook("customers/data_request")

    def ask_back_in_stock(self) -> None:
        """The shopper asks to hear when the sold-out 200g tea is back; it is restocked."""
        variant = load_payload("products_create")["variants"][1]
        self.line(self.fake_line.postback_event(self.markers.line_user_id, f"action=restock&variant={variant['id']}"))
        level = {**load_payload("inventory_levels_update"), "available": 2, "updated_at": "2026-11-25T10:00:00+09:00"}
        self.webhook("inventory_levels/update", level)

    def view_product(self) -> None:
        """The storefront's web pixel reports that they looked at the tea (browse abandonment)."""
        body = {
            "shop": self.domain,
            "customer_id": f"gid://shopify/Customer/{self.markers.customer_id}",
            "product_id": load_payload("products_create")["id"],
        }
        assert self.client.post("/pixel/product-viewed", json=body).status_code == 204

    def link_by_merchant(self) -> None:
        fresh(self.db)
        customer = self.db.exec(
            select(Customer).where(Customer.shop_id == self.shop.id, Customer.shopify_id == self.markers.customer_id)
        ).one()
        friend = self.db.exec(select(LineFriend).where(LineFriend.line_user_id == self.markers.line_user_id)).one()
        path = f"/api/customers/{customer.id}/line-link"
        assert self.admin("POST", path, {"friend_id": friend.id}).status_code == 200
        assert self.admin("DELETE", path).status_code == 200

    def link_in_chat(self) -> None:
        user = self.markers.line_user_id
        before = set(self.fake_line.link_tokens)
        self.line(self.fake_line.text_event(user, "連携"))
        issued = [t for t in self.fake_line.link_tokens if t not in before]
        token = issued[-1] if issued else "dryrun-token"  # in dry run LINE is never asked
        response = self.proxy("/link", {"linkToken": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        nonce = parse_qs(urlparse(response.headers["Location"]).query)["nonce"][0]
        self.line(self.fake_line.account_link_event(user, nonce))
        self.assert_linked()

    def link_with_line_login(self) -> None:
        vault = ext.vault(self.app)
        fresh(self.db)  # a write from a stale SQLite read snapshot is refused
        channel = self.db.get(LineChannel, self.channel.id)
        channel.login_channel_id = self.fake_line.login_channel_id
        channel.login_channel_secret_enc = vault.encrypt(self.fake_line.login_channel_secret)
        self.db.add(channel)
        self.db.commit()
        query = begin_line_login(self.client, self.proxy)
        code = self.fake_line.issue_login_code(self.markers.line_user_id, query["nonce"], query["redirect_uri"])
        answer = self.client.get(f"/line/login/callback?code={code}&state={query['state']}")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        self.assert_linked()

    def assert_linked(self) -> None:
        fresh(self.db)
        friend = self.db.exec(select(LineFriend).where(LineFriend.line_user_id == self.markers.line_user_id)).one()
        assert friend.customer_id is not None

    def in_dry_run(self) -> None:
        """The shop switches to dry run: a chat reply and a flow message are recorded as
        the requests LINE would have received."""
        ext.use_settings(self.app, ext.settings(self.app).with_(delivery_mode="dry_run"))
        self.line(self.fake_line.text_event(self.markers.line_user_id, self.markers.chat_text + " again"))
        order = body_for("orders/create", self.markers, self.domain)
        self.webhook("orders/create", {**order, "id": order["id"] + 1, "name": "#1002"})
        self.dispatch(utcnow() + timedelta(minutes=1))

    def click_links(self) -> None:
        fresh(self.db)
        links = self.db.exec(select(TrackedLink).where(TrackedLink.shop_id == self.shop.id)).all()
        assert links, "a flow message with a tracked link was sent"
        for link in links:
            response = self.client.get(f"/r/{link.token}", headers={"User-Agent": BROWSER})
            assert response.status_code == 302
