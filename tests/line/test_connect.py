"""Settings → LINE: connect checks the token with LINE and the secret with LINE's own
webhook test against this app served over real HTTP; disconnect stops everything."""

from __future__ import annotations

import pytest

from app import ext
from app.line import channels
from app.line.channels import ChannelUnavailable
from app.models import LineChannel, LineEvent
from tests.fakes.server import LiveServer
from tests.helpers import count, make_shop, rows
from tests.plugins.line import ACCESS_TOKEN, CHANNEL_SECRET


@pytest.fixture
def live_app(app):
    """The app over HTTP, so LINE's webhook test can reach /line/webhook."""
    with LiveServer(app) as server:
        ext.use_settings(app, ext.settings(app).with_(app_url=server.url))
        yield server


@pytest.fixture
def api(client, fake_shopify):
    token = fake_shopify.session_token("test-shop")

    def call(method: str, path: str, body: dict | None = None):
        return client.open(
            path, method=method, json=body if body is not None else {}, headers={"Authorization": f"Bearer {token}"}
        )

    return call


FORM = {"channel_secret": CHANNEL_SECRET, "access_token": ACCESS_TOKEN}


def test_connect_checks_with_line_and_stores_encrypted(api, live_app, fake_line, shop, db):
    response = api("POST", "/api/line/connect", FORM)

    assert response.status_code == 200 and response.get_json()["ok"] is True
    [channel] = rows(db, LineChannel)
    assert channel.bot_user_id == fake_line.bot_user_id and channel.basic_id == fake_line.basic_id
    assert channel.connected_at is not None and channel.webhook_ok_at is not None
    assert CHANNEL_SECRET not in channel.channel_secret_enc and ACCESS_TOKEN not in channel.access_token_enc
    assert fake_line.webhook_endpoint == f"{live_app.url}/line/webhook"
    assert len(fake_line.sent_webhooks) == 1  # LINE's test reached us and we answered 200


def test_wrong_token_is_named_and_nothing_is_stored(api, live_app, fake_line, shop, db):
    response = api("POST", "/api/line/connect", {**FORM, "access_token": "not-the-token"})

    assert response.status_code == 422
    assert "アクセストークンが正しくありません" in response.get_json()["errors"]["access_token"]
    assert count(db, LineChannel) == 0


def test_wrong_secret_is_named_and_the_old_connection_survives(api, live_app, fake_line, shop, db, app):
    assert api("POST", "/api/line/connect", FORM).status_code == 200
    wrong = "0123456789abcdef" * 2

    response = api("POST", "/api/line/connect", {**FORM, "channel_secret": wrong})

    assert response.status_code == 422
    assert "チャネルシークレットが正しくありません" in response.get_json()["errors"]["channel_secret"]
    [channel] = rows(db, LineChannel)
    assert channel.connected_at is not None
    with app.app_context():
        assert channels.secret(channel) == CHANNEL_SECRET  # what worked before is back


def test_field_formats_are_checked_before_calling_line(api, fake_line, shop, db):
    response = api(
        "POST",
        "/api/line/connect",
        {"channel_secret": "short", "access_token": "", "login_channel_id": "abc", "login_channel_secret": "0" * 32},
    )

    errors = response.get_json()["errors"]
    assert response.status_code == 422
    assert set(errors) == {"channel_secret", "access_token", "login_channel_id"}
    assert fake_line.requests == []


def test_an_account_connected_to_another_store_is_refused(api, live_app, fake_line, shop, db):
    other = make_shop(db, domain="other-shop.myshopify.com")
    db.add(LineChannel(shop_id=other.id, bot_user_id=fake_line.bot_user_id, connected_at=None))
    db.commit()

    response = api("POST", "/api/line/connect", FORM)

    assert response.status_code == 422 and "別のストア" in response.get_json()["errors"]["access_token"]


def test_disconnect_removes_secrets_and_stops_intake_and_sending(api, live_app, fake_line, shop, db, app, user):
    api("POST", "/api/line/connect", FORM)

    assert api("POST", "/api/line/disconnect").get_json() == {"ok": True}

    [channel] = rows(db, LineChannel)
    assert channel.channel_secret_enc is None and channel.access_token_enc is None
    assert channel.disconnected_at is not None
    raw, headers = fake_line.webhook_request([fake_line.text_event(user, "注文")])
    assert app.test_client().post("/line/webhook", data=raw, headers=headers).status_code == 400
    assert count(db, LineEvent) == 0
    with app.app_context(), pytest.raises(ChannelUnavailable):
        channels.client_for(channel, session=db, shop=shop)


def test_settings_page_shows_the_account_qr_and_greeting(api, live_app, fake_line, shop, client, fake_shopify):
    api("POST", "/api/line/connect", FORM)
    token = fake_shopify.session_token("test-shop")

    page = client.get(f"/settings?embedded=1&shop=test-shop.myshopify.com&id_token={token}").get_data(as_text=True)

    assert "接続済み" in page and fake_line.basic_id in page
    assert "https://line.me/R/ti/p/%40" in page and "<svg" in page
    assert "友だち追加ありがとうございます" in page


def test_greeting_texts_save_and_validate(api, shop, db):
    bad = api("PUT", "/api/line/texts", {"greeting": "x" * 2001, "welcome_back": "", "coupon_code": "A"})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"greeting"}

    good = api(
        "PUT",
        "/api/line/texts",
        {"greeting": "{shop_name}へようこそ", "welcome_back": "", "coupon_code": "LINE10", "english": False},
    )

    assert good.status_code == 200 and good.get_json()["preview"] == "テストショップへようこそ"
    [stored] = rows(db, type(shop))
    assert stored.settings["line_coupon_code"] == "LINE10" and stored.settings["line_english"] is False
