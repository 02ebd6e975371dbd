"""The demo store's Shopify: an httpx transport answering the Admin API from the demo data.

In demo mode the app factory hands this transport to the shared Shopify client, so
production code takes its ordinary path for the demo shop (its offline token, the cost
extensions, the catalog's bulk operation and JSONL download, discount codes, the
`line-linked` tag) while nothing leaves the process. It answers the documents of
`app/shopify/queries.py` in the shapes of Shopify's schema (tests/demo checks them against
it). Anything else is refused, so a new Admin API call shows up in the demo at once
instead of reaching for the network.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import httpx
from flask import Flask

from .. import ext
from ..shopify import queries
from ..shopify.http import serve_shopify_with
from .bulk import as_bulk_lines
from .catalog import DEMO_SHOP_DOMAIN, DEMO_SHOP_NAME, demo_customers, demo_products
from .policies import demo_policies
from .shopify_discounts import DiscountBook
from .shopify_marketing import MarketingBook
from .shopify_segments import GraphQLErrors, SegmentBook

# The demo shop's offline token (non-expiring: nothing to refresh); the seed stores it encrypted.
DEMO_ACCESS_TOKEN = "shpat_" + hashlib.sha256(b"tsunagu-demo-offline-token").hexdigest()[:32]
GRAPHQL_PATH = re.compile(r"^/admin/api/[^/]+/graphql\.json$")
# Shopify hands bulk results out as files on Google Cloud Storage.
BULK_HOST = "storage.googleapis.com"
BULK_PATH = "/shopify-tiers-assets-prod-us-east1/bulk-operation-outputs/tsunagu-demo-{id}.jsonl"
BULK_PATH_RE = re.compile(r"^/shopify-tiers-assets-prod-us-east1/bulk-operation-outputs/tsunagu-demo-\d+\.jsonl$")
BULK_GID = re.compile(r"^gid://shopify/BulkOperation/(\d+)$")
# Standard plan: a 2,000-point bucket refilled at 100 points/s; the demo never drains it.
THROTTLE = {"maximumAvailable": 2000.0, "currentlyAvailable": 1990.0, "restoreRate": 100.0}
QUERY_COST = 10
TAKEN = "Code must be unique. Please try a different code."


@dataclass(frozen=True)
class Call:
    """One answered GraphQL request, kept for tests (a bounded log)."""

    document: str
    variables: dict
    data: dict


class DemoShopify(httpx.BaseTransport):
    """Thread-safe: the web server and the dispatcher's pool share one client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.discount_codes: dict[str, dict] = {}  # code -> the discountCodeBasicCreate input
        self.tags: dict[str, set[str]] = {}  # customer gid -> tags
        self.calls: deque[Call] = deque(maxlen=500)
        self.segments = demo_segments()
        self.discounts = demo_discounts()
        self.marketing = MarketingBook()
        self._answers: dict[str, Callable[[dict], dict]] = {
            queries.SHOP_DETAILS.strip(): self._shop_details,
            queries.SHOP_POLICIES.strip(): lambda _v: {"shop": {"shopPolicies": demo_policies()}},
            queries.PRODUCTS_COUNT.strip(): self._products_count,
            queries.BULK_RUN.strip(): self._bulk_run,
            queries.BULK_STATUS.strip(): self._bulk_status,
            queries.DISCOUNT_CREATE.strip(): self._discount_create,
            queries.TAGS_ADD.strip(): lambda v: {"tagsAdd": self._tag(v, add=True)},
            queries.TAGS_REMOVE.strip(): lambda v: {"tagsRemove": self._tag(v, add=False)},
            **self.segments.answers(),
            **self.discounts.answers(),  # campaign coupons: shared codes, unique codes in bulk
            **self.marketing.answers(),
        }

    # -- HTTP ---------------------------------------------------------------------------
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.host == DEMO_SHOP_DOMAIN and request.method == "POST" and GRAPHQL_PATH.match(url.path):
            return self._graphql(request)
        if url.host == BULK_HOST and request.method == "GET" and BULK_PATH_RE.match(url.path):
            return httpx.Response(200, content=self._jsonl, headers={"Content-Type": "application/jsonl"})
        return _json({"errors": "Not Found"}, 404)

    def _graphql(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("X-Shopify-Access-Token") != DEMO_ACCESS_TOKEN:
            return _json(
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}, 401
            )
        try:
            body = json.loads(request.read() or b"{}")
        except ValueError:
            return _json({"errors": "Bad Request"}, 400)
        document, variables = str(body.get("query") or ""), body.get("variables") or {}
        answer = self._answers.get(document.strip())
        if answer is None:
            return _json({"errors": [{"message": "the demo's Shopify does not answer this document"}]})
        try:
            data = answer(variables)
        except GraphQLErrors as refused:
            return _json({"data": None, "errors": refused.errors})
        with self._lock:
            self.calls.append(Call(document, variables, data))
        cost = {"requestedQueryCost": QUERY_COST, "actualQueryCost": QUERY_COST, "throttleStatus": THROTTLE}
        return _json({"data": data, "extensions": {"cost": cost}})

    # -- the demo data --------------------------------------------------------------------
    @cached_property
    def _catalog(self) -> list[dict]:
        return list(as_bulk_lines(demo_products()))

    @cached_property
    def _jsonl(self) -> bytes:
        return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in self._catalog).encode()

    @cached_property
    def _customer_gids(self) -> frozenset[str]:
        return frozenset(f"gid://shopify/Customer/{c['id']}" for c in demo_customers())

    # -- answers, one per document ----------------------------------------------------
    def _shop_details(self, _variables: dict) -> dict:
        shop = {"name": DEMO_SHOP_NAME, "ianaTimezone": "Asia/Tokyo", "currencyCode": "JPY"}
        return {"shop": {**shop, "myshopifyDomain": DEMO_SHOP_DOMAIN}}

    def _products_count(self, _variables: dict) -> dict:
        return {"productsCount": {"count": sum("__parentId" not in line for line in self._catalog)}}

    def _bulk_run(self, variables: dict) -> dict:
        if (variables.get("query") or "").strip() != queries.CATALOG_BULK_QUERY.strip():
            error = {"field": ["query"], "message": "the demo's Shopify runs only the catalog query in bulk"}
            return {"bulkOperationRunQuery": {"bulkOperation": None, "userErrors": [error]}}
        with self._lock:
            number = next(self._ids)
        operation = {"id": f"gid://shopify/BulkOperation/{number}", "status": "CREATED"}
        return {"bulkOperationRunQuery": {"bulkOperation": operation, "userErrors": []}}

    def _bulk_status(self, variables: dict) -> dict:
        """Every catalog operation is done by its first poll (and in any process: no state)."""
        found = BULK_GID.match(str(variables.get("id") or ""))
        if found is None:
            return {"node": None}
        roots = sum("__parentId" not in line for line in self._catalog)
        return {
            "node": {
                "id": variables["id"],
                "status": "COMPLETED",
                "errorCode": None,
                "objectCount": str(len(self._catalog)),
                "rootObjectCount": str(roots),
                "url": f"https://{BULK_HOST}{BULK_PATH.format(id=found[1])}",
                "partialDataUrl": None,
            }
        }

    def _discount_create(self, variables: dict) -> dict:
        given = variables.get("input") or {}
        code = str(given.get("code") or "")
        customers = ((given.get("context") or {}).get("customers") or {}).get("add") or []
        errors = []
        if not code:
            errors.append({"field": ["basicCodeDiscount", "code"], "code": "BLANK", "message": "Code can't be blank"})
        elif any(gid not in self._customer_gids for gid in customers):
            errors.append(
                {"field": ["basicCodeDiscount", "context"], "code": "INVALID", "message": "Customer not found"}
            )
        node = None
        with self._lock:
            if not errors and code.upper() in self.discount_codes:  # codes are unique, whatever the case
                errors.append({"field": ["basicCodeDiscount", "code"], "code": "TAKEN", "message": TAKEN})
            if not errors:
                self.discount_codes[code.upper()] = given
                node = {"id": f"gid://shopify/DiscountCodeNode/{next(self._ids)}"}
        return {"discountCodeBasicCreate": {"codeDiscountNode": node, "userErrors": errors}}

    def _tag(self, variables: dict, *, add: bool) -> dict:
        gid, tags = str(variables.get("id") or ""), set(variables.get("tags") or [])
        if gid not in self._customer_gids:
            return {"userErrors": [{"field": ["id"], "message": "Customer does not exist"}]}
        with self._lock:
            held = self.tags.setdefault(gid, set())
            if add:
                held.update(tags)
            else:
                held.difference_update(tags)
        return {"userErrors": []}


