"""Fixtures the admin tests share: the demo store served over real HTTP, and a headless
Chromium page that cannot reach Shopify's CDN (as offline)."""

from __future__ import annotations

import pytest

from app import create_app
from tests.admin.browser import ARGS, CHROMIUM
from tests.fakes.server import LiveServer


@pytest.fixture
def demo_server(settings):
    """The demo store (`flask demo`) on a live port; the browser run needs one database,
    and SQLite is the demo's."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the browser run needs one database; SQLite is the demo's")
    app = create_app(settings.with_(shopify_api_key=""))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with LiveServer(app) as server:
        server.app = app
        yield server
    app.extensions["tsunagu.engine"].dispose()


@pytest.fixture
def browser_context():
    """Make pages with `browser_context(locale=...)`; closed at the end of the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        def new_context(locale: str = "ja-JP", width: int = 1100):
            context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale)
            # Shopify's CDN is unreachable from tests: fail those requests fast, as offline.
            context.route("https://cdn.shopify.com/**", lambda route: route.abort())
            return context

        yield new_context
        browser.close()


@pytest.fixture
def page(browser_context):
    return browser_context().new_page()
