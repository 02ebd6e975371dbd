"""Finding products for what a shopper typed: every word must match (AND), synonyms widen a
word (OR), and the ranking is: exact title, title prefix, title contains the query, every
word in the title, every word in title/tags/type/vendor, anywhere else; then in stock
first, then recent best sellers.

SQLite answers through the FTS5 trigram index, PostgreSQL through pg_trgm; the ranking is
the same SQL on both. (Within "title contains the query", a product whose tags, type
or vendor match too comes first.) Words under three characters cannot use a trigram
index; they are looked up as whole pieces of titles, tags, types and vendors in a grams
index (product_grams / a GIN array), so "茶" or "靴下" are as fast as longer words.

When that finds nothing (or almost nothing), close matches follow (app/search/close.py):
close spellings of katakana words, then the products matching the most words.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, and_, bindparam, case, cast, func, literal_column, or_, select, text, union
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlmodel import Session

from ..models import Product, ProductSearch, ProductVariant, Shop, SynonymGroup
from .close import Pattern, loosened, runs, subsets, trigram_ready
from .normalize import normalize, terms

TRIGRAM = 3
# Matches beyond this many per index lookup are not ranked: a word found in tens of
# thousands of products would otherwise be ranked row by row. Title matches come first.
CAP = 2000
# PostgreSQL reads its candidates best sellers first (the shop_rank index, or the GIN
# lookups then a top-N sort, whichever the planner finds cheaper), so fewer of them
# hold the products the ranking puts on top: reading 2,000 rows of a common word is what
# made it slow.
PG_CAP = 300
CLOSE_BELOW = 3  # exact matches fewer than this: close spellings are added after them
DESCRIPTION_ONLY = 7  # the tier of a product some word matched only in its description
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
    close: bool = False  # nothing matched as typed: these are close matches
    description_only: bool = False  # no title, tag, type, vendor or variant had the words


def _like(value: str) -> str:
    if isinstance(value, Pattern):  # its "_" means any one character
        return "%" + value + "%"
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def synonyms_for(*, session: Session, shop: Shop) -> list[list[str]]:
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


def _tier(query: str, expanded: list[list[str]], c=S):
    in_title = _like(query)
    in_meta = or_(*[_any_in(c.meta, alts) for alts in expanded])
    return case(
        (c.title == query, 0),
        (c.title.like(in_title[1:], escape="\\"), 1),
        # "緑茶" in the title of a product whose type or tags say 緑茶 beats a 緑茶 soap
        (and_(c.title.like(in_title, escape="\\"), in_meta), 2),
        (c.title.like(in_title, escape="\\"), 3),
        (and_(*[_any_in(c.title, alts) for alts in expanded]), 4),
        (and_(*[or_(_any_in(c.title, alts), _any_in(c.meta, alts)) for alts in expanded]), 5),
        (
            and_(*[or_(_any_in(c.title, alts), _any_in(c.meta, alts), _any_in(c.variants, alts)) for alts in expanded]),
            6,
        ),
        else_=DESCRIPTION_ONLY,
    ).label("tier")


def _short(value: str) -> bool:
    return len(value) < TRIGRAM


def _has_gram(alternative: str, sqlite: bool):
    """The product's title/meta has this 1-2 character word piece (an exact token)."""
    if sqlite:
        return S.grams.like(_like(f" {alternative} "), escape="\\")
    # The same expression as the GIN index (ix_product_search_grams), so it is used.
    return func.string_to_array(S.grams, literal_column("' '")).op("@>")(cast(array([alternative]), ARRAY(Text)))


def _by_grams(alternative: str) -> bool:
    """A close spelling no trigram index can answer: found by the grams of its runs."""
    return isinstance(alternative, Pattern) and not trigram_ready(alternative)


def _one_matches(alternative: str, sqlite: bool):
    if _short(alternative):
        return _has_gram(alternative, sqlite)
    like = S.doc.like(_like(alternative), escape="\\")
    if _by_grams(alternative):
        return and_(*[_has_gram(run, sqlite) for run in runs(alternative)], like)
    return like


def _word_matches(alternatives: list[str], sqlite: bool):
    """Exact condition for one query word (any of its synonyms or close spellings)."""
    return or_(*[_one_matches(a, sqlite) for a in alternatives])


def driving_word(expanded: list[list[str]]) -> list[str]:
    """The word whose matches are looked up in an index: one with no short synonyms
    preferred (the trigram index does the work), then one with no close spellings, then
    the longest."""
    return max(
        expanded,
        key=lambda a: (
            not any(_short(x) for x in a),
            not any(isinstance(x, Pattern) for x in a),  # close spellings are many lookups
            min(len(x) for x in a),
        ),
    )


def _driver(*, session: Session, shop: Shop, expanded: list[list[str]]):
    """SQLite: a capped set of candidate ids from the FTS tables: the driving word's
    matches, title matches first so the best-ranked products are never cut off."""
    alts = driving_word(expanded)
    long_alts = [a for a in alts if not _short(a) and not isinstance(a, Pattern)]
    short_alts = [a for a in alts if _short(a)]
    parts = [_fts_like_ids(p) for p in alts if isinstance(p, Pattern) and not _by_grams(p)]
    parts += [_fts_ids("product_grams", " AND ".join(map(_fts_phrase, runs(p)))) for p in alts if _by_grams(p)]
    if long_alts:
        phrase = " OR ".join(_fts_phrase(a) for a in long_alts)
        parts += [_fts_ids("product_fts", f"title : ({phrase})"), _fts_ids("product_fts", f"({phrase})")]
    if short_alts:
        parts.append(_fts_ids("product_grams", " OR ".join(_fts_phrase(a) for a in short_alts)))
    return _union(parts)


