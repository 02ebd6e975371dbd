"""Offline, expiring access tokens: exchanged on first load, refreshed before they lapse.

Tokens and refresh tokens are stored encrypted (Fernet); plaintext lives only in memory.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from shopify_app import IdTokenDetails, Res, TokenExchangeAccessToken
from sqlmodel import Session, select, update

from ..db import session_scope
from ..ext import settings, vault
from ..models import Shop
from ..timeutil import parse_ts, utcnow
from ..write_guard import writing
from .http import shared_client
from .lifecycle import mark_installed
from .sdk import shopify_app

log = logging.getLogger("tsunagu.tokens")


class TokenUnavailable(RuntimeError):
    """No usable access token: the merchant has to open the app again."""


def _iso(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _token_columns(shop: Shop, token: TokenExchangeAccessToken) -> dict:
    v = vault()
    columns = {
        "access_token_enc": v.encrypt(token.token),
        "access_token_expires_at": parse_ts(token.expires),
        "scopes": token.scope or shop.scopes,
        "token_error": None,
    }
    if token.refresh_token:
        columns["refresh_token_enc"] = v.encrypt(token.refresh_token)
        columns["refresh_token_expires_at"] = parse_ts(token.refresh_token_expires)
    return columns


def store_token(shop: Shop, token: TokenExchangeAccessToken) -> None:
    for name, value in _token_columns(shop, token).items():
        setattr(shop, name, value)


def _keep(shop: Shop, columns: dict) -> None:
    """Set `columns` on `shop` and store them at once, in a transaction of their own: a
    rotated refresh token is the only one that works from now on, so it must not wait on
    (or be lost with) the caller's unit of work. A caller that holds a write transaction
    (which the write guard reports) stores them with its own commit instead."""
    for name, value in columns.items():
        setattr(shop, name, value)
    if shop.id is None or writing() is not None:
        return
    with session_scope() as session:
        session.execute(update(Shop).where(Shop.id == shop.id).values(**columns))


def token_is_fresh(shop: Shop, now: datetime, margin_s: int | None = None) -> bool:
    if not shop.access_token_enc or shop.uninstalled_at is not None:
        return False
    if shop.access_token_expires_at is None:  # a non-expiring token
        return True
    margin = timedelta(seconds=settings().token_refresh_margin_s if margin_s is None else margin_s)
    return shop.access_token_expires_at - margin > now


def refresh(shop: Shop, now: datetime | None = None) -> bool:
    """Rotate the token pair with the refresh token. True when the shop now has a fresh token."""
    now = now or utcnow()
    refresh_token = vault().decrypt(shop.refresh_token_enc)
    if not refresh_token or (shop.refresh_token_expires_at and shop.refresh_token_expires_at <= now):
        return False
    # We decide when a token is due (our margin, or the job's --now); the package only
    # refreshes within 60 s of expiry by the wall clock, so tell it the token is due now.
    due = utcnow()
    if shop.access_token_expires_at is not None:
        due = min(due, shop.access_token_expires_at)
    result = shopify_app().refresh_token_exchanged_access_token(
        {
            "shop": shop.subdomain,
            "refresh_token": refresh_token,
            "access_mode": "offline",
            "expires": _iso(due),
            "refresh_token_expires": _iso(shop.refresh_token_expires_at),
        },
        http_client=shared_client(),
    )
    if result.ok and result.access_token is not None:
        _keep(shop, _token_columns(shop, result.access_token))
        return True
    if result.ok:  # still valid by the package's reckoning
        return True
    failed: dict = {"token_error": result.log.code}
    if result.log.code in ("invalid_grant", "refresh_token_expired"):
        failed["refresh_token_enc"] = None
    _keep(shop, failed)
    log.warning("token refresh failed shop=%s code=%s", shop.domain, result.log.code)
    return False


def ensure_offline_token(
    *, session: Session, shop: Shop, id_token: IdTokenDetails, invalid_token_response: Res | None
) -> Res | None:
    """Make sure the shop holds a fresh offline token; None on success, else the response to send."""
    now = utcnow()
    if token_is_fresh(shop, now) or (shop.uninstalled_at is None and refresh(shop, now)):
        mark_installed(shop=shop)
        return None
    result = shopify_app().exchange_using_token_exchange(
        "offline",
        id_token=id_token,
        invalid_token_response=invalid_token_response,
        expiring=True,
        http_client=shared_client(),
    )
    if not result.ok or result.access_token is None:
        log.warning("token exchange failed shop=%s code=%s", shop.domain, result.log.code)
        shop.token_error = result.log.code
        session.commit()
        return result.response
    store_token(shop, result.access_token)
    mark_installed(shop=shop)
    session.commit()
    log.info("offline token stored shop=%s expires=%s", shop.domain, shop.access_token_expires_at)
    return None


def access_token(shop: Shop) -> str:
    """The plaintext token for an API call, refreshed first when due."""
    if not token_is_fresh(shop, utcnow()) and not refresh(shop):
        raise TokenUnavailable(f"no usable access token for {shop.domain}")
    token = vault().decrypt(shop.access_token_enc)
    if not token:
        raise TokenUnavailable(f"stored token for {shop.domain} cannot be decrypted")
    return token


def refresh_expiring_tokens(*, session: Session, now: datetime) -> dict[str, int]:
    """Worker job: rotate every installed shop's token that falls due before the next run."""
    horizon = now + timedelta(seconds=settings().token_refresh_margin_s)
    shops = session.exec(
        select(Shop).where(
            Shop.uninstalled_at.is_(None), Shop.refresh_token_enc.is_not(None), Shop.access_token_expires_at <= horizon
        )
    ).all()
    session.commit()  # Shopify is never waited on inside a write transaction; refresh() stores each
    counts = {"refreshed": 0, "failed": 0}
    for shop in shops:
        ok = refresh(shop, now)
        counts["refreshed" if ok else "failed"] += 1
    return counts
