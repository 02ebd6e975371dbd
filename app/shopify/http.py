"""The one shared httpx.Client for Shopify, pointed at SHOPIFY_API_BASE.

`shopifyapp` builds `https://{shop}.myshopify.com/...` URLs itself. When the base is
configured elsewhere (a local fake Shopify in tests and benchmarks), a thin transport
rewrites those URLs, so the very same library code runs over real HTTP. The app factory
may instead hand the client a transport that answers every request itself (a fake at
the HTTP boundary): the client and everything above it stay the same.
"""

from __future__ import annotations

import threading

import httpx
from flask import Flask

from .. import ext
from ..config import Settings
from ..write_guard import refuse_remote

DEFAULT_BASE = "https://{shop}.myshopify.com"


class ShopBaseTransport(httpx.BaseTransport):
    def __init__(self, base: str, inner: httpx.BaseTransport):
        self._base = base
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host.endswith(".myshopify.com"):
            shop = host.removesuffix(".myshopify.com")
            target = httpx.URL(self._base.format(shop=shop))
            path = target.path.rstrip("/") + request.url.path
            request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port, path=path)
            request.headers["Host"] = target.netloc.decode()
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def make_client(settings: Settings, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """A client over the network to SHOPIFY_API_BASE, or over `transport` when one is given."""
    timeout = httpx.Timeout(10.0, connect=5.0)
    if transport is None:
        limits = httpx.Limits(max_connections=20, max_keepalive_connections=10)
        inner = httpx.HTTPTransport(limits=limits, retries=1)
        transport = (
            inner if settings.shopify_api_base == DEFAULT_BASE else ShopBaseTransport(settings.shopify_api_base, inner)
        )
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        headers={"Accept": "application/json"},
        event_hooks={"request": [_refuse_inside_write]},
    )


def _refuse_inside_write(request: httpx.Request) -> None:
    refuse_remote(f"Shopify ({request.url.path.rsplit('/', 1)[-1] or request.url.host})")


class ShopifyHttp:
    """The app's one Shopify client (an `ext.cache` kind): connections are reused across
    requests, and `serve_shopify_with` can put a transport of its own behind it."""

    def __init__(self) -> None:
        self.client: httpx.Client | None = None
        self.lock = threading.Lock()


def serve_shopify_with(app: Flask, transport: httpx.BaseTransport) -> None:
    """Every Shopify request of `app` (Admin API, tokens, downloads) goes to `transport`."""
    ext.cache(ShopifyHttp, app).client = make_client(ext.settings(app), transport)


def shared_client() -> httpx.Client:
    """One client per app and process: connections to Shopify are reused across requests."""
    holder = ext.cache(ShopifyHttp)
    if holder.client is None:
        with holder.lock:
            if holder.client is None:
                holder.client = make_client(ext.settings())
    return holder.client
