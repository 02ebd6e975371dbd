"""Connecting (and disconnecting) a shop's LINE Official Account.

The merchant pastes the Messaging API channel secret and access token. The token is
checked with LINE's bot info (which also gives the bot's user id, the webhook
`destination`); the secret is checked by LINE's own webhook test, which signs a request
to our endpoint with the real secret: a 400 from us means the pasted secret is wrong.
Nothing the merchant had before is lost when a new attempt fails.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from ..ext import settings, vault
from ..i18n import t
from ..models import LineChannel, Shop
from ..timeutil import utcnow
from .client import LineClient, LineError

log = logging.getLogger("tsunagu.line")

SECRET_RE = re.compile(r"^[0-9a-f]{32}$")
LOGIN_ID_RE = re.compile(r"^[0-9]{6,20}$")
KEPT_FIELDS = (
    "channel_id",
    "bot_user_id",
    "basic_id",
    "display_name",
    "picture_url",
    "channel_secret_enc",
    "access_token_enc",
    "login_channel_id",
    "login_channel_secret_enc",
    "webhook_ok_at",
    "webhook_error",
    "connected_at",
    "disconnected_at",
)


@dataclass
class Outcome:
    ok: bool
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message
    message: str = ""


def validate(form: dict, lang: str) -> dict[str, str]:
    errors = {}
    if not form.get("channel_secret"):
        errors["channel_secret"] = t("line.connect.required", lang)
    elif not SECRET_RE.match(form["channel_secret"]):
        errors["channel_secret"] = t("line.connect.secret_format", lang)
    if not form.get("access_token"):
        errors["access_token"] = t("line.connect.required", lang)
    login_id, login_secret = form.get("login_channel_id"), form.get("login_channel_secret")
    if bool(login_id) != bool(login_secret):
        errors["login_channel_id" if not login_id else "login_channel_secret"] = t("line.connect.login_pair", lang)
    elif login_id and not LOGIN_ID_RE.match(login_id):
        errors["login_channel_id"] = t("line.connect.login_id_format", lang)
    elif login_secret and not SECRET_RE.match(login_secret):
        errors["login_channel_secret"] = t("line.connect.secret_format", lang)
    return errors


def _clean(form: dict) -> dict:
    return {
        k: str(form.get(k) or "").strip()
        for k in ("channel_secret", "access_token", "login_channel_id", "login_channel_secret")
    }


def connect(*, session: Session, shop: Shop, form: dict, lang: str) -> Outcome:
    form = _clean(form)
    errors = validate(form, lang)
    if errors:
        return Outcome(False, errors)
    client = LineClient(host=settings().line_api_base, access_token=form["access_token"], channel_key="connect")
    session.commit()  # LINE is never waited on inside a write transaction (app/write_guard.py)
    try:
        info = client.bot_info()
    except LineError as exc:
        if exc.status in (401, 403):
            return Outcome(False, {"access_token": t("line.connect.token_rejected", lang)})
        return Outcome(False, message=t("line.connect.unreachable", lang))
    other = session.exec(
        select(LineChannel).where(LineChannel.bot_user_id == info["userId"], LineChannel.shop_id != shop.id)
    ).first()
    if other is not None:
        return Outcome(False, {"access_token": t("line.connect.taken", lang)})
    channel = session.exec(select(LineChannel).where(LineChannel.shop_id == shop.id)).first() or LineChannel(
        shop_id=shop.id
    )
    before = {name: getattr(channel, name) for name in KEPT_FIELDS}
    _store(channel, form, info)
    session.add(channel)
    session.commit()  # LINE's webhook test must find the channel and its new secret
    outcome = test_webhook(session=session, channel=channel, client=client, lang=lang)
    if not outcome.ok:
        for name, value in before.items():  # put back what worked before
            setattr(channel, name, value)
        session.add(channel)
        session.commit()
    return outcome


def _store(channel: LineChannel, form: dict, info: dict) -> None:
    v = vault()
    channel.bot_user_id = info["userId"]
    channel.basic_id = info.get("basicId")
    channel.display_name = info.get("displayName")
    channel.picture_url = info.get("pictureUrl")
    channel.channel_secret_enc = v.encrypt(form["channel_secret"])
    channel.access_token_enc = v.encrypt(form["access_token"])
    channel.login_channel_id = form["login_channel_id"] or None
    channel.login_channel_secret_enc = v.encrypt(form["login_channel_secret"]) if form["login_channel_secret"] else None
    channel.disconnected_at = None


def retest(*, session: Session, shop: Shop, lang: str) -> Outcome | None:
    """The merchant's "test the webhook" button: read the channel, commit, ask LINE, then
    write what LINE said in a short transaction of its own. None without a live channel."""
    channel = session.exec(select(LineChannel).where(LineChannel.shop_id == shop.id)).first()
    if channel is None or channel.disconnected_at is not None:
        return None
    client = LineClient(
        host=settings().line_api_base,
        access_token=vault().decrypt(channel.access_token_enc) or "",
        channel_key=str(channel.id),
    )
    session.commit()
    outcome = test_webhook(session=session, channel=channel, client=client, lang=lang)
    session.commit()
    return outcome


def test_webhook(*, session: Session, channel: LineChannel, client: LineClient, lang: str) -> Outcome:
    """Point LINE at our webhook and let LINE test it; the answer says whether the secret is
    right. The caller holds no write transaction (LINE calls our webhook meanwhile)."""
    endpoint = f"{settings().app_url}/line/webhook"
    try:
        client.set_webhook_endpoint(endpoint)
        result = client.test_webhook_endpoint(endpoint)
    except LineError as exc:
        log.warning("webhook test call failed status=%s", exc.status)
        return Outcome(False, message=t("line.connect.unreachable", lang))
    status = result.get("status_code") if "status_code" in result else result.get("statusCode")
    if result.get("success"):
        channel.webhook_ok_at = channel.connected_at = utcnow()
        channel.webhook_error = None
        session.add(channel)
        session.commit()
        return Outcome(True)
    if status == 400:
        return Outcome(False, {"channel_secret": t("line.connect.secret_rejected", lang)})
    detail = f"{result.get('reason') or ''} {status or ''}".strip()
    channel.webhook_error = detail
    return Outcome(False, message=t("line.connect.webhook_failed", lang, detail=detail))


def disconnect(*, session: Session, shop: Shop) -> bool:
    """Forget the secrets and stop every send; the friends and their links stay."""
    channel = session.exec(select(LineChannel).where(LineChannel.shop_id == shop.id)).first()
    if channel is None:
        return False
    channel.channel_secret_enc = channel.access_token_enc = channel.login_channel_secret_enc = None
    channel.connected_at = None
    channel.disconnected_at = utcnow()
    session.add(channel)
    session.commit()
    return True


def add_friend_url(channel: LineChannel) -> str | None:
    if not channel.basic_id:
        return None
    return "https://line.me/R/ti/p/" + channel.basic_id.replace("@", "%40")
