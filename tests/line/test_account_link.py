"""The three ways to link a LINE friend to a store customer, and their failure cases."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import select

from app.models import Customer, LinkAudit, LinkNonce
from app.timeutil import utcnow
from tests.conftest import CLIENT_SECRET
from tests.fakes import line_events
from tests.helpers import count, proxy_query, rows
from tests.plugins.line import friend_of

CUSTOMER = 706405506930370084
PROXY = {"shop": "test-shop.myshopify.com", "path_prefix": "/apps/tsunagu"}


def open_proxy(client, path: str, params: dict, *, customer: int | None = CUSTOMER, secret: str = CLIENT_SECRET):
    query = proxy_query({**PROXY, **params, "logged_in_customer_id": str(customer) if customer else ""}, secret)
    return client.get(f"/proxy{path}?{query}")


def chat_link_nonce(client, chat, fake_line, user) -> str:
    """連携 in the chat, then the shopper's browser through the app proxy: the nonce LINE gets."""
    chat(fake_line.text_event(user, "連携"))
    [link_token] = fake_line.link_tokens
    response = open_proxy(client, "/link", {"linkToken": link_token})
    assert response.status_code == 302
    target = urlparse(response.headers["Location"])
    assert (target.netloc, target.path) == ("access.line.me", "/dialog/bot/accountLink")
    query = parse_qs(target.query)
    assert query["linkToken"] == [link_token]
    return query["nonce"][0]


def test_chat_account_link_happy_path(client, chat, fake_line, user, db):
    chat(fake_line.follow_event(user))
    nonce = chat_link_nonce(client, chat, fake_line, user)
    assert len(nonce) >= 22  # ≥ 128 bits of randomness, URL-safe

    chat(fake_line.account_link_event(user, nonce))

    friend = friend_of(db, user)
    [customer] = rows(db, Customer)
    assert friend.customer_id == customer.id and friend.link_method == "chat"
    assert customer.shopify_id == CUSTOMER and customer.line_tag_due_at is not None
    [audit] = rows(db, LinkAudit)
    assert (audit.action, audit.method, audit.customer_shopify_id) == ("link", "chat", CUSTOMER)
    assert "連携しました" in fake_line.replies()[-1].messages[0]["text"]


def test_proxy_without_a_logged_in_customer_sends_them_to_log_in(client, db, channel):
    response = open_proxy(client, "/link", {"linkToken": "tok123"}, customer=None)

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?return_url=%2Fapps%2Ftsunagu%2Flink%3FlinkToken%3Dtok123"
    assert count(db, LinkNonce) == 0


@pytest.mark.parametrize("tamper", ["signature", "customer", "old"])
def test_tampered_or_stale_proxy_request_is_refused(client, db, channel, tamper):
    if tamper == "old":
        query = proxy_query(
            {**PROXY, "linkToken": "t", "logged_in_customer_id": str(CUSTOMER)}, CLIENT_SECRET, timestamp=1_700_000_000
        )
    else:
        query = proxy_query({**PROXY, "linkToken": "t", "logged_in_customer_id": str(CUSTOMER)}, CLIENT_SECRET)
        query = query.replace(str(CUSTOMER), "1") if tamper == "customer" else query[:-3] + "abc"
    response = client.get(f"/proxy/link?{query}")

    assert response.status_code == 401
    assert count(db, LinkNonce) == 0


@pytest.mark.parametrize("case", ["reused", "expired", "foreign", "failed", "unknown"])
def test_account_link_refuses_bad_nonces(client, chat, fake_line, user, db, app, case):
    chat(fake_line.follow_event(user))
    nonce = chat_link_nonce(client, chat, fake_line, user)
    if case == "reused":
        other = line_events.new_user_id()
        chat(fake_line.account_link_event(other, nonce))  # someone else used it first
    if case == "expired":
        row = db.exec(select(LinkNonce)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.add(row)
        db.commit()
    if case == "foreign":
        from tests.helpers import make_shop

        other_shop = make_shop(db, domain="other-shop.myshopify.com")
        row = db.exec(select(LinkNonce)).one()
        row.shop_id = other_shop.id
        db.add(row)
        db.commit()

    replies_before = len(fake_line.replies())
    chat(
        fake_line.account_link_event(
            user, "not-a-nonce" if case == "unknown" else nonce, result="failed" if case == "failed" else "ok"
        )
    )

    assert friend_of(db, user).customer_id is None
    if case == "failed":  # LINE sends no reply token with a failed link: nothing to answer
        assert len(fake_line.replies()) == replies_before
    else:
        assert "連携できませんでした" in fake_line.replies()[-1].messages[0]["text"]


def test_relinking_moves_the_customer_and_is_audited(client, chat, fake_line, user, db):
    first = user
    chat(fake_line.follow_event(first))
    chat(fake_line.account_link_event(first, chat_link_nonce(client, chat, fake_line, first)))
    second = line_events.new_user_id()
    fake_line.add_user(second, "はなこ2")
    chat(fake_line.follow_event(second))
    fake_line.link_tokens.clear()
    chat(fake_line.account_link_event(second, chat_link_nonce(client, chat, fake_line, second)))

    assert friend_of(db, first).customer_id is None
    assert friend_of(db, second).customer_id is not None
    actions = [(a.action, a.friend_id) for a in rows(db, LinkAudit)]
    ids = {friend_of(db, first).id: "first", friend_of(db, second).id: "second"}
    assert [(a, ids[f]) for a, f in actions] == [("link", "first"), ("unlink", "first"), ("link", "second")]


# -- the app proxy's pages, in the shopper's language (LINE Login: test_line_login.py) ------
def test_a_shop_that_keeps_to_japanese_shows_its_pages_in_japanese(client, channel, db, shop):
    shop.settings = {"line_english": False}
    db.add(shop)
    db.commit()
    query = proxy_query({**PROXY, "logged_in_customer_id": str(CUSTOMER)}, CLIENT_SECRET)

    response = client.get(f"/proxy/login?{query}", headers={"Accept-Language": "en"})

    page = response.get_data(as_text=True)
    assert response.status_code == 404 and '<html lang="ja">' in page and "LINE連携を開始できませんでした" in page


def test_proxy_error_page_in_english(client, channel):
    response = client.get(
        "/proxy/login?" + proxy_query({**PROXY, "logged_in_customer_id": str(CUSTOMER)}, CLIENT_SECRET),
        headers={"Accept-Language": "en-GB"},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "We couldn&#39;t start linking LINE" in page and "連携" not in page
