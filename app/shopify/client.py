"""Admin GraphQL client over `shopifyapp.admin_graphql_request`.

One shared httpx.Client per process. Shopify's cost-based limit is a leaky bucket
reported in `extensions.cost.throttleStatus`; we remember it per shop (a Throttle, one per
app) and wait before a query would run the bucket dry, instead of collecting THROTTLED errors.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import httpx
from shopify_app import GQLResult, ShopifyApp

from .. import ext
from .http import shared_client
from .sdk import shopify_app
from .tokens import access_token

NOT_CONFIGURED = "NOT_CONFIGURED"  # ShopifyError.code: the app has no Shopify credentials
DEFAULT_COST = 50  # what we assume a query costs before Shopify has told us
MAX_THROTTLED_RETRIES = 3


class ShopifyError(RuntimeError):
    """A failed Admin API call, with Shopify's code and errors (never the token)."""

    def __init__(self, message: str, *, code: str, status: int = 0, errors: list | None = None):
        super().__init__(message)
        self.code = code
        self.status = status
        self.errors = errors or []


@dataclass
class Bucket:
    maximum: float = 1000.0
    available: float = 1000.0
    restore_rate: float = 50.0
    seen_at: float = field(default_factory=time.monotonic)

    def projected(self, now: float) -> float:
        return min(self.maximum, self.available + (now - self.seen_at) * self.restore_rate)

    def wait_for(self, cost: float, now: float) -> float:
        """Seconds to wait so `cost` points are available."""
        missing = min(cost, self.maximum) - self.projected(now)
        return max(0.0, missing / self.restore_rate) if self.restore_rate > 0 else 0.0


class Throttle:
    """What this process has learnt of Shopify's buckets (per shop) and query costs.

    One per app (ext.cache): every client of the process waits on the same buckets.
    """

    def __init__(self):
        self.buckets: dict[str, Bucket] = {}
        self.costs: dict[int, float] = {}
        self.lock = threading.Lock()


class AdminClient:
    def __init__(
        self,
        *,
        app: ShopifyApp,
        http: httpx.Client,
        shop_domain: str,
        access_token: str,
        api_version: str,
        throttle: Throttle | None = None,
        sleep=time.sleep,
    ):
        self._app = app
        self._http = http
        self._shop = shop_domain.removesuffix(".myshopify.com")
        self._token = access_token
        self._version = api_version
        self._throttle = throttle or Throttle()
        self._sleep = sleep

    def query(self, document: str, variables: dict | None = None) -> dict:
        """Run a query or mutation and return its `data`, or raise ShopifyError."""
        for _attempt in range(MAX_THROTTLED_RETRIES + 1):
            self._wait_for_budget(document)
            result = self._app.admin_graphql_request(
                document,
                shop=self._shop,
                access_token=self._token,
                api_version=self._version,
                variables=variables,
                http_client=self._http,
            )
            body = _body(result)
            self._observe(document, body.get("extensions") or result.extensions or {})
            if result.ok:
                return result.data or {}
            errors = body.get("errors") or []
            if not _throttled(errors):
                raise _error(result, errors)
        raise ShopifyError("still throttled after retries", code="throttled", status=200)

    def _wait_for_budget(self, document: str) -> None:
        throttle = self._throttle
        with throttle.lock:
            bucket = throttle.buckets.get(self._shop)
            if bucket is None:
                return
            cost = throttle.costs.get(hash(document), DEFAULT_COST)
            now = time.monotonic()
            delay = bucket.wait_for(cost, now)
            # Reserve the points now, so concurrent callers queue behind this one.
            bucket.available = bucket.projected(now) - cost
            bucket.seen_at = now
        if delay > 0:
            self._sleep(delay)

    def _observe(self, document: str, extensions: dict) -> None:
        cost = extensions.get("cost") or {}
        status = cost.get("throttleStatus") or {}
        if not status:
            return
        throttle = self._throttle
        with throttle.lock:
            if cost.get("requestedQueryCost") is not None:
                throttle.costs[hash(document)] = float(cost["requestedQueryCost"])
            throttle.buckets[self._shop] = Bucket(
                maximum=float(status.get("maximumAvailable", 1000)),
                available=float(status.get("currentlyAvailable", 0)),
                restore_rate=float(status.get("restoreRate", 50)),
            )


def _body(result: GQLResult) -> dict:
    try:
        parsed = json.loads(result.response.body or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _throttled(errors: list) -> bool:
    return any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors if isinstance(e, dict))


def _error(result: GQLResult, errors: list) -> ShopifyError:
    messages = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict)) or result.log.detail
    return ShopifyError(messages, code=result.log.code, status=result.response.status, errors=errors)


def for_shop(shop) -> AdminClient:
    """A client for one shop with a fresh access token (refreshed first when due).
    ShopifyError(code=NOT_CONFIGURED) when the app has no Shopify credentials."""
    try:
        app = shopify_app()
    except ValueError as exc:  # the package refuses an empty client id or secret
        raise ShopifyError("Shopify app credentials are not configured", code=NOT_CONFIGURED) from exc
    return AdminClient(
        app=app,
        http=shared_client(),
        shop_domain=shop.domain,
        access_token=access_token(shop),
        api_version=ext.settings().shopify_api_version,
        throttle=ext.cache(Throttle),
    )
