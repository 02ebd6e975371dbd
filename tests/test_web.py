"""What every request and response share (app/web.py): a body over the limit is 413 before
any signature check, chunked or not, over a real HTTP server (the test client always sends
a Content-Length); pages not embedded in Shopify may be framed by the app itself only."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from app import create_app, ext
from app.models import WebhookEvent
from tests.conftest import CLIENT_ID, CLIENT_SECRET, SHOP_DOMAIN, sign
from tests.fakes.server import LiveServer
from tests.helpers import make_shop, rows

LIMIT = 4096
ROOT = Path(__file__).resolve().parents[1]
LOCAL = {"REMOTE_ADDR": "127.0.0.1"}
# One route of each kind a body reaches: Shopify's webhook, LINE's, and an admin API route
# that reads no body at all (a declared or chunked body must still be refused).
BODY_ROUTES = ["/webhooks/shopify", "/line/webhook", "/api/line/disconnect"]
TOO_LARGE = {
    "/webhooks/shopify": {"error": "shopify.webhook.too-large"},
    "/line/webhook": {"error": "line.webhook.too-large"},
}


@pytest.fixture
def live(settings):
    """The app with a 4 KB limit behind werkzeug's HTTP server (it decodes chunked bodies)."""
    app = create_app(settings.with_(webhook_max_bytes=LIMIT))
    with LiveServer(app) as server:
        server.app = app
        yield server
    ext.engine(app).dispose()


