"""The demo's tests run the app in demo mode: no Shopify credentials, so its Shopify is
the demo's fake (app/demo/shopify_fake.py) and LINE runs dry."""

from __future__ import annotations

import pytest

from app.demo.shopify_fake import DemoShopify, demo_shopify


@pytest.fixture
def settings(settings):
    return settings.with_(shopify_api_key="")


@pytest.fixture
def seeded(app) -> DemoShopify:
    """The demo store, seeded through `flask demo`; its fake Shopify."""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return demo_shopify(app)
