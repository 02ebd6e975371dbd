"""LINE Login in a real browser (headless Chromium): the cookie survives the trip through the
shop's domain and LINE's (SameSite=Lax on a cross-site top-level GET), and a second browser
opening the same LINE authorize link gets the "finish in the same browser" page.

The app is served over HTTP; the shop's domain (Shopify's app proxy, which signs what it
forwards) and access.line.me (which issues a code from the fake LINE) are played by routes.
Screenshots land in artifacts/screenshots/.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from app import ext
from app.line.account_link import BROWSER_COOKIE
from app.models import Customer
from tests.conftest import CLIENT_SECRET
from tests.fakes import line_events
from tests.fakes.server import LiveServer
from tests.helpers import proxy_query, rows
from tests.plugins.browser import SHOTS
from tests.plugins.line import friend_of

pytestmark = pytest.mark.browser
SHOP = "test-shop.myshopify.com"
CUSTOMER = 706405506930370084
OTHER_CUSTOMER = 706405506930370085


@pytest.fixture
def live_app(app, login_channel):
    """The app on a loopback port, its APP_URL that port (so /line/login/* is its own domain)."""
    with LiveServer(app) as server:
        ext.use_settings(app, ext.settings(app).with_(app_url=server.url))
        yield server


def forward(route, response) -> None:
    """Hand a response to the browser. This Chromium does not route a redirect's next hop, so
    a redirect becomes a script navigation, which is routed; the rest of the response, its
    Set-Cookie included, goes through as it is."""
    headers = dict(response.headers)
    if 300 <= response.status < 400:
        location = headers.pop("location")
        headers = {k: v for k, v in headers.items() if k != "content-length"}
        headers["content-type"] = "text/html; charset=utf-8"
        route.fulfill(status=200, headers=headers, body=f"<script>location.replace({json.dumps(location)})</script>")
    else:
        route.fulfill(response=response)


def as_shop_and_line(context, server, fake_line, *, customer: int, line_user: str):
    """The shop's domain forwards /apps/tsunagu/* to the app signed, logged in as `customer`;
    LINE's authorize page logs `line_user` in at once and sends the browser back with a code
    (a real redirect: the callback is a cross-site top-level GET, where Chromium decides
    whether the cookie goes along)."""

    def shop(route):
        url = urlparse(route.request.url)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        signed = proxy_query(
            {**params, "shop": SHOP, "path_prefix": "/apps/tsunagu", "logged_in_customer_id": str(customer)},
            CLIENT_SECRET,
        )
        path = url.path.removeprefix("/apps/tsunagu")
        forward(route, route.fetch(url=f"{server.url}/proxy{path}?{signed}", max_redirects=0))

    def line(route):
        query = {k: v[0] for k, v in parse_qs(urlparse(route.request.url).query).items()}
        code = fake_line.issue_login_code(line_user, query["nonce"], query["redirect_uri"])
        back = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
        route.fulfill(status=302, headers={"Location": back})

    context.route(f"https://{SHOP}/apps/tsunagu/**", shop)
    context.route("https://access.line.me/**", line)
    context.route(f"{server.url}/line/login/start**", lambda route: forward(route, route.fetch(max_redirects=0)))


def test_same_browser_links_and_another_browser_is_told_why(live_app, browser_context, fake_line, user, db):
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The first customer's browser: the store's button, the app's start, LINE, the callback.
    first = browser_context(locale="ja-JP", width=400)
    as_shop_and_line(first, live_app, fake_line, customer=CUSTOMER, line_user=user)
    page = first.new_page()
    page.goto(f"https://{SHOP}/apps/tsunagu/login")
    page.wait_for_url(f"{live_app.url}/line/login/callback?**")

    assert page.locator("h1").inner_text() == "LINE連携が完了しました"
    page.screenshot(path=str(SHOTS / "line-login-linked.png"), full_page=True)
    [customer] = rows(db, Customer)
    assert customer.shopify_id == CUSTOMER and friend_of(db, user).customer_id == customer.id
    assert not [c for c in first.cookies() if c["name"] == BROWSER_COOKIE]  # cleared by the callback

    # The first customer begins again and forwards LINE's link; a second person opens it in
    # their own browser and logs in with their LINE.
    starting = browser_context()
    begun: list[str] = []
    as_shop_and_line(starting, live_app, fake_line, customer=CUSTOMER, line_user=user)

    def stop_at_line(route):  # routes registered last are tried first
        begun.append(route.request.url)
        route.fulfill(status=200, body="LINE")

    starting.route("https://access.line.me/**", stop_at_line)
    waiting = starting.new_page()
    waiting.goto(f"https://{SHOP}/apps/tsunagu/login")
    waiting.wait_for_url("https://access.line.me/**")
    [link] = begun
    second_user = line_events.new_user_id()
    fake_line.add_user(second_user, "だれか")
    for locale, name in (("ja-JP", "line-login-other-browser"), ("en-US", "line-login-other-browser-en")):
        other = browser_context(locale=locale, width=400)
        as_shop_and_line(other, live_app, fake_line, customer=OTHER_CUSTOMER, line_user=second_user)
        page = other.new_page()
        page.goto(link)
        expected = (
            "連携を始めたブラウザで完了してください"
            if locale == "ja-JP"
            else "Please finish in the browser you started in"
        )
        assert page.locator("h1").inner_text() == expected
        retry = page.locator("a.button")
        assert retry.get_attribute("href") == f"https://{SHOP}/apps/tsunagu/login"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert friend_of(db, second_user) is None
    assert friend_of(db, user).customer_id == customer.id

    # "Start again in this browser" from the second browser: its own login, as its own customer.
    retry.click()
    page.wait_for_url(f"{live_app.url}/line/login/callback?**")
    assert page.locator("h1").inner_text() == "Your LINE account is linked"
    assert {c.shopify_id for c in rows(db, Customer)} == {CUSTOMER, OTHER_CUSTOMER}
    [theirs] = rows(db, Customer, Customer.shopify_id == OTHER_CUSTOMER)
    assert friend_of(db, second_user).customer_id == theirs.id != customer.id
