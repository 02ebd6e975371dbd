"""What shoppers searched for: the log, popular keywords, and the merchant's numbers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from ..models import LineFriend, Product, ProductSearch, SearchLog, Shop
from ..shopify_flow import triggers as flow_triggers

WINDOW = timedelta(days=30)


def log_search(
    *,
    session: Session,
    shop: Shop,
    query: str,
    shown: str,
    results: int,
    rule_id: int | None = None,
    friend_id: int | None = None,
) -> None:
    """`friend_id` lets an erasure request take the shopper's words with them."""
    if query:
        entry = SearchLog(
            shop_id=shop.id,
            query=query[:200],
            shown=" ".join(shown.split())[:200],
            results=results,
            rule_id=rule_id,
            friend_id=friend_id,
        )
        session.add(entry)
        if results == 0 and rule_id is None and friend_id is not None:
            session.flush()
            flow_triggers.fire(
                session=session,
                shop_id=shop.id,
                handle=flow_triggers.SEARCH_NO_RESULT,
                key=f"search:{entry.id}",
                friend=session.get(LineFriend, friend_id),
                fields={"Keyword": entry.shown},
            )


def popular_keywords(*, session: Session, shop: Shop, now: datetime, limit: int = 5) -> list[str]:
    """Searches that found something lately; the store's product types when there are none."""
    found = session.exec(
        select(func.max(SearchLog.shown), func.count().label("n"))
        .where(
            SearchLog.shop_id == shop.id,
            SearchLog.created_at >= now - WINDOW,
            SearchLog.results > 0,
            SearchLog.rule_id.is_(None),
        )
        .group_by(SearchLog.query)
        .order_by(func.count().desc(), SearchLog.query)
        .limit(limit)
    ).all()
    words = [q for q, _n in found]
    if len(words) < limit:
        types = session.exec(
            select(Product.product_type, func.count().label("n"))
            .join(ProductSearch, ProductSearch.product_id == Product.id)
            .where(Product.shop_id == shop.id, ProductSearch.searchable.is_(True), Product.product_type != "")
            .group_by(Product.product_type)
            .order_by(func.count().desc())
            .limit(limit)
        ).all()
        words += [t for t, _n in types if t not in words]
    return words[:limit]


def rule_counts(*, session: Session, shop: Shop, now: datetime) -> dict[int | None, int]:
    """Matches per rule in the last 30 days; the None key counts free-text searches."""
    rows = session.exec(
        select(SearchLog.rule_id, func.count())
        .where(SearchLog.shop_id == shop.id, SearchLog.created_at >= now - WINDOW)
        .group_by(SearchLog.rule_id)
    ).all()
    return {rule_id: n for rule_id, n in rows}


def zero_result_searches(*, session: Session, shop: Shop, now: datetime, limit: int = 20) -> list[tuple[str, int]]:
    return [
        (q, n)
        for q, n in session.exec(
            select(func.max(SearchLog.shown), func.count())
            .where(
                SearchLog.shop_id == shop.id,
                SearchLog.created_at >= now - WINDOW,
                SearchLog.results == 0,
                SearchLog.rule_id.is_(None),
            )
            .group_by(SearchLog.query)
            .order_by(func.count().desc(), SearchLog.query)
            .limit(limit)
        ).all()
    ]
