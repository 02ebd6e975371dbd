"""LINE Login begun from the store (the store's LINE button → app proxy → LINE → callback).

It links only in the browser that began it (issue 11, finding 4: a login begun by one
customer must not be finishable with another person's LINE), its nonce is single use, its
ID token is checked, no write transaction is open while LINE is asked, and the shopper's
result pages read in their language.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app import ext
from app.line import account_link
from app.line.account_link import BROWSER_COOKIE, LOGIN_PATH, LoginState
from app.models import Customer, LineFriend, LinkAudit, LinkNonce
from tests.conftest import CLIENT_SECRET
from tests.fakes import line_events
from tests.helpers import begin_line_login, count, make_shop, proxy_query, rows
from tests.plugins.line import friend_of

CUSTOMER = 706405506930370084  # the customer whose browser began the login
OTHER_CUSTOMER = 706405506930370085
PROXY = {"shop": "test-shop.myshopify.com", "path_prefix": "/apps/tsunagu"}
OTHER_BROWSER_TITLE = "連携を始めたブラウザで完了してください"


def proxy_opener(client, customer: int | None = CUSTOMER):
    """Signed app proxy requests from this browser (`client`), logged in as `customer`."""

    def open_proxy(path: str, params: dict):
        query = proxy_query(
            {**PROXY, **params, "logged_in_customer_id": str(customer) if customer else ""}, CLIENT_SECRET
        )
        return client.get(f"/proxy{path}?{query}")

    return open_proxy


def begin(client, customer: int = CUSTOMER) -> dict:
    return begin_line_login(client, proxy_opener(client, customer))


def finish(client, code: str, state: str, **headers):
    return client.get(f"{LOGIN_PATH}/callback?code={code}&state={state}", headers=headers)


def browser_cookie(client):
    return client.get_cookie(BROWSER_COOKIE, path=LOGIN_PATH)


def logins_asked(fake_line) -> int:
    return sum(1 for r in fake_line.requests if r.path == "/oauth2/v2.1/token")


# -- the same browser, end to end ------------------------------------------------------------
def test_line_login_links_the_logged_in_customer(client, login_channel, fake_line, user, db):
    query = begin(client)
    assert query["bot_prompt"] == "aggressive" and query["scope"] == "openid profile"
    assert query["client_id"] == fake_line.login_channel_id
    assert query["redirect_uri"] == "https://tsunagu.test/line/login/callback"
    code = fake_line.issue_login_code(user, query["nonce"], query["redirect_uri"])

    response = finish(client, code, query["state"])

    assert response.status_code == 200 and "LINE連携が完了しました" in response.get_data(as_text=True)
    friend = friend_of(db, user)
    assert friend.customer_id is not None and friend.link_method == "login"
    assert rows(db, Customer)[0].shopify_id == CUSTOMER
    assert browser_cookie(client) is None  # cleared: one login per secret
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"


def test_the_store_button_first_visits_the_apps_own_domain(client, login_channel, db):
    """The proxy answers on the shop's domain, where the app cannot set its own cookie."""
    response = proxy_opener(client)("/login", {})

    start = urlparse(response.headers["Location"])
    assert (start.scheme, start.netloc, start.path) == ("https", "tsunagu.test", "/line/login/start")
    assert parse_qs(start.query) == {"shop": ["test-shop.myshopify.com"]}
    assert count(db, LinkNonce) == 0  # no login begins before the browser holds its secret


def test_the_browser_cookie_is_short_lived_lax_httponly_secure_and_only_for_the_login_routes(
    app, client, login_channel, shop
):
    response = client.get(f"{LOGIN_PATH}/start?shop=test-shop.myshopify.com")

    assert response.status_code == 302 and response.headers["Cache-Control"] == "no-store"
    [header] = response.headers.getlist("Set-Cookie")
    name_value, *attributes = [part.strip() for part in header.split(";")]
    assert name_value.startswith(f"{BROWSER_COOKIE}=")
    assert {"Max-Age=600", "Path=/line/login", "HttpOnly", "Secure", "SameSite=Lax"} <= set(attributes)
    assert not any(a.lower().startswith("domain=") for a in attributes)  # this host only
    back = urlparse(response.headers["Location"])
    assert (back.netloc, back.path) == ("test-shop.myshopify.com", "/apps/tsunagu/login")
    binding = parse_qs(back.query)["browser"][0]
    with app.test_request_context():
        secret = account_link.browser_secret(name_value.split("=", 1)[1])
    # The URL (and later the state) carries only a hash of the browser's secret.
    assert secret and secret not in response.headers["Location"] and len(secret) >= 43
    assert binding == account_link.browser_binding(secret, shop.id)


def test_the_state_carries_the_browsers_hash_never_its_secret(app, client, login_channel):
    query = begin(client)

    with app.test_request_context():
        state = account_link.read_state(query["state"])
        secret = account_link.browser_secret(browser_cookie(client).value)
    assert secret not in query["state"]
    assert account_link.same_browser(state, secret)


