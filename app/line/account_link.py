"""Linking a shopper's LINE account to their store customer: from the chat (Messaging
API account link) and from the store (LINE Login). The merchant's manual link lives in
the admin API; all three end in customer_links.link().

A store-initiated LINE Login is bound to the browser that began it, so a login begun by one
customer cannot be finished with another person's LINE (login CSRF). The binding is made
before the customer is known: the app's own domain gives the browser a random secret in a
cookie, and the app proxy, where the customer is known, writes a hash of that secret (and
the shop) into the signed `state`. Only the browser holding the secret passes the callback.
A cookie set after the proxy step would bind nothing: whoever opened the forwarded link
would receive it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import jwt
from itsdangerous import BadData, BadSignature, URLSafeTimedSerializer
from sqlmodel import Session, select, update

from ..ext import settings, vault
from ..models import LineChannel, LineFriend, LinkNonce, Shop
from ..timeutil import utcnow
from ..tracking import rollups
from . import channels, customer_links, messages
from .chat import Chat
from .login_token import exchange_login_code

log = logging.getLogger("tsunagu.linking")
NONCE_TTL = timedelta(minutes=10)
LOGIN_PATH = "/line/login"  # the LINE Login routes on the app's own domain; the cookie's path
BROWSER_COOKIE = "tsunagu_line_login"
LINE_ISSUER = "https://access.line.me"


class LinkRefused(RuntimeError):
    """A link attempt that must not link anything; the message is safe to show."""


# -- from the chat -----------------------------------------------------------------------
def start_chat_link(chat: Chat, lead: str | None = None) -> None:
    if chat.friend.customer_id is not None:
        chat.reply(messages.text(chat.t("line.chat.already_linked")))
        return
    token = chat.link_token()
    url = f"https://{chat.shop.domain}/apps/tsunagu/link?{urlencode({'linkToken': token})}"
    body = (lead + "\n\n" if lead else "") + chat.t("line.chat.link_prompt")
    chat.reply(messages.card(body, [(chat.t("line.chat.link_button"), messages.uri_action(url))]))


def new_nonce(
    *, session: Session, shop: Shop, kind: str, customer_shopify_id: int, return_to: str | None = None
) -> LinkNonce:
    """At least 128 random bits (here 192), single use, ten minutes, bound to shop and customer."""
    row = LinkNonce(
        shop_id=shop.id,
        kind=kind,
        nonce=secrets.token_urlsafe(24),
        login_nonce=secrets.token_urlsafe(24) if kind == "login" else None,
        customer_shopify_id=customer_shopify_id,
        return_to=return_to,
        expires_at=utcnow() + NONCE_TTL,
    )
    session.add(row)
    session.flush()
    return row


def consume_nonce(*, session: Session, shop_id: int, kind: str, nonce: str) -> LinkNonce | None:
    """Use the nonce once: the guarded UPDATE makes a second use (even a concurrent one) fail."""
    now = utcnow()
    used = session.execute(
        update(LinkNonce)
        .where(
            LinkNonce.shop_id == shop_id,
            LinkNonce.kind == kind,
            LinkNonce.nonce == nonce,
            LinkNonce.used_at.is_(None),
            LinkNonce.expires_at > now,
        )
        .values(used_at=now)
    ).rowcount
    if used != 1:
        return None
    return session.exec(select(LinkNonce).where(LinkNonce.nonce == nonce)).one()


def account_link_url(link_token: str, nonce: str) -> str:
    return f"{settings().line_access_base}/dialog/bot/accountLink?" + urlencode(
        {"linkToken": link_token, "nonce": nonce}
    )


def complete_chat_link(chat: Chat, *, result: str, nonce: str) -> None:
    """The accountLink event: link only for result ok and a valid, unused, unexpired nonce."""
    row = (
        consume_nonce(session=chat.session, shop_id=chat.shop.id, kind="account_link", nonce=nonce)
        if result == "ok" and nonce
        else None
    )
    if row is None:
        log.info("account link refused result=%s shop=%s", result, chat.shop.id)
        chat.reply(messages.text(chat.t("line.chat.link_failed")))
        return
    customer = customer_links.customer_by_shopify_id(
        session=chat.session, shop=chat.shop, shopify_id=row.customer_shopify_id
    )
    customer_links.link(
        session=chat.session,
        shop=chat.shop,
        friend=chat.friend,
        customer=customer,
        method="chat",
        actor=f"line:{chat.friend.line_user_id}",
    )
    name = customer.display_name(chat.friend.display_name or "")
    chat.reply(messages.text(chat.t("line.chat.link_done", customer_name=name)))


def unlink_by_shopper(chat: Chat) -> bool:
    return customer_links.unlink(
        session=chat.session,
        shop=chat.shop,
        friend=chat.friend,
        method="shopper",
        actor=f"line:{chat.friend.line_user_id}",
    )


# -- from the store: LINE Login ---------------------------------------------------------------
@dataclass(frozen=True)
class LoginState:
    nonce: str
    shop_id: int
    browser: str  # browser_binding() of the browser that began the login


def _serializer(purpose: str = "line-login") -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings().secret_key, salt=f"tsunagu.{purpose}")


def login_redirect_uri() -> str:
    return f"{settings().app_url}{LOGIN_PATH}/callback"


def store_login_url(shop: Shop) -> str:
    """Where the store's button points (through the app proxy): the start of a LINE Login."""
    return f"https://{shop.domain}/apps/tsunagu/login"


