"""Every call to LINE goes through here (line-bot-sdk v3 `MessagingApi`).

- push and multicast carry `X-Line-Retry-Key` (the caller's key, e.g. a notification id),
  so a retry after a timeout can never deliver twice: LINE answers 409 to a key it has
  already accepted, which we report as `already_accepted`;
- 5xx and timeouts are retried with exponential backoff and jitter, 429 backs off
  (Retry-After when given); any other 4xx fails at once with LINE's message;
- each channel is paced below LINE's documented rates, so a burst never earns a 429;
- in dry-run mode nothing reaches LINE: the exact request is handed to `capture`;
- `within(seconds)` is the same client for a call inside a request (LINE's webhook wants
  its answer within 2 s): one attempt, no urllib3 retry, given up after `seconds`; what
  it could not do is left to the worker, whose calls keep the full timeouts and retries.
"""

from __future__ import annotations

import copy
import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import urllib3
from linebot.v3.insight import ApiClient as InsightApiClient
from linebot.v3.insight import ApiException as InsightApiException
from linebot.v3.insight import Configuration as InsightConfiguration
from linebot.v3.insight import Insight
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    BroadcastRequest,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    SetWebhookEndpointRequest,
    TestWebhookEndpointRequest,
)

from ..lru import Lru
from ..write_guard import refuse_remote
from .errors import LineError, api_error, retry_after
from .pacing import Pacer

log = logging.getLogger("tsunagu.line")

MULTICAST_MAX = 500
PUSH_PER_S = 2000
MULTICAST_PER_S = 200
OTHER_PER_S = 2000  # LINE: "other API endpoints", e.g. follower ids and profiles
FOLLOWERS_MAX = 1000  # follower ids per page
BROADCAST_PER_H = 60  # broadcast and narrowcast: 60 requests an hour per channel
MAX_ATTEMPTS = 5
TIMEOUT = (3.0, 10.0)  # connect, read (seconds)


@dataclass(frozen=True)
class Sent:
    outcome: str  # sent | already_accepted | dry_run
    request_id: str | None = None


Capture = Callable[[str, str, dict, str | None], None]  # kind, path, body, retry key


class ApiClients:
    """Pooled SDK clients, one per (host, token), least recently used dropped past 256.

    The SDK's headers are per client, so each channel token needs its own. One per app
    (ext.cache) for the channels' clients: their connections are reused across batches.
    """

    MAX = 256

    def __init__(self):
        self._clients: Lru[ApiClient] = Lru(self.MAX)

    def get(self, host: str, token: str, *, retries: bool = True) -> ApiClient:
        """`retries=False`: urllib3 does not retry either (urllib3's default is 3)."""

        def make() -> ApiClient:
            config = Configuration(host=host, access_token=token)
            # Enough pooled connections for a sending worker's threads (the SDK's default
            # is five per CPU, and a burst from 32 threads would open new ones).
            config.connection_pool_maxsize = 32
            if not retries:
                config.retries = False
            return ApiClient(config)

        return self._clients.get_or_make((host, token, retries), make)


