"""The app's extensions: one accessor each, from the current app or the app given, and the
per-process caches kept on the app (a new app starts with empty ones)."""

from __future__ import annotations

import pytest

from app import create_app, ext
from app.flows.dispatcher import PushPools
from app.flows.quota import Readings
from app.line.client import ApiClients
from app.shopify.client import Throttle
from app.shopify.intake import HeldConnection, ShopIds


def test_accessors_read_the_current_app_or_the_app_given(app, settings):
    assert ext.settings(app) is settings
    with app.app_context():
        assert ext.settings() is settings
        assert ext.engine() is ext.engine(app)
        assert ext.vault() is ext.vault(app)


def test_without_an_app_context_the_app_must_be_given():
    with pytest.raises(RuntimeError):
        ext.engine()


@pytest.mark.parametrize("kind", [Throttle, Readings, PushPools, ApiClients, ShopIds, HeldConnection])
def test_each_cache_is_one_per_app_and_a_new_app_starts_empty(app, settings, kind):
    first = ext.cache(kind, app)
    with app.app_context():
        assert ext.cache(kind) is first
    other = create_app(settings)
    try:
        assert ext.cache(kind, other) is not first
    finally:
        ext.engine(other).dispose()


def test_the_dispatcher_reuses_one_pool_per_size(app):
    pools = ext.cache(PushPools, app)
    assert pools.of_size(4) is pools.of_size(4)
    assert pools.of_size(4) is not pools.of_size(2)


def test_line_api_clients_are_pooled_per_token_least_recently_used_first():
    clients = ApiClients()
    first = clients.get("http://line.test", "token-0")
    assert clients.get("http://line.test", "token-0") is first
    for n in range(1, ApiClients.MAX + 1):
        clients.get("http://line.test", f"token-{n}")
    assert clients.get("http://line.test", "token-0") is not first  # dropped as the oldest
