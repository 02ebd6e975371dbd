"""Finding products for what a shopper typed: every word must match (AND), synonyms widen a
word (OR), and the ranking is: exact title, title prefix, title contains the query, every
word in the title, every word in title/tags/type/vendor, anywhere else; then in stock
first, then recent best sellers.

SQLite answers through the FTS5 trigram index, PostgreSQL through pg_trgm; the ranking is
the same SQL on both. (Within "title contains the query", a product whose tags, type
or vendor match too comes first.) Words under three characters cannot use a trigram index: when a
query has only such words, the scan walks products best sellers first and stops after
FALLBACK_CANDIDATES matches (a bounded fallback).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, literal_column, or_, select, text
from sqlmodel import Session

from ..models import Product, ProductSearch, ProductVariant, Shop, SynonymGroup
from .normalize import normalize, terms

TRIGRAM = 3
FALLBACK_CANDIDATES = 1000
S = ProductSearch


@dataclass(frozen=True)
class Found:
    product: Product
    variants: list[ProductVariant]
    in_stock: bool


@dataclass(frozen=True)
class Results:
    query: str  # normalised
    found: list[Found]
    more: bool  # more matches than were returned


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def synonyms_for(session: Session, shop: Shop) -> list[list[str]]:
    groups = session.exec(select(SynonymGroup.terms).where(SynonymGroup.shop_id == shop.id)).scalars().all()
    return [[normalize(t) for t in group if normalize(t)] for group in groups]


def expand(words: list[str], groups: list[list[str]]) -> list[list[str]]:
    """Each word with the other words of its synonym groups."""
    expanded = []
    for word in words:
        alternatives = [word]
        for group in groups:
            if word in group:
                alternatives += [t for t in group if t not in alternatives]
        expanded.append(alternatives)
    return expanded


def _any_in(column, alternatives: list[str]):
    return or_(*[column.like(_like(a), escape="\\") for a in alternatives])


def _tier(query: str, expanded: list[list[str]]):
    in_title = _like(query)
    in_meta = or_(*[_any_in(S.meta, alts) for alts in expanded])
    return case(
        (S.title == query, 0),
        (S.title.like(in_title[1:], escape="\\"), 1),
        # "緑茶" in the title of a product whose type or tags say 緑茶 beats a 緑茶 soap
        (and_(S.title.like(in_title, escape="\\"), in_meta), 2),
        (S.title.like(in_title, escape="\\"), 3),
        (and_(*[_any_in(S.title, alts) for alts in expanded]), 4),
        (and_(*[or_(_any_in(S.title, alts), _any_in(S.meta, alts)) for alts in expanded]), 5),
        else_=6,
    )


def _candidates(session: Session, shop: Shop, expanded: list[list[str]]):
    """WHERE conditions that find the matching products, using the dialect's index."""
    long_words = [alts for alts in expanded if all(len(a) >= TRIGRAM for a in alts)]
    short_words = [alts for alts in expanded if alts not in long_words]
    conditions = [S.shop_id == shop.id, S.searchable.is_(True)]
    if session.get_bind().dialect.name == "sqlite" and long_words:
        match = " AND ".join("(" + " OR ".join(_fts_phrase(a) for a in alts) + ")" for alts in long_words)
        conditions.append(S.product_id.in_(
            select(literal_column("rowid")).select_from(text("product_fts"))
            .where(text("product_fts MATCH :fts_match").bindparams(fts_match=match))))
    else:
        conditions += [_any_in(S.doc, alts) for alts in long_words]
    conditions += [_any_in(S.doc, alts) for alts in short_words]
    if not long_words:  # only short words: bounded, best sellers first
        bounded = (select(S.product_id).where(S.shop_id == shop.id, S.searchable.is_(True),
                                              *[or_(_any_in(S.title, a), _any_in(S.meta, a)) for a in short_words])
                   .order_by(S.recent_sales.desc()).limit(FALLBACK_CANDIDATES))
        conditions.append(S.product_id.in_(bounded))
    return conditions


def search(session: Session, shop: Shop, query: str, *, limit: int = 10,
           groups: list[list[str]] | None = None) -> Results:
    words = terms(query)
    normalized = " ".join(words)
    if not words:
        return Results(normalized, [], False)
    expanded = expand(words, synonyms_for(session, shop) if groups is None else groups)
    statement = (select(S.product_id, S.in_stock)
                 .where(*_candidates(session, shop, expanded))
                 .order_by(_tier(normalized, expanded), S.in_stock.desc(), S.recent_sales.desc(), S.product_id)
                 .limit(limit + 1))
    hits = session.execute(statement).all()
    return Results(normalized, _load(session, hits[:limit]), len(hits) > limit)


def _load(session: Session, hits) -> list[Found]:
    if not hits:
        return []
    ids = [h.product_id for h in hits]
    products = {p.id: p for p in session.execute(select(Product).where(Product.id.in_(ids))).scalars()}
    variants: dict[int, list[ProductVariant]] = {}
    for v in session.execute(select(ProductVariant).where(ProductVariant.product_id.in_(ids))
                             .order_by(ProductVariant.position)).scalars():
        variants.setdefault(v.product_id, []).append(v)
    return [Found(products[h.product_id], variants.get(h.product_id, []), h.in_stock) for h in hits]
