"""A fake LINE Platform for tests, benchmarks and the sandbox: Messaging API and LINE Login.

It speaks LINE's HTTP at LINE's own paths (the app's LINE_API_BASE points at it), with
LINE's JSON shapes, status codes and headers: x-line-request-id on every answer, 409 plus
x-line-accepted-request-id for a retry key already accepted, single-use reply tokens,
per-channel rate limits and the monthly quota. Knobs make it fail the way LINE does
(5xx before or after accepting, slow answers, 429) so retry and idempotency code can be
tested against the real `line-bot-sdk` client. Webhook event builders live in
`tests.fakes.line_events`; the ones carrying a reply token are wrapped here so the token
is one this fake will honour.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus

import httpx
import jwt
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.fakes import line_events as events
from tests.fakes.line_events import new_user_id  # noqa: F401  (re-exported for tests)
from tests.fakes.line_richmenus import HOURLY_LIMITS, PER_SECOND_LIMITS, RichMenuEndpoints
from tests.fakes.line_richmenus import RULES as RICH_MENU_RULES

AUTH_FAILED = "Authentication failed. Confirm that the access token in the authorization header is valid."
RATE_LIMITED = "The API rate limit has been exceeded. Try again later."
MONTHLY_LIMIT = "You have reached your monthly limit."
# What LINE answers an account that is neither verified nor premium asking for follower ids.
FOLLOWERS_FORBIDDEN = "Access to this API is not available for your account"
FOLLOWERS_DEFAULT, FOLLOWERS_MAX = 300, 1000
RECIPIENT_ID = re.compile(r"^[UCR][0-9a-f]{32}$")
UNIT_RE = re.compile(r"^[a-zA-Z0-9_]{1,30}$")  # customAggregationUnits: 1-30 of [a-zA-Z0-9_]
DAY_RE = re.compile(r"^\d{8}$")  # yyyyMMdd (UTC+9)
WITHHELD_UNDER = 20  # LINE answers null for statistics under 20 users
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
RETRYABLE = {"push", "multicast", "broadcast"}  # endpoints that accept X-Line-Retry-Key (of those faked)
PUBLIC = {"login_token", "login_verify"}  # LINE Login endpoints take no channel token
LOGIN_CODE_TTL = 600  # LINE Login authorization codes live 10 minutes

ROUTES = Map(
    [
        Rule("/v2/bot/message/reply", methods=["POST"], endpoint="reply"),
        Rule("/v2/bot/message/push", methods=["POST"], endpoint="push"),
        Rule("/v2/bot/message/multicast", methods=["POST"], endpoint="multicast"),
        Rule("/v2/bot/message/broadcast", methods=["POST"], endpoint="broadcast"),
        Rule("/v2/bot/message/quota", methods=["GET"], endpoint="quota"),
        Rule("/v2/bot/message/quota/consumption", methods=["GET"], endpoint="consumption"),
        Rule("/v2/bot/profile/<user_id>", methods=["GET"], endpoint="profile"),
        Rule("/v2/bot/followers/ids", methods=["GET"], endpoint="followers"),
        Rule("/v2/bot/insight/message/event/aggregation", methods=["GET"], endpoint="unit_statistics"),
        Rule("/v2/bot/insight/message/event", methods=["GET"], endpoint="request_statistics"),
        Rule("/v2/bot/user/<user_id>/linkToken", methods=["POST"], endpoint="link_token"),
        Rule("/v2/bot/info", methods=["GET"], endpoint="bot_info"),
        Rule("/v2/bot/channel/webhook/endpoint", methods=["PUT"], endpoint="set_endpoint"),
        Rule("/v2/bot/channel/webhook/endpoint", methods=["GET"], endpoint="get_endpoint"),
        Rule("/v2/bot/channel/webhook/test", methods=["POST"], endpoint="test_endpoint"),
        Rule("/oauth2/v2.1/token", methods=["POST"], endpoint="login_token"),
        Rule("/oauth2/v2.1/verify", methods=["POST"], endpoint="login_verify"),
        *RICH_MENU_RULES,
    ]
)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: dict  # JSON body, or the form for LINE Login endpoints
    query: dict = field(default_factory=dict)  # the query string's parameters


@dataclass
class Delivery:
    """A send LINE accepted: what the user would see, once per accepted request."""

    kind: str  # "reply" | "push" | "multicast"
    to: str | list[str]  # recipient (for a reply: whom the reply token was issued for)
    messages: list[dict]
    request_id: str
    sent_messages: list[dict]
    retry_key: str | None = None
    reply_token: str | None = None
    notification_disabled: bool = False


@dataclass
class _Fault:
    status: int | None  # None: answer normally (only `seconds` of delay)
    after_work: bool  # True: do the work and record it, then answer
    seconds: float = 0.0
    path: str | None = None  # only requests whose path starts with this


@dataclass
class _Call:
    request: Request
    request_id: str
    body: dict
    retry_key: str | None


@dataclass
class FakeLine(RichMenuEndpoints):
    """One Messaging API channel (plus its LINE Login channel) as a WSGI app; serve it with
    LiveServer. All shared state is guarded by one lock: the server is threaded."""

    channel_secret: str = "line-channel-secret-0123456789ab"
    access_token: str = "line-channel-access-token"
    bot_user_id: str = field(default_factory=events.new_user_id)
    basic_id: str = "@123abcde"
    display_name: str = "テストストア"
    picture_url: str = "https://profile.line-scdn.net/0hfake"
    login_channel_id: str = "1234567890"
    login_channel_secret: str = "line-login-secret-0123456789abcd"
    quota: int | None = 500  # None: no monthly limit ({"type": "none"})
    reply_token_ttl: float = 60.0
    retry_key_ttl: float = 24 * 3600.0
    enforce_rate_limits: bool = False
    push_limit_per_s: int = 2000
    multicast_limit_per_s: int = 200
    other_limit_per_s: int = 2000  # LINE: "other API endpoints 2,000 requests per second"
    broadcast_limit_per_h: int = 60  # broadcast and narrowcast: 60 requests per hour
    failure_rate: float = 0.0  # fraction of calls that hit a random fault from failure_kinds
    seed: int | None = None
    failure_kinds: tuple[str, ...] = ("error", "error_after_accept", "rate_limit", "timeout")
    timeout_seconds: float = 2.0  # how long a "timeout" fault stalls the answer
    webhook_endpoint: str = ""
    webhook_timeout: float = 10.0
    clock: Callable[[], float] = time.time  # epoch seconds; inject to move TTLs and windows
    url: str = ""  # set by the test once served (LiveServer.url)
    requests: list[Recorded] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    users: dict[str, dict] = field(default_factory=dict)  # userId -> profile
    link_tokens: dict[str, str] = field(default_factory=dict)  # linkToken -> userId
    sent_webhooks: list[dict] = field(default_factory=list)  # webhooks this fake POSTed
    rate_limited: Counter = field(default_factory=Counter)  # endpoint -> 429s answered
    injected: Counter = field(default_factory=Counter)  # random fault kind -> times
    total_usage: int = 0  # pushed messages counted like LINE (one per recipient)
    # Follower ids: verified and premium accounts only (False: 403, as for an unverified one).
    followers_available: bool = True
    follower_starts: list = field(default_factory=list)  # the `start` of each followers/ids call
    # Statistics per aggregation unit (or per broadcast request id): (opened, clicked) users.
    # LINE's figures under 20 are answered null. `units_sent`: unit -> recipients accepted.
    unit_reactions: dict = field(default_factory=dict)
    request_reactions: dict = field(default_factory=dict)
    units_sent: Counter = field(default_factory=Counter)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._rng = random.Random(self.seed)
        self._faults: list[_Fault] = []
        self._reply_tokens: dict[str, tuple[str, float]] = {}  # token -> (to, issued at)
        self._retry_keys: dict[str, tuple[str, float, list[dict]]] = {}  # key -> (request id, at, sent)
        self._login_codes: dict[str, dict] = {}
        self._windows: dict[str, deque] = {}
        self._follower_tokens: dict[str, int] = {}  # continuation token -> offset
        self._outage: _Fault | None = None
        self._init_richmenus()

    # -- WSGI ---------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        call = _Call(request, str(uuid.uuid4()), _body(request), request.headers.get("X-Line-Retry-Key"))
        with self._lock:
            self.requests.append(
                Recorded(request.method, request.path, dict(request.headers), call.body, request.args.to_dict())
            )
        response = self._dispatch(call)
        response.headers["x-line-request-id"] = call.request_id
        return response(environ, start_response)

    def _dispatch(self, call: _Call) -> Response:
        """Route, then fault injection, auth, retry-key and rate-limit checks, then the work."""
        try:
            endpoint, args = ROUTES.bind_to_environ(call.request.environ).match()
        except NotFound:
            return _message(404, "Not found")
        except MethodNotAllowed:
            return _message(405, "Method Not Allowed")
        fault = self._take_fault(call.request.path)
        if fault and not fault.after_work:
            time.sleep(fault.seconds)
            return _fault_response(fault.status)
        authorization = call.request.headers.get("Authorization")
        if endpoint not in PUBLIC and authorization != f"Bearer {self.access_token}":
            return _message(401, AUTH_FAILED)
        if call.retry_key is not None and (rejected := _check_retry_key(endpoint, call.retry_key)):
            return rejected
        if self._over_rate_limit(endpoint):
            return _message(429, RATE_LIMITED)
        response = getattr(self, f"_{endpoint}")(call, **args)
        if fault:
            time.sleep(fault.seconds)
            if fault.status:
                response = _fault_response(fault.status)
        return response

    # -- Knobs: faults and rate limits ----------------------------------------------------
    def fail_next(self, n: int = 1, status: int = 500, *, path: str | None = None) -> None:
        """Answer the next n requests (matching `path` prefix) with `status`, doing nothing."""
        self._queue(n, _Fault(status, after_work=False, path=path))

    def fail_after_accept_next(self, n: int = 1, status: int = 500, *, path: str | None = None) -> None:
        """Do the work and record the delivery, then answer `status`: the case a retry key
        exists for (LINE accepted, the client saw an error)."""
        self._queue(n, _Fault(status, after_work=True, path=path))

    def slow_next(self, n: int, seconds: float, *, path: str | None = None) -> None:
        """Do the work, then stall `seconds` before answering (a client timeout after LINE
        accepted the request)."""
        self._queue(n, _Fault(None, after_work=True, seconds=seconds, path=path))

    def outage(self, status: int = 503, seconds: float = 0.0, *, path: str | None = None) -> None:
        """From now until `recover()`, every request (matching `path` prefix) waits `seconds`
        and is answered `status` without doing anything: LINE down or overloaded. Switchable
        while the app runs (e.g. `outage(503, 5.0)`, `outage(500)`)."""
        with self._lock:
            self._outage = _Fault(status, after_work=False, seconds=seconds, path=path)

    def recover(self) -> None:
        """End the outage: requests are answered normally again."""
        with self._lock:
            self._outage = None

    def _queue(self, n: int, fault: _Fault) -> None:
        with self._lock:
            self._faults.extend([fault] * n)

    def _take_fault(self, path: str) -> _Fault | None:
        """The first queued fault for this path, else (failure_rate) a seeded random one."""
        with self._lock:
            outage = self._outage
            if outage is not None and (outage.path is None or path.startswith(outage.path)):
                self.injected["outage"] += 1
                return outage
            for i, fault in enumerate(self._faults):
                if fault.path is None or path.startswith(fault.path):
                    return self._faults.pop(i)
            if not self.failure_rate or self._rng.random() >= self.failure_rate:
                return None
            kind = self._rng.choice(self.failure_kinds)
            self.injected[kind] += 1
        return {
            "error": _Fault(500, False),
            "error_after_accept": _Fault(500, True),
            "rate_limit": _Fault(429, False),
            "timeout": _Fault(None, True, self.timeout_seconds),
        }[kind]

    def _over_rate_limit(self, endpoint: str) -> bool:
        """LINE's per-channel limits over a sliding one-second window (when enforced)."""
        if not self.enforce_rate_limits or endpoint in PUBLIC:
            return False
        limit = {"push": self.push_limit_per_s, "multicast": self.multicast_limit_per_s, **PER_SECOND_LIMITS}.get(
            endpoint, self.other_limit_per_s
        )
        span = 1.0
        if endpoint == "broadcast":
            limit, span = self.broadcast_limit_per_h, 3600.0
        elif endpoint in HOURLY_LIMITS:
            limit, span = HOURLY_LIMITS[endpoint], 3600.0
        now = self.clock()
        with self._lock:
            window = self._windows.setdefault(endpoint, deque())
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= limit:
                self.rate_limited[endpoint] += 1
                return True
            window.append(now)
        return False

    # -- Arranging state ------------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        display_name: str,
        language: str = "ja",
        *,
        picture_url: str | None = None,
        status_message: str = "",
    ) -> dict:
        profile = {
            "userId": user_id,
            "displayName": display_name,
            "pictureUrl": picture_url or f"https://profile.line-scdn.net/{user_id}",
            "statusMessage": status_message,
            "language": language,
        }
        with self._lock:
            self.users[user_id] = profile
        return profile

    def issue_reply_token(self, to: str | None = None) -> str:
        """A reply token as a webhook event would carry; valid once, for reply_token_ttl s."""
        token = events.new_reply_token()
        with self._lock:
            self._reply_tokens[token] = (to or "", self.clock())
        return token

    def issue_login_code(
        self,
        user_id: str,
        nonce: str,
        redirect_uri: str,
        *,
        id_token_overrides: dict | None = None,
        id_token_secret: str | None = None,
        scope: str = "openid profile",
    ) -> str:
        """An authorization code as LINE Login would redirect back with. `id_token_overrides`
        replaces claims (None removes one); `id_token_secret` signs with another key."""
        code = secrets.token_urlsafe(15)
        with self._lock:
            self._login_codes[code] = {
                "user_id": user_id,
                "nonce": nonce,
                "redirect_uri": redirect_uri,
                "overrides": id_token_overrides or {},
                "scope": scope,
                "secret": id_token_secret,
                "at": self.clock(),
            }
        return code

    def clear(self) -> None:
        """Forget recorded traffic (not users, tokens or keys): between benchmark phases."""
        with self._lock:
            self.requests.clear()
            self.deliveries.clear()
            self.sent_webhooks.clear()
            self.rate_limited.clear()
            self.injected.clear()

    # -- Reading what happened --------------------------------------------------------------
    def replies(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.kind == "reply"]

    def pushes(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.kind == "push"]

    def multicasts(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.kind == "multicast"]

    def accepted_retry_keys(self) -> list[str]:
        return [d.retry_key for d in self.deliveries if d.retry_key]

    def messages_to(self, recipient: str) -> list[dict]:
        """Every message object the recipient received, in order, whatever the send kind."""
        return [
            m
            for d in list(self.deliveries)
            if d.to == recipient or (isinstance(d.to, list) and recipient in d.to)
            for m in d.messages
        ]

    def texts_to(self, recipient: str) -> list[str]:
        return [m["text"] for m in self.messages_to(recipient) if m.get("type") == "text"]

    # -- Messaging API: sending -------------------------------------------------------------
    def _reply(self, call: _Call) -> Response:
        body = call.body
        if invalid := _check_messages(body.get("messages")):
            return invalid
        token = body.get("replyToken") or ""
        with self._lock:
            to, issued = self._reply_tokens.pop(token, (None, 0.0))
            if to is None or self.clock() - issued > self.reply_token_ttl:
                return _message(400, "Invalid reply token")
            sent = [_sent_message() for _ in body["messages"]]
            self.deliveries.append(
                Delivery(
                    "reply",
                    to,
                    body["messages"],
                    call.request_id,
                    sent,
                    reply_token=token,
                    notification_disabled=bool(body.get("notificationDisabled")),
                )
            )
        return _json({"sentMessages": sent})

    def _push(self, call: _Call) -> Response:
        to = call.body.get("to")
        if not isinstance(to, str) or not RECIPIENT_ID.match(to):
            return _message(400, "The property, 'to', in the request body is invalid (line: -, column: -)")
        if invalid := _check_messages(call.body.get("messages")) or _check_units(call.body):
            return invalid
        return self._accept(call, "push", to, recipients=1)

    def _multicast(self, call: _Call) -> Response:
        to = call.body.get("to")
        if not isinstance(to, list) or not 1 <= len(to) <= 500:
            return _invalid("to", "Size must be between 1 and 500")
        if not all(isinstance(u, str) and u.startswith("U") and RECIPIENT_ID.match(u) for u in to):
            return _message(400, "The property, 'to', in the request body is invalid (line: -, column: -)")
        if invalid := _check_messages(call.body.get("messages")) or _check_units(call.body):
            return invalid
        return self._accept(call, "multicast", list(to), recipients=len(to))

    def _broadcast(self, call: _Call) -> Response:
        """To every user this fake knows (add_user): LINE's friends of the channel."""
        if invalid := _check_messages(call.body.get("messages")):
            return invalid
        with self._lock:
            everyone = list(self.users)
        return self._accept(call, "broadcast", everyone, recipients=len(everyone))

    def multicast_recipients(self) -> Counter:
        """How many accepted multicasts reached each user: exactly-once tests want all 1s."""
        return Counter(u for d in list(self.deliveries) if d.kind == "multicast" for u in d.to)

    def _accept(self, call: _Call, kind: str, to, recipients: int) -> Response:
        """Deliver once per retry key: a key accepted within retry_key_ttl answers 409 and
        records nothing; otherwise count against the quota and record the delivery."""
        key, now, body = call.retry_key, self.clock(), call.body
        sent = [_sent_message() for _ in body["messages"]]
        with self._lock:
            prior = self._retry_keys.get(key) if key else None
            if prior and now - prior[1] < self.retry_key_ttl:
                return _conflict(kind, prior)
            if self.quota is not None and self.total_usage + recipients > self.quota:
                return _message(429, MONTHLY_LIMIT)
            self.total_usage += recipients
            for unit in body.get("customAggregationUnits") or []:
                self.units_sent[unit] += recipients
            self.deliveries.append(
                Delivery(
                    kind,
                    to,
                    body["messages"],
                    call.request_id,
                    sent,
                    retry_key=key,
                    notification_disabled=bool(body.get("notificationDisabled")),
                )
            )
            if key:
                self._retry_keys[key] = (call.request_id, now, sent)
        return _json({"sentMessages": sent} if kind == "push" else {})

    def _quota(self, call: _Call) -> Response:
        return _json({"type": "none"} if self.quota is None else {"type": "limited", "value": self.quota})

    def _consumption(self, call: _Call) -> Response:
        return _json({"totalUsage": self.total_usage})

    # -- Messaging API: users, bot, webhook settings ----------------------------------------------
    def _profile(self, call: _Call, user_id: str) -> Response:
        profile = self.users.get(user_id)
        return _json(profile) if profile else _message(404, "Not found")

    def _followers(self, call: _Call) -> Response:
        """GET /v2/bot/followers/ids: the users who added the account (every user of this
        fake, in the order added), `limit` a page, an opaque `next` token while more remain."""
        if not self.followers_available:
            return _message(403, FOLLOWERS_FORBIDDEN)
        args = call.request.args
        try:
            limit = int(args.get("limit", FOLLOWERS_DEFAULT))
        except ValueError:
            return _message(400, "The value for the 'limit' parameter is invalid")
        if not 1 <= limit <= FOLLOWERS_MAX:
            return _message(400, f"The value for the 'limit' parameter must be between 1 and {FOLLOWERS_MAX}")
        start = args.get("start")
        with self._lock:
            self.follower_starts.append(start)
            offset = 0 if start is None else self._follower_tokens.get(start)
            if offset is None:
                return _message(400, "The value for the 'start' parameter is invalid")
            followers = list(self.users)
            page = followers[offset : offset + limit]
            body: dict = {"userIds": page}
            if offset + limit < len(followers):
                token = secrets.token_urlsafe(32)
                self._follower_tokens[token] = offset + limit
                body["next"] = token
        return _json(body)

    def _unit_statistics(self, call: _Call) -> Response:
        """GET /v2/bot/insight/message/event/aggregation: a unit's opens and clicks between
        `from` and `to` (yyyyMMdd, at most 30 days apart); null where under 20 users."""
        args = call.request.args
        unit = args.get("customAggregationUnit") or ""
        if not UNIT_RE.match(unit):
            return _message(400, "The value for the 'customAggregationUnit' parameter is invalid")
        start, end = args.get("from") or "", args.get("to") or ""
        if not (DAY_RE.match(start) and DAY_RE.match(end)):
            return _message(400, "The value for the 'from' or 'to' parameter is invalid")
        first, last = (datetime.strptime(d, "%Y%m%d") for d in (start, end))
        if not 0 <= (last - first).days <= 30:
            return _message(400, "The period must be 30 days or less, and 'to' on or after 'from'")
        with self._lock:
            opened, clicked = self.unit_reactions.get(unit, (0, 0))
        return _json(_statistics(opened, clicked))

    def _request_statistics(self, call: _Call) -> Response:
        """GET /v2/bot/insight/message/event?requestId=: a broadcast's opens and clicks."""
        request_id = call.request.args.get("requestId") or ""
        if not request_id:
            return _message(400, "The value for the 'requestId' parameter is invalid")
        with self._lock:
            opened, clicked = self.request_reactions.get(request_id, (0, 0))
        return _json(_statistics(opened, clicked))

    def _link_token(self, call: _Call, user_id: str) -> Response:
        if not RECIPIENT_ID.match(user_id) or not user_id.startswith("U"):
            return _message(400, "The value for the 'userId' parameter is invalid")
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.link_tokens[token] = user_id
        return _json({"linkToken": token})

    def _bot_info(self, call: _Call) -> Response:
        return _json(
            {
                "userId": self.bot_user_id,
                "basicId": self.basic_id,
                "displayName": self.display_name,
                "pictureUrl": self.picture_url,
                "chatMode": "bot",
                "markAsReadMode": "auto",
            }
        )

    def _set_endpoint(self, call: _Call) -> Response:
        endpoint = call.body.get("endpoint")
        if not isinstance(endpoint, str) or not re.match(r"^https?://", endpoint) or len(endpoint) > 500:
            return _invalid("endpoint", "Invalid webhook endpoint URL")
        self.webhook_endpoint = endpoint
        return _json({})

    def _get_endpoint(self, call: _Call) -> Response:
        return _json({"endpoint": self.webhook_endpoint, "active": bool(self.webhook_endpoint)})

    def _test_endpoint(self, call: _Call) -> Response:
        """LINE really POSTs an empty, signed event list to the endpoint and reports back."""
        url = call.body.get("endpoint") or self.webhook_endpoint
        if not url:
            return _message(400, "Webhook endpoint URL is not set")
        status, reason, detail = self._post_webhook(url, [])
        return _json(
            {
                "success": status == 200,
                "timestamp": self._iso_now(),
                "statusCode": status,
                "reason": reason,
                "detail": detail,
            }
        )

    def _post_webhook(self, url: str, event_list: list[dict]) -> tuple[int, str, str]:
        raw = events.webhook_body(event_list, self.bot_user_id)
        try:
            answer = httpx.post(
                url, content=raw, headers=events.webhook_headers(self.channel_secret, raw), timeout=self.webhook_timeout
            )
        except httpx.TimeoutException:
            result = (0, "REQUEST_TIMEOUT", "Request timeout")
        except httpx.HTTPError as exc:
            result = (0, "COULD_NOT_CONNECT", str(exc) or "Connection failed")
        else:
            code = answer.status_code
            result = (code, "OK" if code == 200 else "ERROR_STATUS_CODE", str(code))
        with self._lock:
            self.sent_webhooks.append({"url": url, "body": raw, "statusCode": result[0]})
        return result

    def _iso_now(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    # -- LINE Login v2.1 ----------------------------------------------------------------
    def _login_token(self, call: _Call) -> Response:
        """Exchange an authorization code; codes are single-use and bound to redirect_uri."""
        form = call.body
        if form.get("grant_type") != "authorization_code":
            return _oauth_error("unsupported_grant_type", "unsupported grant_type")
        if form.get("client_id") != self.login_channel_id or form.get("client_secret") != self.login_channel_secret:
            return _oauth_error("invalid_client", "invalid client")
        with self._lock:
            code = self._login_codes.pop(form.get("code", ""), None)
        if (
            code is None
            or self.clock() - code["at"] > LOGIN_CODE_TTL
            or code["redirect_uri"] != form.get("redirect_uri")
        ):
            return _oauth_error("invalid_grant", "invalid authorization code")
        return _json(
            {
                "access_token": secrets.token_urlsafe(32),
                "expires_in": 2592000,
                "id_token": self._id_token(code),
                "refresh_token": secrets.token_urlsafe(15),
                "scope": code["scope"],
                "token_type": "Bearer",
            }
        )

    def _id_token(self, code: dict) -> str:
        """HS256 JWT signed with the LOGIN channel secret, as LINE issues for web logins.
        Times are real epoch seconds (not `clock`): the app verifies them against its clock."""
        now = int(time.time())
        profile = self.users.get(code["user_id"], {})
        claims = {
            "iss": "https://access.line.me",
            "sub": code["user_id"],
            "aud": self.login_channel_id,
            "exp": now + 3600,
            "iat": now,
            "nonce": code["nonce"],
            "amr": ["pwd"],
            "name": profile.get("displayName", "LINEユーザー"),
            "picture": profile.get("pictureUrl", f"https://profile.line-scdn.net/{code['user_id']}"),
        }
        claims.update(code["overrides"])
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, code["secret"] or self.login_channel_secret, algorithm="HS256")

    def _login_verify(self, call: _Call) -> Response:
        """POST /oauth2/v2.1/verify: LINE checks an ID token for the app and returns its claims."""
        form = call.body
        try:
            claims = jwt.decode(
                form.get("id_token", ""),
                self.login_channel_secret,
                algorithms=["HS256"],
                audience=form.get("client_id"),
                issuer="https://access.line.me",
            )
        except jwt.ExpiredSignatureError:
            return _oauth_error("invalid_request", "IdToken expired.")
        except jwt.InvalidAudienceError:
            return _oauth_error("invalid_request", "Invalid IdToken Audience.")
        except jwt.PyJWTError:
            return _oauth_error("invalid_request", "Invalid IdToken.")
        if form.get("nonce") and claims.get("nonce") != form["nonce"]:
            return _oauth_error("invalid_request", "Invalid IdToken Nonce.")
        if form.get("user_id") and claims.get("sub") != form["user_id"]:
            return _oauth_error("invalid_request", "Invalid IdToken Subject Identifier.")
        return _json(claims)

    # -- Playing LINE towards the app: webhooks ----------------------------------------------
    def webhook_request(
        self, event_list: list[dict], *, secret: str | None = None, destination: str | None = None
    ) -> tuple[bytes, dict]:
        """Raw body and headers of a signed webhook, for a Flask test client."""
        raw = events.webhook_body(event_list, destination or self.bot_user_id)
        return raw, events.webhook_headers(secret or self.channel_secret, raw)

    def send_webhook(
        self,
        url: str,
        event_list: list[dict],
        *,
        secret: str | None = None,
        destination: str | None = None,
        timeout: float = 10.0,
    ) -> httpx.Response:
        """POST a signed webhook to the app over HTTP, as LINE does."""
        raw, headers = self.webhook_request(event_list, secret=secret, destination=destination)
        return httpx.post(url, content=raw, headers=headers, timeout=timeout)

    def text_event(self, user_id: str, text: str, *, reply_token: str | None = None, **kw) -> dict:
        return events.text_event(user_id, text, reply_token=reply_token or self.issue_reply_token(user_id), **kw)

    def group_text_event(
        self, group_id: str, user_id: str | None, text: str, *, reply_token: str | None = None, **kw
    ) -> dict:
        token = reply_token or self.issue_reply_token(group_id)
        return events.group_text_event(group_id, user_id, text, reply_token=token, **kw)

    def follow_event(self, user_id: str, *, reply_token: str | None = None, **kw) -> dict:
        return events.follow_event(user_id, reply_token=reply_token or self.issue_reply_token(user_id), **kw)

    def postback_event(self, user_id: str, data: str, *, reply_token: str | None = None, **kw) -> dict:
        token = reply_token or self.issue_reply_token(user_id)
        return events.postback_event(user_id, data, reply_token=token, **kw)

    def account_link_event(
        self, user_id: str, nonce: str, result: str = "ok", *, reply_token: str | None = None, **kw
    ) -> dict:
        token = reply_token or (self.issue_reply_token(user_id) if result == "ok" else None)
        return events.account_link_event(user_id, nonce, result=result, reply_token=token, **kw)

    unfollow_event = staticmethod(events.unfollow_event)
    unsend_event = staticmethod(events.unsend_event)


