"""The fake LINE behaves like LINE, as seen by the real `line-bot-sdk` v3 client.

These tests pin the behaviour the app's tests rely on: retry keys (409 with the accepted
request's id, no second delivery), single-use reply tokens, auth, rate limits, the
webhook test call, LINE Login id_tokens and webhook signatures.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import jwt
import pytest
import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    SetWebhookEndpointRequest,
    TextMessage,
)
from linebot.v3.messaging import (
    TestWebhookEndpointRequest as WebhookTestRequest,
)
from linebot.v3.webhook import SignatureValidator, WebhookParser
from linebot.v3.webhooks import (
    AccountLinkEvent,
    FollowEvent,
    GroupSource,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
    UnsendEvent,
)
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from tests.fakes.line import FakeLine, new_user_id
from tests.fakes.server import LiveServer

SECRET = "fake-line-channel-secret-0123456"
TOKEN = "fake-line-channel-access-token"
LOGIN_ID = "2000000001"
LOGIN_SECRET = "fake-line-login-secret-012345678"
REDIRECT = "https://tsunagu.test/line/callback"


@pytest.fixture
def fake():
    fake = FakeLine(
        channel_secret=SECRET, access_token=TOKEN, login_channel_id=LOGIN_ID, login_channel_secret=LOGIN_SECRET
    )
    with LiveServer(fake) as server:
        fake.url = server.url
        yield fake


def sdk(fake: FakeLine, token: str = TOKEN) -> MessagingApi:
    return MessagingApi(ApiClient(Configuration(host=fake.url, access_token=token)))


def push_request(to: str, text: str = "ご注文ありがとうございます") -> PushMessageRequest:
    return PushMessageRequest(to=to, messages=[TextMessage(text=text)])


class Endpoint:
    """A tiny WSGI app standing in for the Tsunagu webhook: records, answers `status`."""

    def __init__(self, status: int = 200):
        self.status = status
        self.received: list[tuple[bytes, dict]] = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.received.append((request.get_data(), dict(request.headers)))
        return Response("OK", status=self.status)(environ, start_response)


# -- Retry keys ---------------------------------------------------------------------------
def test_push_with_same_retry_key_twice_is_409_and_delivered_once(fake):
    api, user, key = sdk(fake), new_user_id(), str(uuid.uuid4())
    first = api.push_message_with_http_info(push_request(user), x_line_retry_key=key)
    with pytest.raises(ApiException) as exc:
        api.push_message(push_request(user), x_line_retry_key=key)
    assert exc.value.status == 409
    assert json.loads(exc.value.body)["message"] == "The retry key is already accepted"
    assert exc.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert json.loads(exc.value.body)["sentMessages"] == [m.to_dict() for m in first.data.sent_messages]
    assert len(fake.pushes()) == 1 and fake.accepted_retry_keys() == [key]
    assert fake.texts_to(user) == ["ご注文ありがとうございます"]


def test_accepted_then_500_then_retry_is_409(fake):
    api, user, key = sdk(fake), new_user_id(), str(uuid.uuid4())
    fake.fail_after_accept_next(1, path="/v2/bot/message/push")
    with pytest.raises(ApiException) as exc:
        api.push_message(push_request(user), x_line_retry_key=key)
    assert exc.value.status == 500
    with pytest.raises(ApiException) as exc:
        api.push_message(push_request(user), x_line_retry_key=key)
    assert exc.value.status == 409
    assert len(fake.pushes()) == 1


def test_500_before_accept_lets_the_retry_deliver(fake):
    api, user, key = sdk(fake), new_user_id(), str(uuid.uuid4())
    fake.fail_next(1, status=503)
    with pytest.raises(ApiException) as exc:
        api.push_message(push_request(user), x_line_retry_key=key)
    assert exc.value.status == 503 and fake.pushes() == []
    assert len(api.push_message(push_request(user), x_line_retry_key=key).sent_messages) == 1
    assert len(fake.pushes()) == 1


def test_slow_answer_times_out_client_but_is_delivered(fake):
    api, user, key = sdk(fake), new_user_id(), str(uuid.uuid4())
    fake.slow_next(1, 0.5)
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        api.push_message(push_request(user), x_line_retry_key=key, _request_timeout=0.1)
    with pytest.raises(ApiException) as exc:
        api.push_message(push_request(user), x_line_retry_key=key)
    assert exc.value.status == 409 and len(fake.pushes()) == 1


def test_an_outage_answers_every_call_after_its_delay_until_recovery(fake):
    api, user, key = sdk(fake), new_user_id(), str(uuid.uuid4())
    fake.outage(503, 0.3)
    started = time.monotonic()
    with pytest.raises(ApiException) as exc:
        api.push_message(push_request(user), x_line_retry_key=key)
    assert exc.value.status == 503 and time.monotonic() - started >= 0.3
    with pytest.raises(ApiException) as exc:
        api.get_bot_info()
    assert exc.value.status == 503 and fake.pushes() == []
    fake.outage(500)  # switched while running: another status, no delay
    with pytest.raises(ApiException) as exc:
        api.push_message(push_request(user), x_line_retry_key=key)
    assert exc.value.status == 500 and fake.injected["outage"] == 3
    fake.recover()
    assert len(api.push_message(push_request(user), x_line_retry_key=key).sent_messages) == 1
    assert len(fake.pushes()) == 1


def test_retry_key_expires_after_ttl_and_must_be_a_uuid(fake):
    now = [1_800_000_000.0]
    fake.clock = lambda: now[0]
    api, user, key = sdk(fake), new_user_id(), str(uuid.uuid4())
    api.push_message(push_request(user), x_line_retry_key=key)
    now[0] += 24 * 3600 + 1
    api.push_message(push_request(user), x_line_retry_key=key)
    assert len(fake.pushes()) == 2
    with pytest.raises(ApiException) as exc:
        api.push_message(push_request(user), x_line_retry_key="not-a-uuid")
    assert exc.value.status == 400


def test_multicast_retry_key_and_recipient_limit(fake):
    api, key = sdk(fake), str(uuid.uuid4())
    users = [new_user_id() for _ in range(3)]
    request = MulticastRequest(to=users, messages=[TextMessage(text="セール開始")])
    api.multicast(request, x_line_retry_key=key)
    with pytest.raises(ApiException) as exc:
        api.multicast(request, x_line_retry_key=key)
    assert exc.value.status == 409 and "x-line-accepted-request-id" in exc.value.headers
    assert len(fake.multicasts()) == 1 and fake.texts_to(users[2]) == ["セール開始"]
    assert api.get_message_quota_consumption().total_usage == 3
    too_many = httpx.post(
        f"{fake.url}/v2/bot/message/multicast",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={"to": [new_user_id() for _ in range(501)], "messages": [{"type": "text", "text": "x"}]},
    )
    assert too_many.status_code == 400 and too_many.json()["details"][0]["property"] == "to"


# -- Reply tokens, auth, validation ---------------------------------------------------------
def test_reply_token_is_single_use_and_expires(fake):
    now = [1_800_000_000.0]
    fake.clock = lambda: now[0]
    api, user = sdk(fake), new_user_id()
    token = fake.issue_reply_token(user)
    reply = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="はい")])
    assert len(api.reply_message(reply).sent_messages) == 1
    with pytest.raises(ApiException) as exc:
        api.reply_message(reply)
    assert exc.value.status == 400 and json.loads(exc.value.body) == {"message": "Invalid reply token"}
    late = fake.issue_reply_token(user)
    now[0] += 61
    with pytest.raises(ApiException) as exc:
        api.reply_message(ReplyMessageRequest(reply_token=late, messages=[TextMessage(text="遅い")]))
    assert exc.value.status == 400
    assert [d.to for d in fake.replies()] == [user] and fake.texts_to(user) == ["はい"]


def test_wrong_access_token_is_401_with_request_id(fake):
    with pytest.raises(ApiException) as exc:
        sdk(fake, token="wrong").push_message(push_request(new_user_id()))
    assert exc.value.status == 401
    assert json.loads(exc.value.body)["message"].startswith("Authentication failed.")
    assert exc.value.headers["x-line-request-id"]
    assert fake.deliveries == []
    assert httpx.get(f"{fake.url}/nowhere").headers["x-line-request-id"]


def test_invalid_bodies_are_rejected_like_line(fake):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    bad_to = httpx.post(
        f"{fake.url}/v2/bot/message/push",
        headers=headers,
        json={"to": "U123", "messages": [{"type": "text", "text": "x"}]},
    )
    assert bad_to.status_code == 400
    six = httpx.post(
        f"{fake.url}/v2/bot/message/push",
        headers=headers,
        json={"to": new_user_id(), "messages": [{"type": "text", "text": "x"}] * 6},
    )
    assert six.status_code == 400 and six.json()["details"] == [
        {"message": "Size must be between 1 and 5", "property": "messages"}
    ]
    keyed_reply = httpx.post(
        f"{fake.url}/v2/bot/message/reply",
        headers={**headers, "X-Line-Retry-Key": str(uuid.uuid4())},
        json={"replyToken": fake.issue_reply_token(), "messages": [{"type": "text", "text": "x"}]},
    )
    assert keyed_reply.status_code == 400 and fake.deliveries == []


def test_images_need_https_urls_and_flex_an_alt_text(fake):
    headers = {"Authorization": f"Bearer {TOKEN}"}

    def push(message: dict):
        return httpx.post(
            f"{fake.url}/v2/bot/message/push", headers=headers, json={"to": new_user_id(), "messages": [message]}
        )

    plain = push(
        {"type": "image", "originalContentUrl": "http://x.test/a.jpg", "previewImageUrl": "https://x.test/p.jpg"}
    )
    assert plain.status_code == 400 and plain.json()["details"][0]["property"] == "messages[0].originalContentUrl"
    no_alt = push({"type": "flex", "altText": "", "contents": {"type": "bubble"}})
    assert no_alt.status_code == 400 and no_alt.json()["details"][0]["property"] == "messages[0].altText"
    image = {"type": "image", "originalContentUrl": "https://x.test/a.jpg", "previewImageUrl": "https://x.test/p.jpg"}
    assert push(image).status_code == 200
    assert fake.deliveries[0].messages == [image]


def test_monthly_quota_is_enforced(fake):
    fake.quota = 2
    api = sdk(fake)
    api.push_message(push_request(new_user_id()))
    api.push_message(push_request(new_user_id()))
    with pytest.raises(ApiException) as exc:
        api.push_message(push_request(new_user_id()))
    assert exc.value.status == 429 and json.loads(exc.value.body)["message"] == "You have reached your monthly limit."
    quota = api.get_message_quota()
    assert (quota.type, quota.value) == ("limited", 2)


# -- Rate limits --------------------------------------------------------------------------------
def _wsgi_push(client: Client, path: str = "/v2/bot/message/push", to=None) -> int:
    body = {"to": to or "U" + "0" * 32, "messages": [{"type": "text", "text": "x"}]}
    return client.post(path, json=body, headers={"Authorization": f"Bearer {TOKEN}"}).status_code


def test_documented_limits_2000_push_and_200_multicast_per_second():
    """Clock frozen: every call lands in one second, so the documented limits are exact."""
    fake = FakeLine(access_token=TOKEN, quota=None, enforce_rate_limits=True, clock=lambda: 1_800_000_000.0)
    client = Client(fake)
    pushes = [_wsgi_push(client) for _ in range(2001)]
    assert pushes.count(200) == 2000 and pushes[-1] == 429
    multicasts = [_wsgi_push(client, "/v2/bot/message/multicast", ["U" + "0" * 32]) for _ in range(201)]
    assert multicasts.count(200) == 200 and multicasts[-1] == 429
    assert fake.rate_limited == {"push": 1, "multicast": 1}
    response = client.post("/v2/bot/message/push", headers={"Authorization": f"Bearer {TOKEN}"}, json={})
    assert response.json == {"message": "The API rate limit has been exceeded. Try again later."}


def test_sliding_window_over_real_http_with_a_lower_limit(fake):
    fake.enforce_rate_limits, fake.push_limit_per_s, fake.quota = True, 20, None
    with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}) as client, ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda _: (
                    client.post(
                        f"{fake.url}/v2/bot/message/push",
                        json={"to": new_user_id(), "messages": [{"type": "text", "text": "x"}]},
                    ).status_code
                ),
                range(60),
            )
        )
    assert statuses.count(200) >= 20 and statuses.count(429) > 0
    assert statuses.count(200) + statuses.count(429) == 60
    assert fake.rate_limited["push"] == statuses.count(429) and len(fake.pushes()) == statuses.count(200)


def test_random_failures_are_deterministic_with_a_seed():
    def run() -> list[int]:
        fake = FakeLine(access_token=TOKEN, quota=None, failure_rate=0.5, seed=7, timeout_seconds=0)
        return [_wsgi_push(Client(fake)) for _ in range(40)]

    first = run()
    assert first == run()
    assert {200, 500, 429} <= set(first)


# -- Users, bot, webhook settings -------------------------------------------------------------------
def test_profile_link_token_and_bot_info(fake):
    api, user = sdk(fake), new_user_id()
    fake.add_user(user, "山田 花子")
    profile = api.get_profile(user)
    assert (profile.user_id, profile.display_name, profile.language) == (user, "山田 花子", "ja")
    with pytest.raises(ApiException) as exc:
        api.get_profile(new_user_id())
    assert exc.value.status == 404 and json.loads(exc.value.body) == {"message": "Not found"}
    link = api.issue_link_token(user).link_token
    assert fake.link_tokens == {link: user}
    info = api.get_bot_info()
    assert (info.user_id, info.basic_id, info.chat_mode) == (fake.bot_user_id, "@123abcde", "bot")


def test_follower_ids_are_paged_with_lines_next_token(fake):
    api = sdk(fake)
    users = [new_user_id() for _ in range(7)]
    for user in users:
        fake.add_user(user, "友だち")

    first = api.get_followers(limit=3)
    second = api.get_followers(start=first.next, limit=3)
    third = api.get_followers(start=second.next, limit=3)
    everyone = api.get_followers()  # LINE's default page is 300

    assert first.user_ids + second.user_ids + third.user_ids == users
    assert first.next and second.next and first.next != second.next and third.next is None
    assert everyone.user_ids == users and everyone.next is None
    assert fake.follower_starts == [None, first.next, second.next, None]
    with pytest.raises(ApiException) as bad:
        api.get_followers(start="not-a-token")
    assert bad.value.status == 400


def test_follower_ids_are_403_for_an_account_that_is_not_verified_or_premium(fake):
    fake.followers_available = False
    with pytest.raises(ApiException) as exc:
        sdk(fake).get_followers()
    assert exc.value.status == 403 and "not available for your account" in json.loads(exc.value.body)["message"]


def test_webhook_test_really_calls_the_endpoint(fake):
    endpoint = Endpoint()
    with LiveServer(endpoint) as app:
        api = sdk(fake)
        api.set_webhook_endpoint(SetWebhookEndpointRequest(endpoint=f"{app.url}/webhooks/line"))
        assert api.get_webhook_endpoint().endpoint == f"{app.url}/webhooks/line"
        result = api.test_webhook_endpoint()
        assert (result.success, result.status_code, result.reason, result.detail) == (True, 200, "OK", "200")
        endpoint.status = 500
        failed = api.test_webhook_endpoint(WebhookTestRequest(endpoint=f"{app.url}/other"))
        assert (failed.success, failed.status_code, failed.reason) == (False, 500, "ERROR_STATUS_CODE")
    raw, headers = endpoint.received[0]
    assert json.loads(raw) == {"destination": fake.bot_user_id, "events": []}
    assert SignatureValidator(SECRET).validate(raw.decode(), headers["X-Line-Signature"])
    unreachable = api.test_webhook_endpoint(WebhookTestRequest(endpoint=app.url))
    assert (unreachable.success, unreachable.status_code, unreachable.reason) == (False, 0, "COULD_NOT_CONNECT")


# -- LINE Login ----------------------------------------------------------------------------------------
def _exchange(fake: FakeLine, code: str, **changes) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": LOGIN_ID,
        "client_secret": LOGIN_SECRET,
        **changes,
    }
    return httpx.post(f"{fake.url}/oauth2/v2.1/token", data=form)


def test_login_code_exchange_yields_a_verifiable_id_token(fake):
    user = new_user_id()
    fake.add_user(user, "佐藤 太郎")
    answer = _exchange(fake, fake.issue_login_code(user, "nonce-123", REDIRECT))
    assert answer.status_code == 200 and answer.headers["x-line-request-id"]
    body = answer.json()
    assert (body["token_type"], body["scope"]) == ("Bearer", "openid profile")
    claims = jwt.decode(
        body["id_token"], LOGIN_SECRET, algorithms=["HS256"], audience=LOGIN_ID, issuer="https://access.line.me"
    )
    assert (claims["sub"], claims["nonce"], claims["name"]) == (user, "nonce-123", "佐藤 太郎")
    verified = httpx.post(
        f"{fake.url}/oauth2/v2.1/verify",
        data={"id_token": body["id_token"], "client_id": LOGIN_ID, "nonce": "nonce-123"},
    )
    assert verified.json()["sub"] == user


def test_login_code_errors(fake):
    user = new_user_id()
    code = fake.issue_login_code(user, "n", REDIRECT)
    assert _exchange(fake, code, client_secret="wrong").json()["error"] == "invalid_client"
    assert _exchange(fake, code).status_code == 200
    reused = _exchange(fake, code)
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    other = _exchange(fake, fake.issue_login_code(user, "n", REDIRECT), redirect_uri="https://evil.test/cb")
    assert other.json()["error"] == "invalid_grant"
    bad = _exchange(fake, fake.issue_login_code(user, "n", REDIRECT, id_token_overrides={"aud": "other"}))
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(bad.json()["id_token"], LOGIN_SECRET, algorithms=["HS256"], audience=LOGIN_ID)


# -- Webhooks towards the app ----------------------------------------------------------------------------
def test_send_webhook_is_signed_and_events_parse_with_the_sdk(fake):
    user, group = new_user_id(), "C" + "a" * 32
    built = [
        fake.text_event(user, "在庫はありますか？🍵"),
        fake.follow_event(user, unblocked=True),
        fake.unfollow_event(user),
        fake.postback_event(user, "action=track&order=1001"),
        fake.account_link_event(user, "nonce-1"),
        fake.unsend_event(user, "325708"),
        fake.group_text_event(group, user, "こんにちは"),
    ]
    endpoint = Endpoint()
    with LiveServer(endpoint) as app:
        assert fake.send_webhook(f"{app.url}/webhooks/line", built).status_code == 200
    raw, headers = endpoint.received[0]
    assert "在庫".encode() in raw  # multibyte text is sent (and signed) as UTF-8, not \u escapes
    assert SignatureValidator(SECRET).validate(raw.decode(), headers["X-Line-Signature"])
    assert not SignatureValidator("other-secret").validate(raw.decode(), headers["X-Line-Signature"])
    parsed = WebhookParser(SECRET).parse(raw.decode(), headers["X-Line-Signature"])
    assert [type(e) for e in parsed] == [
        MessageEvent,
        FollowEvent,
        UnfollowEvent,
        PostbackEvent,
        AccountLinkEvent,
        UnsendEvent,
        MessageEvent,
    ]
    assert isinstance(parsed[0].message, TextMessageContent) and parsed[0].message.text == "在庫はありますか？🍵"
    assert parsed[1].follow.is_unblocked and parsed[4].link.nonce == "nonce-1"
    assert isinstance(parsed[6].source, GroupSource) and parsed[6].source.group_id == group
    assert all(len(e.webhook_event_id) == 26 and e.delivery_context.is_redelivery is False for e in parsed)
    assert "replyToken" not in built[2] and "replyToken" not in built[5]


def test_reply_tokens_from_events_are_honoured_once(fake):
    user = new_user_id()
    event = fake.text_event(user, "注文状況")
    api = sdk(fake)
    api.reply_message(ReplyMessageRequest(reply_token=event["replyToken"], messages=[TextMessage(text="発送済みです")]))
    assert fake.replies()[0].to == user and fake.replies()[0].reply_token == event["replyToken"]
    assert "replyToken" not in fake.account_link_event(user, "n", result="failed")


def test_concurrent_retries_with_one_key_deliver_once(fake):
    key, user, results = str(uuid.uuid4()), new_user_id(), []
    barrier = threading.Barrier(8)

    def send():
        barrier.wait()
        response = httpx.post(
            f"{fake.url}/v2/bot/message/push",
            headers={"Authorization": f"Bearer {TOKEN}", "X-Line-Retry-Key": key},
            json={"to": user, "messages": [{"type": "text", "text": "x"}]},
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * 7 and len(fake.pushes()) == 1
