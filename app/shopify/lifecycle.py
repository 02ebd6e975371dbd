"""Install, uninstall and scope changes of a shop."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..models import Notification, NotificationStatus, Shop
from ..sync.common import text
from ..timeutil import utcnow
from ..tracking import rollups


def uninstall(*, session: Session, shop: Shop, at: datetime | None = None) -> int:
    """Stop everything: forget the tokens, mark the shop, cancel every pending message.

    Returns how many notifications were cancelled.
    """
    now = utcnow()
    shop.access_token_enc = None
    shop.refresh_token_enc = None
    shop.access_token_expires_at = None
    shop.refresh_token_expires_at = None
    shop.uninstalled_at = at or now
    session.add(shop)
    return rollups.set_status(
        session=session,
        where=(Notification.shop_id == shop.id, Notification.status.in_(NotificationStatus.PENDING)),
        values={"status": NotificationStatus.CANCELLED, "reason": "app_uninstalled", "updated_at": now},
    )


def update_scopes(*, shop: Shop, payload: dict) -> None:
    current = payload.get("current")
    if isinstance(current, list):
        shop.scopes = text(",".join(str(s) for s in current if isinstance(s, str))) or ""


def mark_installed(*, shop: Shop) -> None:
    """A (re)install: the shop is live again from now on."""
    if shop.installed_at is None or shop.uninstalled_at is not None:
        shop.installed_at = utcnow()
    shop.uninstalled_at = None
