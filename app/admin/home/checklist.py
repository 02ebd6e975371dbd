"""Home's setup checklist: each step of getting started, done or not, read from what the
webhooks, the catalog sync and the merchant's settings left in the database. An item
carries text keys (admin.home.<key>.title, admin.home.<detail>) and the values they need.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from ...flows.config import flow_settings
from ...flows.registry import automations
from ...formatting import local_time
from ...models import LineChannel, LineFriend, Product, Shop
from ...sync.catalog import last_sync


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    done: bool
    detail: str  # the text key of what to say under it
    values: dict


def _count(*, session: Session, statement) -> int:
    return session.exec(statement).one() or 0


def _line_item(channel: LineChannel | None) -> ChecklistItem:
    connected = bool(channel and channel.connected_at and not channel.disconnected_at)
    name = {"name": channel.display_name if channel else ""}
    if not connected:
        return ChecklistItem("check.line", False, "check.line.todo", name)
    if channel.webhook_error:
        return ChecklistItem("check.line", False, "check.line.webhook_error", {**name, "error": channel.webhook_error})
    if not channel.webhook_ok_at:
        return ChecklistItem("check.line", False, "check.line.webhook_unchecked", name)
    return ChecklistItem("check.line", True, "check.line.ok", name)


def _catalog_item(*, session: Session, shop: Shop) -> ChecklistItem:
    products = _count(
        session=session,
        statement=select(func.count())
        .select_from(Product)
        .where(Product.shop_id == shop.id, Product.deleted_at.is_(None)),
    )
    active = _count(
        session=session,
        statement=select(func.count())
        .select_from(Product)
        .where(Product.shop_id == shop.id, Product.deleted_at.is_(None), Product.status == "active"),
    )
    sync = last_sync(session=session, shop=shop)
    values = {
        "count": f"{products:,}",
        "active": f"{active:,}",
        "at": local_time(sync.finished_at, shop.timezone) if sync and sync.finished_at else "—",
        "error": (sync.error or "") if sync else "",
    }
    if sync is not None and sync.status == "failed":
        return ChecklistItem("check.catalog", False, "check.catalog.failed", values)
    if sync is not None and sync.status != "completed":
        return ChecklistItem("check.catalog", False, "check.catalog.running", values)
    return ChecklistItem(
        "check.catalog", products > 0, "check.catalog.ok" if products else "check.catalog.todo", values
    )


def _flows_item(shop: Shop) -> ChecklistItem:
    on = [flow for flow in automations() if flow_settings(shop, flow).get("enabled")]
    return ChecklistItem("check.flows", bool(on), "check.flows.ok" if on else "check.flows.todo", {"count": len(on)})


def _link_item(*, session: Session, shop: Shop) -> ChecklistItem:
    """We cannot see the theme: a friend linked through LINE Login proves the button is
    there; otherwise the merchant's own tick says so."""
    by_login = _count(
        session=session,
        statement=select(func.count())
        .select_from(LineFriend)
        .where(LineFriend.shop_id == shop.id, LineFriend.link_method == "login"),
    )
    ticked = bool(((shop.settings or {}).get("checklist") or {}).get("link_button"))
    detail = "check.link.ok_login" if by_login else "check.link.ok_tick" if ticked else "check.link.todo"
    return ChecklistItem(
        "check.link",
        bool(by_login or ticked),
        detail,
        {"count": f"{by_login:,}", "ticked": ticked, "tickable": not by_login},
    )


def setup_checklist(*, session: Session, shop: Shop) -> list[ChecklistItem]:
    channel = session.exec(select(LineChannel).where(LineChannel.shop_id == shop.id)).first()
    store_ok = shop.is_installed
    return [
        ChecklistItem(
            "check.store",
            store_ok,
            "check.store.ok" if store_ok else "check.store.todo",
            {"shop": shop.name or shop.domain},
        ),
        _line_item(channel),
        _catalog_item(session=session, shop=shop),
        _flows_item(shop),
        _link_item(session=session, shop=shop),
    ]