def demo_segments() -> SegmentBook:
    """The demo store's customer segments, as a merchant would have saved them in Shopify."""
    book = SegmentBook()
    customers = demo_customers()

    def tagged(tag: str) -> list[int]:
        return [c["id"] for c in customers if tag in (c.get("tags") or "").split(", ")]

    book.add("VIP のお客様", tagged("VIP"), query="customer_tags CONTAINS 'VIP'")
    book.add("リピーター", tagged("リピーター"), query="customer_tags CONTAINS 'リピーター'")
    subscribed = [c["id"] for c in customers if (c.get("email_marketing_consent") or {}).get("state") == "subscribed"]
    book.add("メルマガ購読中のお客様", subscribed, query="email_subscription_status = 'SUBSCRIBED'")
    return book


def demo_discounts() -> DiscountBook:
    """The demo store's code discounts a campaign coupon can use: a shared code, and a
    discount that takes one code per recipient."""
    book = DiscountBook()
    book.add("WINTER10")
    book.add("LINE-FRIENDS")
    return book


def _json(payload, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(payload, ensure_ascii=False).encode(), headers=_JSON)


_JSON = {"Content-Type": "application/json; charset=utf-8"}


def serve_demo_shopify(app: Flask) -> DemoShopify:
    """The app's Shopify becomes the demo's fake (the app factory calls this in demo mode)."""
    fake = demo_shopify(app)
    serve_shopify_with(app, fake)
    return fake


def demo_shopify(app: Flask) -> DemoShopify:
    """The app's fake (one per app, made on first use)."""
    return ext.cache(DemoShopify, app)
