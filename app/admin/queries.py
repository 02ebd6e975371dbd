"""What the admin pages show, read from the same tables the webhooks fill."""

from __future__ import annotations

from dataclasses import dataclass

import segno
from sqlalchemy import func
from sqlmodel import Session, select

from ..flows.config import DEFAULTS, flow_settings
from ..formatting import local_time
from ..line import connect, texts
from ..models import (
    CatalogSync,
    Customer,
    KeywordRule,
    LineChannel,
    LineFriend,
    Order,
    Product,
    ProductSearch,
    Shop,
    SynonymGroup,
    WebhookEvent,
    WebhookStatus,
)
from ..search import stats
from ..sync.catalog import last_sync
from ..timeutil import utcnow


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    done: bool
    detail: str  # translation key
    values: dict


def _count(session: Session, statement) -> int:
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


def _catalog_item(session: Session, shop: Shop) -> ChecklistItem:
    products = _count(
        session,
        select(func.count()).select_from(Product).where(Product.shop_id == shop.id, Product.deleted_at.is_(None)),
    )
    active = _count(
        session,
        select(func.count())
        .select_from(Product)
        .where(Product.shop_id == shop.id, Product.deleted_at.is_(None), Product.status == "active"),
    )
    sync = last_sync(session, shop)
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
    on = [flow for flow in DEFAULTS if flow_settings(shop, flow).get("enabled")]
    return ChecklistItem("check.flows", bool(on), "check.flows.ok" if on else "check.flows.todo", {"count": len(on)})


def _link_item(session: Session, shop: Shop) -> ChecklistItem:
    """We cannot see the theme: a friend linked through LINE Login proves the button is
    there; otherwise the merchant's own tick says so."""
    by_login = _count(
        session,
        select(func.count())
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
    store_ok = shop.is_demo or shop.is_installed
    return [
        ChecklistItem(
            "check.store",
            store_ok,
            "check.store.ok" if store_ok else "check.store.todo",
            {"shop": shop.name or shop.domain},
        ),
        _line_item(channel),
        _catalog_item(session, shop),
        _flows_item(shop),
        _link_item(session, shop),
    ]


def store_stats(*, session: Session, shop: Shop) -> dict[str, int]:
    def count(model, *where) -> int:
        return _count(session, select(func.count()).select_from(model).where(model.shop_id == shop.id, *where))

    return {
        "stats.customers": count(Customer),
        "stats.orders": count(Order),
        "stats.friends": count(LineFriend, LineFriend.is_blocked.is_(False)),
        "stats.linked": count(LineFriend, LineFriend.customer_id.is_not(None)),
    }


def failed_webhooks(*, session: Session, shop: Shop, limit: int = 20) -> list[WebhookEvent]:
    return list(
        session.exec(
            select(WebhookEvent)
            .where(WebhookEvent.shop_id == shop.id, WebhookEvent.status == WebhookStatus.FAILED)
            .order_by(WebhookEvent.received_at.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class LineSettings:
    channel: LineChannel | None
    connected: bool
    add_friend_url: str | None
    qr_svg: str | None
    friends: int
    greeting: str
    welcome_back: str
    custom_greeting: str
    custom_welcome_back: str
    coupon_code: str
    english: bool
    proxy_login_url: str


def line_settings(*, session: Session, shop: Shop) -> LineSettings:
    channel = session.exec(select(LineChannel).where(LineChannel.shop_id == shop.id)).first()
    connected = bool(channel and channel.connected_at and not channel.disconnected_at)
    url = connect.add_friend_url(channel) if connected else None
    custom = (shop.settings or {}).get("line_texts") or {}
    return LineSettings(
        channel=channel,
        connected=connected,
        add_friend_url=url,
        qr_svg=segno.make(url, error="m").svg_inline(scale=4, dark="#111", border=2) if url else None,
        friends=_count(
            session,
            select(func.count())
            .select_from(LineFriend)
            .where(LineFriend.shop_id == shop.id, LineFriend.is_blocked.is_(False)),
        ),
        greeting=texts.text(shop, "greeting", "ja"),
        welcome_back=texts.text(shop, "welcome_back", "ja"),
        custom_greeting=(custom.get("greeting") or {}).get("ja", ""),
        custom_welcome_back=(custom.get("welcome_back") or {}).get("ja", ""),
        coupon_code=(shop.settings or {}).get("line_coupon_code") or "",
        english=(shop.settings or {}).get("line_english", True),
        proxy_login_url=f"https://{shop.domain}/apps/tsunagu/login",
    )


@dataclass(frozen=True)
class RuleRow:
    rule: KeywordRule
    matches: int


@dataclass(frozen=True)
class SearchPage:
    rules: list[RuleRow]
    free_text_searches: int
    zero_results: list[tuple[str, int]]
    synonyms_text: str
    sync: CatalogSync | None
    searchable: int


def search_page(*, session: Session, shop: Shop) -> SearchPage:
    now = utcnow()
    counts = stats.rule_counts(session, shop, now)
    rules = session.exec(
        select(KeywordRule).where(KeywordRule.shop_id == shop.id).order_by(KeywordRule.position, KeywordRule.id)
    ).all()
    groups = session.exec(select(SynonymGroup).where(SynonymGroup.shop_id == shop.id).order_by(SynonymGroup.id)).all()
    return SearchPage(
        rules=[RuleRow(r, counts.get(r.id, 0)) for r in rules],
        free_text_searches=counts.get(None, 0),
        zero_results=stats.zero_result_searches(session, shop, now),
        synonyms_text="\n".join(", ".join(g.terms) for g in groups),
        sync=last_sync(session, shop),
        searchable=_count(
            session,
            select(func.count())
            .select_from(ProductSearch)
            .where(ProductSearch.shop_id == shop.id, ProductSearch.searchable.is_(True)),
        ),
    )