def test_a_second_tab_keeps_the_first_tabs_secret(app, client, login_channel):
    first, second = begin(client), begin(client)

    with app.test_request_context():
        a, b = account_link.read_state(first["state"]), account_link.read_state(second["state"])
    assert a.nonce != b.nonce and a.browser == b.browser


# -- another browser, no browser, an expired one -----------------------------------------------
def _expired_copy(app, client, monkeypatch):
    """The same browser's secret, but signed 601 s ago (a browser may keep an expired cookie)."""
    with app.test_request_context():
        secret = account_link.browser_secret(browser_cookie(client).value)
        with monkeypatch.context() as m:
            m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 601)
            old = account_link.browser_cookie(secret)
    client.set_cookie(BROWSER_COOKIE, old, path=LOGIN_PATH)
    return client


@pytest.mark.parametrize("case", ["no-cookie", "another-browser", "expired", "tampered"])
def test_a_login_finished_outside_the_browser_that_began_it_links_nothing(
    app, client, login_channel, fake_line, user, db, monkeypatch, case
):
    """The first customer begins and forwards LINE's authorize link; a second person opens it
    and logs in with their LINE. Nothing of theirs is linked, stored, or even asked of LINE."""
    query = begin(client)
    if case == "no-cookie":
        second = app.test_client()
    elif case == "another-browser":
        second = app.test_client()
        begin(second, OTHER_CUSTOMER)  # their own browser secret, from a login of their own
    elif case == "expired":
        second = _expired_copy(app, client, monkeypatch)
    else:
        second = client
        cookie = browser_cookie(client).value
        client.set_cookie(
            BROWSER_COOKIE, cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB"), path=LOGIN_PATH
        )
    code = fake_line.issue_login_code(user, query["nonce"], query["redirect_uri"])  # the second person's LINE

    response = finish(second, code, query["state"])

    page = response.get_data(as_text=True)
    assert response.status_code == 400 and OTHER_BROWSER_TITLE in page
    assert 'href="https://test-shop.myshopify.com/apps/tsunagu/login"' in page  # start again here
    assert count(db, LineFriend, LineFriend.line_user_id == user) == 0
    assert count(db, LinkAudit) == 0 and count(db, LinkNonce, LinkNonce.used_at.is_not(None)) == 0
    assert logins_asked(fake_line) == 0  # the code was never exchanged: LINE never said who they are
    assert browser_cookie(second) is None


def test_the_browser_that_began_still_finishes_after_a_refused_attempt(app, client, login_channel, fake_line, user, db):
    query = begin(client)
    stranger = line_events.new_user_id()
    fake_line.add_user(stranger, "だれか")
    refused = finish(
        app.test_client(), fake_line.issue_login_code(stranger, query["nonce"], query["redirect_uri"]), query["state"]
    )
    assert refused.status_code == 400

    response = finish(client, fake_line.issue_login_code(user, query["nonce"], query["redirect_uri"]), query["state"])

    assert response.status_code == 200
    assert friend_of(db, user).customer_id is not None and friend_of(db, stranger) is None


def test_a_forwarded_start_link_begins_a_login_for_whoever_is_logged_in_there(
    app, client, login_channel, fake_line, user, db
):
    """The first customer forwards the /line/login/start link their button led to: the second
    browser returns through the store's proxy, where the store says who it is logged in as, so
    the login it can finish links that person's own account, never the first customer's."""
    start = urlparse(proxy_opener(client, CUSTOMER)("/login", {}).headers["Location"])
    second = app.test_client()
    back = urlparse(second.get(f"{start.path}?{start.query}").headers["Location"])
    authorize = proxy_opener(second, OTHER_CUSTOMER)("/login", {"browser": parse_qs(back.query)["browser"][0]})
    query = {k: v[0] for k, v in parse_qs(urlparse(authorize.headers["Location"]).query).items()}

    response = finish(second, fake_line.issue_login_code(user, query["nonce"], query["redirect_uri"]), query["state"])

    assert response.status_code == 200
    [customer] = rows(db, Customer)
    assert customer.shopify_id == OTHER_CUSTOMER and friend_of(db, user).customer_id == customer.id


def test_a_binding_holds_for_one_shop_only(app):
    """A shop the app also serves learns a browser's binding for itself, not for this shop."""
    with app.test_request_context():
        secret = account_link.new_browser_secret()
        binding = account_link.browser_binding(secret, 2)
        assert account_link.same_browser(LoginState(nonce="n", shop_id=2, browser=binding), secret)
        assert not account_link.same_browser(LoginState(nonce="n", shop_id=1, browser=binding), secret)
        assert not account_link.same_browser(LoginState(nonce="n", shop_id=2, browser=binding), None)


@pytest.mark.parametrize("browser", ["", "x", "A" * 64, "0" * 63])
def test_the_proxy_sends_a_browser_without_a_valid_binding_to_get_one(client, login_channel, db, browser):
    response = proxy_opener(client)("/login", {"browser": browser} if browser else {})

    assert response.status_code == 302 and urlparse(response.headers["Location"]).path == "/line/login/start"
    assert count(db, LinkNonce) == 0


