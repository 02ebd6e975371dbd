"""The people tests' API caller: a session token of the test shop, JSON bodies for writes."""

from __future__ import annotations

import pytest


@pytest.fixture
def api(client, fake_shopify):
    def call(method: str, path: str, body: dict | None = None, shop: str = "test-shop", **kwargs):
        if method in ("POST", "PUT", "DELETE") and "data" not in kwargs:
            kwargs["json"] = body if body is not None else {}
        return client.open(
            path, method=method, headers={"Authorization": f"Bearer {fake_shopify.session_token(shop)}"}, **kwargs
        )

    return call