class Gunicorn:
    """`gunicorn wsgi:app` (one sync worker, as production runs it) on the test's database,
    with the production limit (5 MB): gunicorn decodes chunked bodies itself."""

    def __init__(self, settings, log: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {
            **os.environ,
            "APP_ENV": "development",
            "DATABASE_URL": settings.database_url,
            "SHOPIFY_API_KEY": CLIENT_ID,
            "SHOPIFY_API_SECRET": CLIENT_SECRET,
            "SECRET_KEY": settings.secret_key,
            "ENCRYPTION_KEYS": ",".join(settings.encryption_keys),
            "TRUST_PROXY": "0",
            "LINE_API_BASE": "http://127.0.0.1:9",
        }
        cmd = [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "sync", "-b", f"127.0.0.1:{self.port}"]
        cmd += ["--no-control-socket", "wsgi:app"]  # parallel runs would share ~/.gunicorn/gunicorn.ctl
        self.log = log
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=out)
        # The master accepts connections before its worker has imported the app: wait for an answer.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
                    s.sendall(b"GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    if s.recv(16).startswith(b"HTTP/1."):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def gunicorn(settings, tmp_path):
    server = Gunicorn(settings, tmp_path / "gunicorn.log")
    yield server
    server.stop()


def post_chunked(server, path: str, body: bytes, headers: dict | None = None, step: int = 1000):
    """POST `body` with Transfer-Encoding: chunked (no Content-Length); (status, JSON body)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        parts = (body[i : i + step] for i in range(0, len(body), step))
        sent = {"Content-Type": "application/json", "Transfer-Encoding": "chunked", **(headers or {})}
        conn.request("POST", path, body=parts, headers=sent, encode_chunked=True)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def webhook_headers(body: bytes) -> dict:
    return {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": sign(body),
        "X-Shopify-Shop-Domain": SHOP_DOMAIN,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
    }


def json_of_size(size: int) -> bytes:
    """A JSON object of exactly `size` bytes."""
    body = json.dumps({"id": 1, "note": ""}).encode()
    return json.dumps({"id": 1, "note": "x" * (size - len(body))}).encode()


@pytest.mark.parametrize("size", [LIMIT + 1, 3 * LIMIT])
@pytest.mark.parametrize("path", BODY_ROUTES)
def test_a_chunked_body_over_the_limit_gets_413(live, db, path, size):
    body = json_of_size(size)

    status, answer = post_chunked(live, path, body, webhook_headers(body) if "shopify" in path else {})

    assert status == 413, answer
    assert answer == TOO_LARGE.get(path, answer) and (path in TOO_LARGE or answer["ok"] is False)
    assert rows(db, WebhookEvent) == []


def test_a_chunked_signed_webhook_of_exactly_the_limit_is_recorded_whole(live, db, shop):
    body = json_of_size(LIMIT)

    status, answer = post_chunked(live, "/webhooks/shopify", body, webhook_headers(body))

    assert (status, answer) == (200, {"status": "received"})
    [event] = rows(db, WebhookEvent)
    assert event.body.encode() == body  # every chunk reached the HMAC check and the row


def test_a_small_chunked_line_webhook_reaches_the_view_whole(live):
    body = json.dumps({"destination": "U" + "0" * 32, "events": [], "pad": "x" * 2000}).encode()

    status, answer = post_chunked(live, "/line/webhook", body, step=100)

    # Parsed as JSON, so every chunk arrived; no channel has that destination.
    assert (status, answer) == (400, {"error": "line.webhook.unknown-destination"})


def test_gunicorn_refuses_a_chunked_body_over_5_mb_and_records_one_of_5_mb_whole(gunicorn, settings, db, shop):
    limit = settings.webhook_max_bytes
    assert limit == 5 * 1024 * 1024
    over = json_of_size(limit + 1)

    answers = {
        path: post_chunked(gunicorn, path, over, webhook_headers(over) if "shopify" in path else {}, step=64 * 1024)
        for path in BODY_ROUTES
    }
    assert rows(db, WebhookEvent) == []
    whole = json_of_size(limit)
    accepted = post_chunked(gunicorn, "/webhooks/shopify", whole, webhook_headers(whole), step=64 * 1024)

    assert {path: status for path, (status, _) in answers.items()} == dict.fromkeys(BODY_ROUTES, 413)
    assert answers["/webhooks/shopify"][1] == {"error": "shopify.webhook.too-large"}
    assert accepted == (200, {"status": "received"})
    [event] = rows(db, WebhookEvent)
    assert len(event.body) == limit


@pytest.mark.parametrize("path", BODY_ROUTES)
def test_a_declared_length_over_the_limit_gets_413_before_anything_else(settings, path):
    app = create_app(settings.with_(webhook_max_bytes=LIMIT))
    body = json_of_size(LIMIT + 1)
    headers = webhook_headers(body) if "shopify" in path else {}

    # No session token and no signature: the size is what is refused first.
    response = app.test_client().post(path, data=body, headers={"Content-Type": "application/json", **headers})

    assert response.status_code == 413
    ext.engine(app).dispose()


# -- framing --------------------------------------------------------------------------------


@pytest.fixture
def demo_client(settings, db):
    make_shop(db, domain="tsunagu-demo.myshopify.com", name="つなぐ デモストア", is_demo=True)
    app = create_app(settings.with_(shopify_api_key=""))
    yield app.test_client()
    ext.engine(app).dispose()


def page_paths(app) -> list[str]:
    """Every page of the admin without path arguments, from the URL map."""
    return sorted(
        r.rule
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("admin.") and "GET" in r.methods and not r.arguments and not r.rule.startswith("/api/")
    )


def test_demo_pages_may_be_framed_by_the_app_only(demo_client):
    paths = page_paths(demo_client.application)
    assert {"/", "/settings", "/privacy"} <= set(paths)

    for path in paths + ["/api/dashboard", "/no-such-page", "/static/api.js"]:
        response = demo_client.get(path, environ_base=LOCAL, headers={"Host": "localhost"})
        assert response.status_code in (200, 404), (path, response.status_code)
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'", path
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", path


def test_other_responses_may_be_framed_by_the_app_only(client):
    for response in (client.get("/r/unknown-token"), client.post("/webhooks/shopify", data=b"{}")):
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_an_embedded_page_keeps_the_shop_and_shopifys_admin_as_framers(client, fake_shopify):
    token = fake_shopify.session_token("test-shop")

    response = client.get(f"/?embedded=1&shop={SHOP_DOMAIN}&host=abc&id_token={token}")

    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == (
        f"frame-ancestors https://{SHOP_DOMAIN} https://admin.shopify.com;"
    )
    assert "X-Frame-Options" not in response.headers  # it would stop Shopify's admin framing it


def test_no_request_opens_a_cookie_session(app, client):
    """Nothing is kept in Flask's signed cookie: a request carrying one is not read, no
    response sets one, and a write to `flask.session` fails instead of setting a cookie."""
    client.set_cookie("session", "eyJ4IjoxfQ.forged.signature")
    for response in (client.get("/r/unknown-token"), client.post("/webhooks/shopify", data=b"{}")):
        assert "Set-Cookie" not in response.headers

    from flask import session

    with app.test_request_context("/", headers={"Cookie": "session=eyJ4IjoxfQ"}):
        assert dict(session) == {}
        with pytest.raises(RuntimeError):
            session["shop"] = "other-shop.myshopify.com"
