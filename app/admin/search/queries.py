"""What the product search page reads: keyword rules with their recent matches, searches
that found nothing, synonym groups, the catalog sync and how many products are searchable."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from ...models import CatalogSync, KeywordRule, ProductSearch, Shop, SynonymGroup
from ...search import stats
from ...sync.catalog import last_sync
from ...timeutil import utcnow


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
    counts = stats.rule_counts(session=session, shop=shop, now=now)
    rules = session.exec(
        select(KeywordRule).where(KeywordRule.shop_id == shop.id).order_by(KeywordRule.position, KeywordRule.id)
    ).all()
    groups = session.exec(select(SynonymGroup).where(SynonymGroup.shop_id == shop.id).order_by(SynonymGroup.id)).all()
    searchable = session.exec(
        select(func.count())
        .select_from(ProductSearch)
        .where(ProductSearch.shop_id == shop.id, ProductSearch.searchable.is_(True))
    ).one()
    return SearchPage(
        rules=[RuleRow(r, counts.get(r.id, 0)) for r in rules],
        free_text_searches=counts.get(None, 0),
        zero_results=stats.zero_result_searches(session=session, shop=shop, now=now),
        synonyms_text="\n".join(", ".join(g.terms) for g in groups),
        sync=last_sync(session=session, shop=shop),
        searchable=searchable or 0,
    )