@pytest.mark.parametrize("domain", ["evil.example.com", "gone-shop.myshopify.com", ""])
def test_start_redirects_only_to_an_installed_shop(client, db, shop, domain):
    gone = make_shop(db, domain="gone-shop.myshopify.com")
    gone.uninstalled_at = gone.installed_at
    db.add(gone)
    db.commit()

    response = client.get(f"{LOGIN_PATH}/start?shop={domain}")

    assert response.status_code == 404 and "Location" not in response.headers
    assert "Set-Cookie" not in response.headers


# -- the nonce, the ID token, the database ----------------------------------------------------
@pytest.mark.parametrize("attack", ["forged-state", "reused-state", "wrong-audience", "wrong-nonce", "bad-signature"])
def test_line_login_failures_link_nothing(client, login_channel, fake_line, user, db, attack):
    query = begin(client)
    overrides = (
        {"aud": "9999999999"} if attack == "wrong-audience" else {"nonce": "x"} if attack == "wrong-nonce" else None
    )
    code = fake_line.issue_login_code(
        user,
        query["nonce"],
        query["redirect_uri"],
        id_token_overrides=overrides,
        id_token_secret="f" * 32 if attack == "bad-signature" else None,
    )
    state = query["state"]
    if attack == "forged-state":
        state = state[:-2] + ("AA" if not state.endswith("AA") else "BB")
    if attack == "reused-state":  # replayed from the same browser, its cookie kept: the nonce refuses
        cookie = browser_cookie(client).value
        assert finish(client, code, state).status_code == 200
        db.execute(LineFriend.__table__.update().values(customer_id=None))
        db.commit()
        client.set_cookie(BROWSER_COOKIE, cookie, path=LOGIN_PATH)
        code = fake_line.issue_login_code(user, query["nonce"], query["redirect_uri"])

    response = finish(client, code, state)

    assert response.status_code == 400
    assert "LINE連携できませんでした" in response.get_data(as_text=True)
    friend = friend_of(db, user)
    assert friend is None or friend.customer_id is None


def _writer_is_free(engine, nonce: str) -> bool:
    """From another connection: the nonce's use is committed and nobody holds a write lock on it
    (SQLite: the database's one write lock; PostgreSQL: the row's)."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA busy_timeout=0")
            try:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute("ROLLBACK")
            except Exception:  # sqlite3.OperationalError: database is locked
                return False
            finally:
                cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("SELECT used_at FROM link_nonces WHERE nonce = ?", (nonce,))
            return cursor.fetchone()[0] is not None
        finally:
            raw.close()
    with engine.connect() as conn:
        conn.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
        try:
            used_at = conn.execute(
                text("SELECT used_at FROM link_nonces WHERE nonce = :n FOR UPDATE"), {"n": nonce}
            ).scalar_one()
        except OperationalError:  # LockNotAvailable: an open transaction still holds the row
            return False
        finally:
            conn.rollback()
        return used_at is not None


def test_no_write_transaction_is_open_while_line_is_asked(app, client, login_channel, fake_line, user, db, monkeypatch):
    query = begin(client)
    with app.test_request_context():
        nonce = account_link.read_state(query["state"]).nonce
    seen: list[bool] = []
    real = account_link.exchange_login_code

    def asking_line(**kwargs):
        seen.append(_writer_is_free(ext.engine(app), nonce))
        return real(**kwargs)

    monkeypatch.setattr(account_link, "exchange_login_code", asking_line)

    response = finish(client, fake_line.issue_login_code(user, query["nonce"], query["redirect_uri"]), query["state"])

    assert response.status_code == 200 and seen == [True]
    assert friend_of(db, user).customer_id is not None


def test_login_without_a_login_channel_is_not_offered(client, channel):
    assert proxy_opener(client)("/login", {}).status_code == 404


# -- the shopper's pages, in the shopper's language -------------------------------------------
def test_login_result_reads_in_the_browsers_language(client, login_channel, fake_line, user, db):
    query = begin(client)
    code = fake_line.issue_login_code(user, query["nonce"], query["redirect_uri"])

    response = finish(client, code, query["state"], **{"Accept-Language": "en-US,en;q=0.9"})

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="en">' in page
    assert "Your LINE account is linked" in page and "Back to the store" in page and "連携" not in page


def test_the_other_browser_page_in_english(app, client, login_channel, fake_line, user, db):
    query = begin(client)
    code = fake_line.issue_login_code(user, query["nonce"], query["redirect_uri"])

    response = finish(app.test_client(), code, query["state"], **{"Accept-Language": "en"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400 and '<html lang="en">' in page and "連携" not in page
    assert "Please finish in the browser you started in" in page and "Start again in this browser" in page


def test_a_failed_login_page_in_english_and_japanese(client, login_channel, db, shop):
    english = client.get(f"{LOGIN_PATH}/callback?code=x&state=forged", headers={"Accept-Language": "en"})
    assert english.status_code == 400 and "We couldn&#39;t link your LINE account" in english.get_data(as_text=True)
    neither = client.get(f"{LOGIN_PATH}/callback?code=x&state=forged", headers={"Accept-Language": "fr, de;q=0.5"})
    assert "LINE連携できませんでした" in neither.get_data(as_text=True)
