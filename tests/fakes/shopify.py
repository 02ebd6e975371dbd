"""A fake Shopify for tests, benchmarks and the sandbox: token endpoint and Admin GraphQL.

Customer segments are played by the demo's SegmentBook (one implementation of Shopify's
paging, async members queries and deleted segments for both fakes): `fake.segments`.

It speaks the same HTTP as Shopify (paths, headers, JSON shapes, cost extensions,
THROTTLED errors, rotating refresh tokens), served at `{base}/{shop}/...` so the app's
SHOPIFY_API_BASE="{base}/{shop}" points the real `shopifyapp` code at it.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import jwt
from werkzeug.wrappers import Request, Response

from app.demo.shopify_discounts import DiscountBook
from app.demo.shopify_marketing import MarketingBook
from app.demo.shopify_segments import GraphQLErrors, SegmentBook
from app.shopify import queries

GRAPHQL_PATH = re.compile(r"^/(?P<shop>[a-z0-9-]+)/admin/api/(?P<version>[^/]+)/graphql\.json$")
TOKEN_PATH = re.compile(r"^/(?P<shop>[a-z0-9-]+)/admin/oauth/access_token$")


@dataclass
class Recorded:
    path: str
    headers: dict
    body: dict


@dataclass
class FakeShopify:
    client_id: str
    client_secret: str
    access_ttl: int = 3600
    refresh_ttl: int = 90 * 24 * 3600
    bucket_max: float = 1000.0
    restore_rate: float = 50.0
    query_cost: int = 10
    # document -> callable(variables) -> data; unknown documents get {"shop": ...}
    resolvers: dict[str, Callable[[dict], dict]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    access_tokens: dict[str, str] = field(default_factory=dict)  # token -> shop
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # token -> shop
    fail_next_token_calls: int = 0
    fail_next_graphql_calls: int = 0  # answered 503, as Shopify does when it is down
    throttled_count: int = 0
    files: dict[str, str] = field(default_factory=dict)  # path -> body (bulk operation results)
    # Customer segments and their members (the segment documents answer from it).
    segments: SegmentBook = field(default_factory=SegmentBook)
    # Code discounts and their redeem codes (the campaign coupon documents answer from it).
    discounts: DiscountBook = field(default_factory=DiscountBook)
    # External marketing activities (campaigns reported to Shopify's marketing reports).
    marketing: MarketingBook = field(default_factory=MarketingBook)
    # The shop's published policies (shop.shopPolicies), per shop handle: ShopPolicy objects
    # in Shopify's shape ({type, title, body, url, updatedAt}).
    policies: dict[str, list[dict]] = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._available = self.bucket_max
        self._seen = time.monotonic()

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            body = {}
        with self._lock:
            self.requests.append(Recorded(request.path, dict(request.headers), body))
        if request.path in self.files:  # a bulk operation's JSONL, as Shopify's storage serves it
            return Response(self.files[request.path], mimetype="application/jsonl")(environ, start_response)
        if m := TOKEN_PATH.match(request.path):
            response = self._token(m["shop"], body)
        elif m := GRAPHQL_PATH.match(request.path):
            response = self._graphql(m["shop"], request, body)
        else:
            response = _json({"errors": "Not Found"}, 404)
        return response(environ, start_response)

    # -- OAuth token endpoint -------------------------------------------------------
    def _token(self, shop: str, body: dict) -> Response:
        if self.fail_next_token_calls > 0:
            self.fail_next_token_calls -= 1
            return _json({"error": "server_error"}, 503)
        if body.get("client_id") != self.client_id or body.get("client_secret") != self.client_secret:
            return _json({"error": "invalid_client"}, 401)
        grant = body.get("grant_type")
        if grant == "urn:ietf:params:oauth:grant-type:token-exchange":
            try:
                claims = jwt.decode(
                    body.get("subject_token", ""), self.client_secret, algorithms=["HS256"], audience=self.client_id
                )
            except jwt.PyJWTError:
                return _json({"error": "invalid_subject_token"}, 400)
            if claims.get("dest") != f"https://{shop}.myshopify.com":
                return _json({"error": "invalid_subject_token"}, 400)
            return self._issue(shop)
        if grant == "refresh_token":
            with self._lock:
                owner = self.refresh_tokens.pop(body.get("refresh_token", ""), None)
            if owner != shop:
                return _json({"error": "invalid_grant"}, 400)
            return self._issue(shop)
        return _json({"error": "unsupported_grant_type"}, 400)

    def _issue(self, shop: str) -> Response:
        access, refresh = f"shpat_{secrets.token_hex(16)}", f"shprt_{secrets.token_hex(16)}"
        with self._lock:
            self.access_tokens[access] = shop
            self.refresh_tokens[refresh] = shop
        return _json(
            {
                "access_token": access,
                "scope": "read_products,read_customers,read_orders",
                "expires_in": self.access_ttl,
                "refresh_token": refresh,
                "refresh_token_expires_in": self.refresh_ttl,
            }
        )

    # -- Admin GraphQL ----------------------------------------------------------------
    def _graphql(self, shop: str, request: Request, body: dict) -> Response:
        with self._lock:
            failing = self.fail_next_graphql_calls > 0
            self.fail_next_graphql_calls -= int(failing)
        if failing:
            return _json({"errors": "Service Unavailable"}, 503)
        token = request.headers.get("X-Shopify-Access-Token", "")
        if self.access_tokens.get(token) != shop:
            return _json({"errors": "[API] Invalid API key or access token"}, 401)
        with self._lock:
            now = time.monotonic()
            self._available = min(self.bucket_max, self._available + (now - self._seen) * self.restore_rate)
            self._seen = now
            throttled = self._available < self.query_cost
            if throttled:
                self.throttled_count += 1
            else:
                self._available -= self.query_cost
            status = {
                "maximumAvailable": self.bucket_max,
                "currentlyAvailable": self._available,
                "restoreRate": self.restore_rate,
            }
        cost = {
            "requestedQueryCost": self.query_cost,
            "actualQueryCost": None if throttled else self.query_cost,
            "throttleStatus": status,
        }
        if throttled:
            return _json(
                {
                    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                    "extensions": {"cost": cost},
                }
            )
        document = body.get("query", "").strip()
        resolver = (
            self.resolvers.get(document)
            or self.segments.answers().get(document)
            or self.discounts.answers().get(document)
            or self.marketing.answers().get(document)
        )
        try:
            if resolver is None and document == queries.SHOP_POLICIES.strip():
                data = {"shop": {"shopPolicies": list(self.policies.get(shop, []))}}
            else:
                data = resolver(body.get("variables") or {}) if resolver else self._shop_data(shop)
        except GraphQLErrors as refused:  # Shopify's top-level errors, e.g. a deleted segment
            return _json({"data": None, "errors": refused.errors, "extensions": {"cost": cost}})
        return _json({"data": data, "extensions": {"cost": cost}})

    @staticmethod
    def _shop_data(shop: str) -> dict:
        return {
            "shop": {
                "name": f"{shop} ストア",
                "ianaTimezone": "Asia/Tokyo",
                "currencyCode": "JPY",
                "myshopifyDomain": f"{shop}.myshopify.com",
            }
        }

    def session_token(self, shop: str, *, aud: str | None = None, exp_in: int = 60, secret: str | None = None) -> str:
        """A session token (id_token) as App Bridge would hand the app."""
        now = int(time.time())
        claims = {
            "iss": f"https://{shop}.myshopify.com/admin",
            "dest": f"https://{shop}.myshopify.com",
            "aud": aud or self.client_id,
            "sub": "42",
            "exp": now + exp_in,
            "nbf": now - 5,
            "iat": now - 5,
            "jti": secrets.token_hex(8),
            "sid": secrets.token_hex(8),
        }
        return jwt.encode(claims, secret or self.client_secret, algorithm="HS256")


def _json(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")
