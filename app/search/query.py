"""Finding products for what a shopper typed: every word must match (AND), synonyms widen a
word (OR), and the ranking is: exact title, title prefix, title contains the query, every
word in the title, every word in title/tags/type/vendor, anywhere else; then in stock
first, then recent best sellers.

SQLite answers through the FTS5 trigram index, PostgreSQL through pg_trgm; the ranking is
the same SQL on both. (Within "title contains the query", a product whose tags, type
or vendor match too comes first.) Words under three characters cannot use a trigram
index; they are looked up as whole pieces of titles, tags, types and vendors in a grams
index (product_grams / a GIN array), so "茶" or "靴下" are as fast as longer words.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, and_, case, cast, func, literal, literal_column, or_, select, text, union
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlmodel import Session

from ..models import Product, ProductSearch, ProductVariant, Shop, SynonymGroup
from .normalize import normalize, terms

TRIGRAM = 3
# Matches beyond this many per index lookup are not ranked: a word found in tens of
# thousands of products would otherwise be ranked row by row. Title matches come first.
CAP = 2000
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


def _short(value: str) -> bool:
    return len(value) < TRIGRAM


def _has_gram(alternative: str, sqlite: bool):
    """The product's title/meta has this 1-2 character word piece (an exact token)."""
    if sqlite:
        return S.grams.like(_like(f" {alternative} "), escape="\\")
    # The same expression as the GIN index (ix_product_search_grams), so it is used.
    return func.string_to_array(S.grams, literal_column("' '")).op("@>")(cast(array([alternative]), ARRAY(Text)))


def _word_matches(alternatives: list[str], sqlite: bool):
    """Exact condition for one query word (any of its synonyms)."""
    return or_(*[_has_gram(a, sqlite) if _short(a) else S.doc.like(_like(a), escape="\\")
                 for a in alternatives])


def _driver(session: Session, shop: Shop, expanded: list[list[str]], sqlite: bool):
    """A capped set of candidate ids from an index: the first word's matches (a word
    with no short synonyms preferred, so the trigram index does the work), title
    matches first so the best-ranked products are never cut off."""
    alts = max(expanded, key=lambda a: (not any(_short(x) for x in a), min(len(x) for x in a)))
    if sqlite:
        long_alts, short_alts = [a for a in alts if not _short(a)], [a for a in alts if _short(a)]
        parts = []
        if long_alts:
            phrase = " OR ".join(_fts_phrase(a) for a in long_alts)
            parts += [_fts_ids("product_fts", f"title : ({phrase})"), _fts_ids("product_fts", f"({phrase})")]
        if short_alts:
            parts.append(_fts_ids("product_grams", " OR ".join(_fts_phrase(a) for a in short_alts)))
        return _union(parts)
    scoped = [S.shop_id == shop.id, S.searchable.is_(True)]
    title_first = (select(S.product_id.label("id")).where(*scoped, or_(
        *[S.title.like(_like(a), escape="\\") for a in alts if not _short(a)] or [literal(False)])).limit(CAP))
    anywhere = select(S.product_id.label("id")).where(*scoped, _word_matches(alts, sqlite)).limit(CAP)
    return _union([title_first, anywhere])


def _fts_ids(table: str, match: str):
    return (select(literal_column("rowid").label("id")).select_from(text(table))
            .where(text(f"{table} MATCH :match").bindparams(match=match)).limit(CAP))


def _union(parts: list):
    """The ids of several capped lookups (each wrapped: SQLite allows no LIMIT inside UNION)."""
    wrapped = [select(part.subquery().c.id) for part in parts]
    return union(*wrapped) if len(wrapped) > 1 else wrapped[0]


def _candidates(session: Session, shop: Shop, expanded: list[list[str]]):
    """WHERE conditions: every word matches, drawn from an indexed, capped candidate set."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    # On SQLite `+ 0` keeps the planner off the (shop, searchable) index, which would
    # walk every product of the shop instead of starting from the FTS hits.
    shop_column = S.shop_id + 0 if sqlite else S.shop_id
    conditions = [shop_column == shop.id, S.searchable.is_(True),
                  S.product_id.in_(_driver(session, shop, expanded, sqlite))]
    if sqlite:
        return conditions + [_word_matches(alts, sqlite) for alts in expanded]
    # On PostgreSQL the words are checked as plain filters (strpos, which no index serves):
    # with LIKE the planner would also probe the trigram index for every word, guess one
    # row, and nest-loop it against the candidate set (250 ms on 100,000 products).
    return conditions + [or_(*[func.strpos(S.grams if _short(a) else S.doc, f" {a} " if _short(a) else a) > 0
                               for a in alts]) for alts in expanded]


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
