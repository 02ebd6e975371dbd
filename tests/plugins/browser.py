"""Browser fixtures: the demo store served over HTTP, and a page in Debian's headless
Chromium that never reaches Shopify's CDN. Screenshots land in artifacts/screenshots/.

Browser tests are marked `browser` (skipped without Chromium, failing under CI=1; see
environment.py). They drive the demo, whose database is SQLite: their PostgreSQL runs are
deselected rather than run twice against one demo.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app, ext
from tests.fakes.server import LiveServer
from tests.plugins.environment import CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(config, items) -> None:
    on_postgresql = [
        item
        for item in items
        if item.get_closest_marker("browser")
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("db_url") == "postgresql"
    ]
    if on_postgresql:
        config.hook.pytest_deselected(items=on_postgresql)
        items[:] = [item for item in items if item not in on_postgresql]


@pytest.fixture
def demo_server(settings):
    """The demo store (`flask demo`) on a live server; `.app` is its app."""
    app = create_app(settings.with_(shopify_api_key=""))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with LiveServer(app) as server:
        server.app = app
        yield server
    ext.engine(app).dispose()


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
