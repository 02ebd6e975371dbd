"""A shop's LINE channel: finding it, reading its secrets, and a client that can send."""

from __future__ import annotations

from sqlmodel import Session, select

from ..ext import cache, settings, vault
from ..models import LineChannel, LineDryRun, Shop
from .client import ApiClients, LineClient
from .pacing import Pacer


class ChannelUnavailable(RuntimeError):
    """The channel was disconnected, or its token cannot be read: nothing may be sent."""


def by_destination(*, session: Session, destination: str) -> LineChannel | None:
    """The channel whose bot is `destination`, unless the merchant disconnected it."""
    channel = session.exec(select(LineChannel).where(LineChannel.bot_user_id == destination)).first()
    if channel is None or channel.disconnected_at is not None or not channel.channel_secret_enc:
        return None
    return channel


def for_shop(*, session: Session, shop: Shop) -> LineChannel | None:
    return session.exec(select(LineChannel).where(LineChannel.shop_id == shop.id)).first()


def api_base() -> str:
    return settings().line_api_base


def secret(channel: LineChannel) -> str | None:
    return vault().decrypt(channel.channel_secret_enc)


def client_for(
    channel: LineChannel, *, shop: Shop, session: Session | None = None, captured: list | None = None
) -> LineClient:
    """A dry run (settings) records each request into line_dry_runs through `session`, or
    into the `captured` list for the caller to store later."""
    if channel.disconnected_at is not None:
        raise ChannelUnavailable(f"LINE channel of shop {shop.id} is disconnected")
    s = settings()
    dry_run = s.dry_run
    token = vault().decrypt(channel.access_token_enc) or ""
    if not token and not dry_run:
        raise ChannelUnavailable(f"LINE access token of shop {shop.id} is missing")

    def capture(kind: str, path: str, body: dict, retry_key: str | None) -> None:
        if session is not None:
            session.add(
                LineDryRun(shop_id=shop.id, channel_id=channel.id, kind=kind, path=path, retry_key=retry_key, body=body)
            )
        elif captured is not None:
            captured.append((kind, path, body, retry_key))

    return LineClient(
        host=s.line_api_base,
        access_token=token or "dry-run",
        channel_key=str(channel.id),
        dry_run=dry_run,
        capture=capture,
        pacer=Pacer.shared(s.line_rate_share),
        api_clients=cache(ApiClients),
        data_host=s.line_data_api_base,
    )


def store_captured(*, session: Session, shop_id: int, channel_id: int, captured: list) -> None:
    """Record the dry-run requests a client captured into a list (`client_for(captured=…)`),
    after the call, in the caller's write transaction."""
    for kind, path, body, retry_key in captured:
        session.add(
            LineDryRun(shop_id=shop_id, channel_id=channel_id, kind=kind, path=path, retry_key=retry_key, body=body)
        )