def _pg_candidates(shop: Shop, expanded: list[list[str]]):
    """PostgreSQL: the capped candidates, carrying every column the ranking needs, so
    nothing joins back to the table (a join lets the planner pick a scan of every product).
    Every word is a condition of the index lookups (GIN answers them together: one
    selective word narrows a common one), so the cap counts real matches only."""
    alts = driving_word(expanded)
    columns = (S.product_id, S.in_stock, S.recent_sales, S.title, S.meta, S.variants)
    every = [S.shop_id == shop.id, S.searchable.is_(True), *[_word_matches(a, False) for a in expanded]]
    in_title = [S.title.like(_like(a), escape="\\") for a in alts if not _short(a) and not _by_grams(a)]
    best_first = (S.recent_sales.desc(),)  # the order of ix_product_search_shop_rank
    anywhere = select(*columns).where(*every).order_by(*best_first).limit(PG_CAP)
    if not in_title:
        return anywhere.subquery("candidates")
    title_first = select(*columns).where(*every, or_(*in_title)).order_by(*best_first).limit(PG_CAP)
    return union(title_first, anywhere).subquery("candidates")


def _fts_ids(table: str, match: str):
    return (
        select(literal_column("rowid").label("id"))
        .select_from(text(table))
        .where(text(f"{table} MATCH :match").bindparams(bindparam("match", match, unique=True)))
        .limit(CAP)
    )


def _fts_like_ids(pattern: Pattern):
    """A close spelling through the trigram index (FTS5 answers LIKE with `_` from it)."""
    return (
        select(literal_column("rowid").label("id"))
        .select_from(text("product_fts"))
        .where(text("product_fts.doc LIKE :pattern").bindparams(bindparam("pattern", _like(pattern), unique=True)))
        .limit(CAP)
    )


def _union(parts: list):
    """The ids of several capped lookups (each wrapped: SQLite allows no LIMIT inside UNION)."""
    wrapped = [select(part.subquery().c.id) for part in parts]
    return union(*wrapped) if len(wrapped) > 1 else wrapped[0]


def _sqlite_statement(*, session: Session, shop: Shop, normalized: str, expanded: list[list[str]]):
    # `shop_id + 0` keeps SQLite's planner off the (shop, searchable) index, which would
    # walk every product of the shop instead of starting from the FTS hits.
    tier = _tier(normalized, expanded)
    return (
        select(S.product_id, S.in_stock, tier)
        .where(
            S.shop_id + 0 == shop.id,
            S.searchable.is_(True),
            S.product_id.in_(_driver(session=session, shop=shop, expanded=expanded)),
            *[_word_matches(alts, True) for alts in expanded],
        )
        .order_by(tier, S.in_stock.desc(), S.recent_sales.desc(), S.product_id)
    )


def _pg_statement(shop: Shop, normalized: str, expanded: list[list[str]]):
    c = _pg_candidates(shop, expanded).c  # every word matched there already
    tier = _tier(normalized, expanded, c)
    return select(c.product_id, c.in_stock, tier).order_by(tier, c.in_stock.desc(), c.recent_sales.desc(), c.product_id)


def search(
    *, session: Session, shop: Shop, query: str, limit: int = 10, groups: list[list[str]] | None = None
) -> Results:
    words = terms(query)
    normalized = " ".join(words)
    if not words:
        return Results(normalized, [], False)
    expanded = expand(words, synonyms_for(session=session, shop=shop) if groups is None else groups)
    hits = _matching(session, shop, normalized, expanded, limit + 1)
    close = False
    loose = loosened(words, expanded)
    if loose is not None and len(hits) < CLOSE_BELOW:
        closer = _after(hits, _matching(session, shop, normalized, loose, limit + 1))
        hits, close = closer, bool(closer) and not hits
    if not hits and len(words) > 1:
        hits = _most_words(session, shop, words, expanded, limit + 1)
        close = bool(hits)
    described = bool(hits) and hits[0].tier == DESCRIPTION_ONLY
    return Results(normalized, _load(session=session, hits=hits[:limit]), len(hits) > limit, close, described)


def _matching(session: Session, shop: Shop, normalized: str, expanded: list[list[str]], n: int) -> list:
    """Products matching every word (any of its alternatives), best first, at most n."""
    if session.get_bind().dialect.name == "sqlite":
        statement = _sqlite_statement(session=session, shop=shop, normalized=normalized, expanded=expanded)
    else:
        statement = _pg_statement(shop, normalized, expanded)
    return session.execute(statement.limit(n)).all()


def _after(first: list, more: list) -> list:
    seen = {h.product_id for h in first}
    return first + [h for h in more if h.product_id not in seen]


def _most_words(session: Session, shop: Shop, words: list[str], expanded: list[list[str]], n: int) -> list:
    """The products matching as many of the words as any product does."""
    for size in subsets(words):
        hits: list = []
        for chosen in size:
            phrase = " ".join(words[i] for i in chosen)
            hits = _after(hits, _matching(session, shop, phrase, [expanded[i] for i in chosen], n))
            if len(hits) >= n:
                break
        if hits:
            return hits
    return []


def _load(*, session: Session, hits) -> list[Found]:
    if not hits:
        return []
    ids = [h.product_id for h in hits]
    products = {p.id: p for p in session.execute(select(Product).where(Product.id.in_(ids))).scalars()}
    variants: dict[int, list[ProductVariant]] = {}
    for v in session.execute(
        select(ProductVariant).where(ProductVariant.product_id.in_(ids)).order_by(ProductVariant.position)
    ).scalars():
        variants.setdefault(v.product_id, []).append(v)
    return [Found(products[h.product_id], variants.get(h.product_id, []), h.in_stock) for h in hits]