def _body(request: Request) -> dict:
    if request.mimetype == "application/x-www-form-urlencoded":
        return request.form.to_dict()
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _check_retry_key(endpoint: str, key: str) -> Response | None:
    """LINE rejects X-Line-Retry-Key on endpoints that do not support it, and non-UUID keys."""
    if endpoint not in RETRYABLE:
        return _message(400, "X-Line-Retry-Key is not supported by this endpoint")
    if not UUID_RE.match(key):
        return _message(400, "The value for the 'X-Line-Retry-Key' header is invalid")
    return None


def _check_messages(messages) -> Response | None:
    """1 to 5 message objects with a type; text of 1 to 5,000 UTF-16 units, as LINE counts;
    an image's two URLs HTTPS (at most 2,000 characters); a Flex message's altText of 1 to
    1,500 characters and its contents."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return _invalid("messages", "Size must be between 1 and 5")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not message.get("type"):
            return _invalid(f"messages[{i}].type", "May not be empty")
        if message["type"] == "text":
            units = len(str(message.get("text") or "").encode("utf-16-le")) // 2
            if not 1 <= units <= 5000:
                return _invalid(f"messages[{i}].text", "Length must be between 1 and 5000")
        if message["type"] == "image":
            for key in ("originalContentUrl", "previewImageUrl"):
                url = message.get(key)
                if not isinstance(url, str) or not url.startswith("https://") or len(url) > 2000:
                    return _invalid(f"messages[{i}].{key}", "Must be an HTTPS URL of at most 2000 characters")
        if message["type"] == "flex":
            if not 1 <= len(str(message.get("altText") or "")) <= 1500:
                return _invalid(f"messages[{i}].altText", "Length must be between 1 and 1500")
            if not isinstance(message.get("contents"), dict):
                return _invalid(f"messages[{i}].contents", "May not be empty")
    return None


def _check_units(body: dict) -> Response | None:
    """customAggregationUnits: at most one name per request, 1-30 of [a-zA-Z0-9_]."""
    units = body.get("customAggregationUnits")
    if units is None:
        return None
    if not isinstance(units, list) or len(units) > 1:
        return _invalid("customAggregationUnits", "Size must be between 0 and 1")
    if not all(isinstance(u, str) and UNIT_RE.match(u) for u in units):
        return _invalid("customAggregationUnits[0]", "Invalid unit name")
    return None


def _withheld(value: int) -> int | None:
    return value if value >= WITHHELD_UNDER else None


def _statistics(opened: int, clicked: int) -> dict:
    overview = {
        "uniqueImpression": _withheld(opened),
        "uniqueClick": _withheld(clicked),
        "uniqueMediaPlayed": None,
        "uniqueMediaPlayed100Percent": None,
    }
    return {"overview": overview, "messages": [], "clicks": []}


def _sent_message() -> dict:
    return {"id": events.new_message_id(), "quoteToken": events.new_quote_token()}


def _conflict(kind: str, prior: tuple[str, float, list[dict]]) -> Response:
    """409 for a retry key already accepted: names the accepted request; push also repeats
    the messages it sent (ErrorResponse.sentMessages)."""
    payload = {"message": "The retry key is already accepted"}
    if kind == "push":
        payload["sentMessages"] = prior[2]
    response = _json(payload, 409)
    response.headers["x-line-accepted-request-id"] = prior[0]
    return response


def _fault_response(status: int) -> Response:
    if status == 429:
        return _message(429, RATE_LIMITED)
    return _message(status, HTTPStatus(status).phrase)


def _invalid(prop: str, detail: str) -> Response:
    return _json(
        {"message": "The request body has 1 error(s)", "details": [{"message": detail, "property": prop}]}, 400
    )


def _oauth_error(error: str, description: str) -> Response:
    return _json({"error": error, "error_description": description}, 400)


def _message(status: int, message: str) -> Response:
    return _json({"message": message}, status)


def _json(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")
