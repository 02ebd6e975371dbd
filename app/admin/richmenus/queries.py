"""What the rich menu pages and API read: the shop's menus and rules, as JSON."""

from __future__ import annotations

import base64
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from ...models import RichMenu, RichMenuRule, Shop
from ...timeutil import as_utc


def menus_of(*, session: Session, shop: Shop) -> list[RichMenu]:
    query = (
        select(RichMenu).where(RichMenu.shop_id == shop.id).order_by(RichMenu.tab_set, RichMenu.tab_index, RichMenu.id)
    )
    return list(session.execute(query).scalars())


def rules_of(*, session: Session, shop: Shop) -> list[RichMenuRule]:
    query = select(RichMenuRule).where(RichMenuRule.shop_id == shop.id).order_by(RichMenuRule.priority, RichMenuRule.id)
    return list(session.execute(query).scalars())


def menu_json(menu: RichMenu, *, image: bool = False) -> dict:
    """The menu's fields; with `image`, the stored image as a data URL (the preview shows
    exactly the bytes LINE gets)."""
    body = {
        "id": menu.id,
        "name": menu.name,
        "size": menu.size,
        "chat_bar_text": menu.chat_bar_text,
        "areas": menu.areas,
        "drawing": menu.drawing,
        "tab_set": menu.tab_set,
        "tab_index": menu.tab_index,
        "alias_id": menu.alias_id,
        "is_default": menu.is_default,
        "status": menu.status,
        "live": menu.line_rich_menu_id is not None,
        "published_at": menu.published_at.isoformat() if menu.published_at else None,
        "publish_error": menu.publish_error,
        "image_bytes": len(menu.image) if menu.image else 0,
    }
    if image:
        encoded = base64.b64encode(menu.image).decode() if menu.image else None
        body["image"] = f"data:{menu.image_type};base64,{encoded}" if encoded else None
    return body


def _local(moment, timezone: str | None) -> str | None:
    """The instant as the shop's local time to the minute ("2026-12-10T10:00"), for the form."""
    if moment is None or timezone is None:
        return None
    return as_utc(moment).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")


def rule_json(rule: RichMenuRule, *, timezone: str | None = None) -> dict:
    """The rule; with the shop's `timezone`, its period as local times too."""
    return {
        "id": rule.id,
        "menu_id": rule.menu_id,
        "priority": rule.priority,
        "kind": rule.kind,
        "segment_id": rule.segment_id,
        "starts_at": rule.starts_at.isoformat() if rule.starts_at else None,
        "ends_at": rule.ends_at.isoformat() if rule.ends_at else None,
        "starts_local": _local(rule.starts_at, timezone),
        "ends_local": _local(rule.ends_at, timezone),
    }