def login_start_url(shop: Shop) -> str:
    """The step on the app's own domain that gives the browser its secret (see the module doc)."""
    return f"{settings().app_url}{LOGIN_PATH}/start?" + urlencode({"shop": shop.domain})


def new_browser_secret() -> str:
    return secrets.token_urlsafe(32)


def browser_cookie(secret: str) -> str:
    """The cookie's value: the secret, signed with the time it was given (expiry is checked here,
    not left to the browser's clock)."""
    return _serializer("line-login-browser").dumps(secret)


def browser_secret(cookie: str | None) -> str | None:
    """The secret of a cookie we signed less than NONCE_TTL ago, else None."""
    if not cookie:
        return None
    try:
        secret = _serializer("line-login-browser").loads(cookie, max_age=int(NONCE_TTL.total_seconds()))
    except BadData:  # a bad signature, an expired one, or not ours at all
        return None
    return secret if isinstance(secret, str) and secret else None


def browser_binding(secret: str, shop_id: int) -> str:
    """What the state carries: a hash of the browser's secret for one shop, so neither the
    secret nor a binding learnt by another shop can be replayed here."""
    return hashlib.sha256(f"tsunagu.line-login:{shop_id}:{secret}".encode()).hexdigest()


def is_browser_binding(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def same_browser(state: LoginState, secret: str | None) -> bool:
    """The callback's browser holds the secret the login began with (constant-time compare)."""
    if not secret:
        return False
    return secrets.compare_digest(browser_binding(secret, state.shop_id), state.browser)


def login_authorize_url(channel: LineChannel, row: LinkNonce, *, browser: str) -> str:
    """LINE Login with bot_prompt=aggressive (adds the friend); `state` is signed, bound to the
    shop and to the browser, and its nonce row makes it single use."""
    state = _serializer().dumps({"n": row.nonce, "s": row.shop_id, "b": browser})
    return f"{settings().line_access_base}/oauth2/v2.1/authorize?" + urlencode(
        {
            "response_type": "code",
            "client_id": channel.login_channel_id,
            "redirect_uri": login_redirect_uri(),
            "state": state,
            "scope": "openid profile",
            "nonce": row.login_nonce,
            "bot_prompt": "aggressive",
        }
    )


def read_state(state: str) -> LoginState:
    try:
        data = _serializer().loads(state, max_age=int(NONCE_TTL.total_seconds()))
        return LoginState(nonce=str(data["n"]), shop_id=int(data["s"]), browser=str(data["b"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkRefused("state") from None


def verify_id_token(id_token: str, *, channel_id: str, channel_secret: str, nonce: str) -> dict:
    """LINE Login's ID token: HS256 with the Login channel secret; issuer, audience, expiry, nonce."""
    try:
        claims = jwt.decode(
            id_token,
            channel_secret,
            algorithms=["HS256"],
            audience=channel_id,
            issuer=LINE_ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.PyJWTError as exc:
        log.warning("LINE Login ID token rejected: %s", type(exc).__name__)
        raise LinkRefused("id_token") from None
    if not secrets.compare_digest(str(claims.get("nonce") or ""), nonce):
        raise LinkRefused("nonce")
    return claims


def login_claims(channel: LineChannel, *, code: str, redirect_uri: str, nonce: str) -> dict:
    """What a LINE Login return says: its code exchanged at LINE for an ID token (call it with
    no write transaction open), then the token checked (verify_id_token). Raises LineError
    when LINE refuses the code, LinkRefused when the token does not hold."""
    secret = vault().decrypt(channel.login_channel_secret_enc) or ""
    id_token = exchange_login_code(
        base=channels.api_base(),
        code=code,
        redirect_uri=redirect_uri,
        client_id=channel.login_channel_id,
        client_secret=secret,
    )
    return verify_id_token(id_token, channel_id=channel.login_channel_id, channel_secret=secret, nonce=nonce)


def link_from_login(*, session: Session, shop: Shop, channel: LineChannel, row: LinkNonce, claims: dict) -> LineFriend:
    """Same provider ⇒ the Login `sub` is the Messaging API user id of that friend."""
    user_id = str(claims["sub"])[:64]
    friend = session.exec(
        select(LineFriend).where(LineFriend.shop_id == shop.id, LineFriend.line_user_id == user_id)
    ).first()
    if friend is None:
        friend = LineFriend(
            shop_id=shop.id,
            channel_id=channel.id,
            line_user_id=user_id,
            display_name=(claims.get("name") or "")[:255] or None,
            picture_url=claims.get("picture"),
            followed_at=utcnow(),
        )
        session.add(friend)
        session.flush()
        rollups.followed(session=session, shop_id=shop.id, before=None, after=friend.followed_at)
    customer = customer_links.customer_by_shopify_id(session=session, shop=shop, shopify_id=row.customer_shopify_id)
    customer_links.link(
        session=session, shop=shop, friend=friend, customer=customer, method="login", actor=f"line:{user_id}"
    )
    return friend