class LineClient:
    """LINE for one channel. `dry_run` with a `capture` records instead of sending.

    `api_clients` is where its SDK client is pooled (channels.client_for passes the app's);
    without one the client keeps its own, for one-off calls and tests.
    """

    def __init__(
        self,
        *,
        host: str,
        access_token: str,
        channel_key: str,
        dry_run: bool = False,
        capture: Capture | None = None,
        sleep: Callable[[float], None] = time.sleep,
        pacer: Pacer | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        api_clients: ApiClients | None = None,
        data_host: str | None = None,
    ):
        self._host = host
        self._data_host = data_host or host
        self._token = access_token
        self._channel_key = channel_key
        self._dry_run = dry_run
        self._capture = capture
        self._sleep = sleep
        self._pacer = pacer or Pacer.shared()
        self._timeout = timeout
        self._api_clients = api_clients or ApiClients()
        self._templates: dict[str, dict] = {}
        self._attempts = MAX_ATTEMPTS

    @property
    def dry_run(self) -> bool:
        return self._dry_run

    @property
    def api(self) -> MessagingApi:
        return MessagingApi(self._api_clients.get(self._host, self._token, retries=self._attempts > 1))

    @property
    def blob_api(self) -> MessagingApiBlob:
        """LINE's data host (api-data.line.me): rich menu images."""
        return MessagingApiBlob(self._api_clients.get(self._data_host, self._token, retries=self._attempts > 1))

    @property
    def timeout(self) -> tuple[float, float]:
        return self._timeout

    def call(self, fn, *, bucket: str, per_second: float | None):
        """One SDK call with LINE's retry rules, paced in `bucket` below `per_second` (None:
        not paced, for endpoints limited per hour that are called a few times by hand), for
        endpoints whose helpers live beside this module (rich menus)."""
        if per_second is not None:
            self._pacer.wait(f"{self._channel_key}:{bucket}", per_second)
        return self._call(fn)

    def capture(self, kind: str, path: str, body: dict) -> Sent:
        """Record a request in dry run instead of sending it."""
        return self._captured(kind, path, body, None)

    def within(self, seconds: float) -> LineClient:
        """This client for calls that must be over within `seconds` (inside a request): a
        single attempt, no retry at any level, connect and read bounded by `seconds`."""
        quick = copy.copy(self)
        seconds = max(0.05, seconds)
        quick._timeout = (min(seconds, self._timeout[0]), min(seconds, self._timeout[1]))
        quick._attempts = 1
        return quick

    # -- sending -------------------------------------------------------------------------
    def reply(self, reply_token: str, messages: list[dict]) -> Sent:
        """Checked against the SDK's model, then sent as built: the SDK's own serialisation
        of a ten-bubble carousel (the model back to a dict, value by value through pydantic)
        was half a chat reply's CPU, and adds only LINE's defaults (`animated: false`,
        `notificationDisabled: false`)."""
        body = {"replyToken": reply_token, "messages": messages}
        ReplyMessageRequest.from_dict(body)  # raises on a shape LINE would refuse
        if self._dry_run:
            return self._captured("reply", "/v2/bot/message/reply", body, None)
        self._call(lambda: self._post_checked("/v2/bot/message/reply", body))
        return Sent("sent")

    def push(self, to: str, messages: list[dict], *, retry_key: str, aggregation_unit: str | None = None) -> Sent:
        """`aggregation_unit`: the customAggregationUnits name a campaign's opens are counted under."""
        extra = {"customAggregationUnits": [aggregation_unit]} if aggregation_unit else {}
        request = PushMessageRequest.from_dict({"to": to, "messages": messages, **extra})
        if self._dry_run:
            return self._captured("push", "/v2/bot/message/push", request.to_dict(), retry_key)
        return self._keyed(
            lambda: self.api.push_message_with_http_info(
                request, x_line_retry_key=retry_key, _request_timeout=self._timeout
            ),
            "push",
            PUSH_PER_S,
        )

    def multicast(
        self, to: list[str], messages: list[dict], *, retry_key: str, aggregation_unit: str | None = None
    ) -> list[Sent]:
        """Split into calls of at most 500; each chunk's key derives from the caller's key,
        so retrying the whole multicast reuses the same keys. `aggregation_unit` names the
        customAggregationUnits LINE counts opens and clicks under (a campaign's unit)."""
        results = []
        template = self._multicast_template(messages, aggregation_unit)
        for index in range(0, len(to), MULTICAST_MAX):
            chunk_key = retry_key if index == 0 else str(uuid.uuid5(uuid.UUID(retry_key), str(index)))
            body = {**template, "to": to[index : index + MULTICAST_MAX]}
            if self._dry_run:
                results.append(self._captured("multicast", "/v2/bot/message/multicast", body, chunk_key))
                continue
            results.append(
                self._keyed(
                    lambda body=body, key=chunk_key: self._post_checked("/v2/bot/message/multicast", body, key),
                    "multicast",
                    MULTICAST_PER_S,
                )
            )
        return results

    def _post_checked(self, path: str, body: dict, retry_key: str | None = None):
        """POST a body already checked against the SDK's model through the SDK's own ApiClient
        (auth, pool, errors as ApiException), as its generated method does, without checking
        and serialising it through pydantic again on every call (500 user ids at 200 calls a
        second were most of a worker's CPU)."""
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if retry_key is not None:
            headers["X-Line-Retry-Key"] = retry_key
        return self._api_clients.get(self._host, self._token, retries=self._attempts > 1).call_api(
            path,
            "POST",
            {},
            [],
            headers,
            body=body,
            post_params=[],
            files={},
            response_types_map={
                "200": "object",
                "400": "ErrorResponse",
                "409": "ErrorResponse",
                "429": "ErrorResponse",
            },
            auth_settings=["Bearer"],
            _return_http_data_only=False,
            _preload_content=True,
            _request_timeout=self._timeout,
            collection_formats={},
        )

    def _multicast_template(self, messages: list[dict], unit: str | None) -> dict:
        """The request body without `to`, checked by the SDK's model once per message set
        (a campaign's chunks share it) and serialised as the SDK would send it."""
        key = json.dumps([messages, unit], sort_keys=True, ensure_ascii=False)
        found = self._templates.get(key)
        if found is None:
            extra = {"customAggregationUnits": [unit]} if unit else {}
            checked = MulticastRequest.from_dict({"to": ["U" + "0" * 32], "messages": messages, **extra})
            found = {k: v for k, v in checked.to_dict().items() if k != "to"}
            if len(self._templates) >= 8:
                self._templates.clear()
            self._templates[key] = found
        return found

    def broadcast(self, messages: list[dict], *, retry_key: str) -> Sent:
        """To every friend of the channel (LINE counts one message per friend reached)."""
        request = BroadcastRequest.from_dict({"messages": messages})
        if self._dry_run:
            return self._captured("broadcast", "/v2/bot/message/broadcast", request.to_dict(), retry_key)
        return self._keyed(
            lambda: self.api.broadcast_with_http_info(
                request, x_line_retry_key=retry_key, _request_timeout=self._timeout
            ),
            "broadcast",
            BROADCAST_PER_H / 3600,
        )

    # -- reading and settings --------------------------------------------------------------
    def follower_ids(self, start: str | None = None, limit: int = FOLLOWERS_MAX) -> tuple[list[str], str | None]:
        """One page of the user ids who follow the account, and LINE's token for the next
        page (None after the last). Verified and premium accounts only: LINE answers others
        403. In dry run LINE is not asked: no followers."""
        if self._dry_run:
            return [], None
        self._pacer.wait(f"{self._channel_key}:other", OTHER_PER_S)
        page = self._call(lambda: self.api.get_followers(start=start, limit=limit, _request_timeout=self._timeout))
        return list(page.user_ids), page.next

    def profile(self, user_id: str) -> dict | None:
        """The friend's profile, or None when LINE has none for them (or in dry run)."""
        if self._dry_run:
            return None
        self._pacer.wait(f"{self._channel_key}:other", OTHER_PER_S)
        try:
            return self._call(lambda: self.api.get_profile(user_id, _request_timeout=self._timeout)).to_dict()
        except LineError as exc:
            if exc.status == 404:
                return None
            raise

    def unit_statistics(self, unit: str, *, start: str, end: str) -> dict:
        """Friends who opened and who tapped a link, for messages sent under `unit` between
        `start` and `end` (yyyyMMdd, Japan time, at most 30 days apart). LINE answers null
        under 20: None here. In dry run LINE is not asked: nothing is known."""
        if self._dry_run:
            return {"opened": None, "clicked": None}
        self._pacer.wait(f"{self._channel_key}:other", OTHER_PER_S)
        answer = self._call(
            lambda: self._insight().get_statistics_per_unit(unit, start, end, _request_timeout=self._timeout)
        )
        return _overview(answer.overview)

    def broadcast_statistics(self, request_id: str) -> dict:
        """The same figures for a broadcast (LINE takes no aggregation unit there: by request id)."""
        if self._dry_run:
            return {"opened": None, "clicked": None}
        self._pacer.wait(f"{self._channel_key}:other", OTHER_PER_S)
        answer = self._call(lambda: self._insight().get_message_event(request_id, _request_timeout=self._timeout))
        return _overview(answer.overview)

    def _insight(self) -> Insight:
        config = InsightConfiguration(host=self._host, access_token=self._token)
        return Insight(InsightApiClient(config))

    def issue_link_token(self, user_id: str) -> str:
        if self._dry_run:
            return f"dryrun-{uuid.uuid4().hex}"
        return self._call(lambda: self.api.issue_link_token(user_id, _request_timeout=self._timeout)).link_token

    def bot_info(self) -> dict:
        return self._call(lambda: self.api.get_bot_info(_request_timeout=self._timeout)).to_dict()

    def set_webhook_endpoint(self, url: str) -> None:
        request = SetWebhookEndpointRequest(endpoint=url)
        self._call(lambda: self.api.set_webhook_endpoint(request, _request_timeout=self._timeout))

    def test_webhook_endpoint(self, url: str) -> dict:
        request = TestWebhookEndpointRequest(endpoint=url)
        return self._call(lambda: self.api.test_webhook_endpoint(request, _request_timeout=(3.0, 30.0))).to_dict()

    def quota(self) -> tuple[int | None, int]:
        """(monthly limit or None when unlimited, messages used this month)."""
        limit = self._call(lambda: self.api.get_message_quota(_request_timeout=self._timeout))
        used = self._call(lambda: self.api.get_message_quota_consumption(_request_timeout=self._timeout))
        return (limit.value if limit.type == "limited" else None), used.total_usage

    # -- the retry policy --------------------------------------------------------------------
    def _captured(self, kind: str, path: str, body: dict, retry_key: str | None) -> Sent:
        if self._capture is not None:
            self._capture(kind, path, body, retry_key)
        return Sent("dry_run")

    def _keyed(self, send, kind: str, per_second: int) -> Sent:
        self._pacer.wait(f"{self._channel_key}:{kind}", per_second)
        try:
            response = self._call(send)
        except LineError as exc:
            if exc.status == 409:  # LINE already accepted this retry key
                return Sent("already_accepted")
            raise
        return Sent("sent", response.headers.get("x-line-request-id") if response.headers else None)

    def _call(self, fn):
        """Run one SDK call with LINE's retry rules; raise LineError when it cannot succeed."""
        refuse_remote("LINE Messaging API")
        for attempt in range(1, self._attempts + 1):
            try:
                return fn()
            except (ApiException, InsightApiException) as exc:
                error = api_error(exc)
                delay = retry_after(exc) if exc.status == 429 else None
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                error = LineError(f"no answer from LINE ({type(exc).__name__})", retryable=True)
                delay = None
            if not error.retryable or attempt == self._attempts:
                raise error
            wait = delay if delay is not None else min(8.0, 0.2 * 2 ** (attempt - 1)) * (0.5 + random.random())
            log.info("LINE call retry status=%s attempt=%s wait=%.2fs", error.status, attempt, wait)
            self._sleep(wait)
        raise AssertionError("unreachable")


def _overview(overview) -> dict:
    """LINE's overview as {"opened", "clicked"}: None where LINE withholds (under 20)."""
    return {
        "opened": getattr(overview, "unique_impression", None) if overview else None,
        "clicked": getattr(overview, "unique_click", None) if overview else None,
    }
