"""The pieces search statements are built from: one word's conditions (LIKE on the
normalised document, whole 1-2 character pieces in the grams index, close spellings) and the
index lookups that find candidates (FTS5 on SQLite; pg_trgm and the grams GIN index on
PostgreSQL answer the same conditions). app/search/query.py ranks what they find.

Every value goes in as a named parameter kept as a function of the query (app/search/binds.py):
word i's j-th alternative is `v.alt(i, j, form)`, so a statement built for one query serves
every query of its shape (`shape`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from itertools import combinations

from sqlalchemy import BindParameter, Integer, Text, and_, case, cast, func, literal_column, or_, select, text, union
from sqlalchemy.dialects.postgresql import ARRAY, array

from ..db import prefix_bounds, starts_with
from ..models import ProductSearch
from .binds import Binds, Query
from .close import Pattern, runs, trigram_ready
from .pieces import Common, Frequent

TRIGRAM = 3
# Matches beyond this many per index lookup are not ranked: a word found in tens of
# thousands of products would otherwise be ranked row by row. Title matches come first.
CAP = 300
# Titles equal to or starting with the query, in title order (the exact title first): read
# besides the capped lookups, which may leave them out when many titles hold the words.
PREFIX_CAP = 50
S = ProductSearch
DESCRIPTION_ONLY = 7  # the tier of a product some word matched only in its description
# written into the SQL, not sent as parameters (see `flag`)
ONE = literal_column("1", Integer)
ZERO = literal_column("0", Integer)


def like(value: str) -> str:
    if isinstance(value, Pattern):  # its "_" means any one character
        return "%" + value + "%"
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def fts_phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def any_in(column, v: Binds, i: int, alternatives: list[str]):
    """Word i (any of its alternatives) in `column`."""
    return or_(*[column.like(v.alt(i, j, like), escape="\\") for j in range(len(alternatives))])


def phrases(v: Binds) -> list[Callable[[Query], str]]:
    """The query as a phrase: its words joined by spaces, and as typed where that differs
    (Query.typed; part of the statement's shape)."""
    return [lambda q: q.text, *([lambda q: q.typed] if v.query.typed else [])]


def title_starts(v: Binds, phrase: Callable[[Query], str]):
    """The title is the phrase or starts with it: a range of ix_product_search_shop_title."""
    return starts_with(S.title, *[v.of(lambda q, k=k: prefix_bounds(phrase(q))[k]) for k in range(2)])


def titles_starting(v: Binds, columns, *where) -> list:
    """A lookup per phrase of the titles starting with it, the exact title first."""
    return [select(*columns).where(*where, title_starts(v, p)).order_by(S.title).limit(PREFIX_CAP) for p in phrases(v)]


def first(lookup, n: int, name: str):
    """PostgreSQL: the first n rows of an index lookup. The lookup is a materialised CTE,
    which is planned for every row it could give and read only as far as n: with the LIMIT
    inside, the planner expects a scan of the table to meet n matches early, and for a word
    it thinks is in some % of the products it scans (thousands of rows read where the trigram
    index finds the few hundred matches in a millisecond)."""
    found = materialised(lookup, name)
    return select(*found.c).limit(n)


def materialised(lookup, name: str):
    """PostgreSQL: a lookup as a materialised CTE, planned for all its rows and read only as
    far as it is needed (see `first`)."""
    return lookup.cte(name).prefix_with("MATERIALIZED")


def is_short(value: str) -> bool:
    return len(value) < TRIGRAM


def kind(alternative: str) -> Hashable:
    """What decides how an alternative is looked up (part of a statement's shape)."""
    if isinstance(alternative, Common):
        return "common"
    if isinstance(alternative, Frequent):
        return "frequent"
    if is_short(alternative):
        return "short"
    if isinstance(alternative, Pattern):
        return ("grams", len(runs(alternative))) if by_grams(alternative) else "pattern"
    return "word"


def shape(expanded: list[list[str]]) -> tuple:
    return tuple(tuple(kind(a) for a in alts) for alts in expanded)


def has_gram(v: Binds, i: int, j: int, plain: bool, run: int | None = None, *, scanned: bool = False):
    """The product's title/meta has this 1-2 character word piece (an exact token): the
    alternative itself, or run `run` of a close spelling. `plain`: as a LIKE (SQLite's form;
    on PostgreSQL the cheaper test of rows already found), else PostgreSQL's GIN array
    form, for finding them; `scanned`: in a lookup the planner may answer with a scan."""

    def piece(alternative: str) -> str:
        return str(alternative) if run is None else runs(alternative)[run]

    if plain:
        return S.grams.like(v.alt(i, j, lambda a: like(f" {piece(a)} ")), escape="\\")
    # The same expression as the GIN index (ix_product_search_grams), so it is used.
    gram = cast(array([v.alt(i, j, piece)]), ARRAY(Text))
    in_index = func.string_to_array(S.grams, literal_column("' '")).op("@>")(gram)
    if not scanned:
        return in_index
    # A substring test first for the rows a scan reads (app/search/pieces.py: "茶" alone
    # 13.0 -> 6.8 ms). strpos, not LIKE: the planner estimates a LIKE from the column's
    # statistics (0.23 ms more planning) and no better.
    spaced = func.strpos(S.grams, v.alt(i, j, lambda a: f" {piece(a)} ")) > ZERO
    return and_(spaced, in_index)


def by_grams(alternative: str) -> bool:
    """A close spelling no trigram index can answer: found by the grams of its runs."""
    return isinstance(alternative, Pattern) and not trigram_ready(alternative)


def one_matches(v: Binds, i: int, j: int, alternative: str, plain: bool, *, capped: bool = False):
    if is_short(alternative):
        return has_gram(v, i, j, plain, scanned=capped and isinstance(alternative, Frequent))
    in_doc = S.doc.like(v.alt(i, j, like), escape="\\")
    if by_grams(alternative):
        return and_(*[has_gram(v, i, j, plain, k) for k in range(len(runs(alternative)))], in_doc)
    return in_doc


def finding(expanded: list[list[str]], i: int) -> bool:
    """PostgreSQL: whether word i is looked up in an index to find products, or tested on
    the rows the other words find: the latter for a word whose every alternative is a common
    piece (app/search/pieces.py) when the others are looked up in trigram indexes only. (Beside
    another piece in the grams index it stays: one scan of that index intersects them cheaply,
    36 rows read for "国産 首輪", where testing 国産 on 首輪's rows read 1,441.)"""

    def common(alts: list[str]) -> bool:
        return all(isinstance(a, Common) for a in alts)

    others = [alts for k, alts in enumerate(expanded) if k != i]
    if not common(expanded[i]) or all(common(alts) for alts in others):
        return True
    return any(not common(alts) and not title_indexable(alts) for alts in others)


def lookup_matches(v: Binds, expanded: list[list[str]], i: int):
    """PostgreSQL: word i's condition in a capped lookup that finds products (see `finding`)."""
    return word_matches(v, i, expanded[i], not finding(expanded, i), capped=True)


def flag(condition):
    """1 or 0, written into the SQL rather than sent as parameters: four words' flags were
    18 of 53 parameters, and psycopg parses a statement of more than 50 again on every
    execution (0.14 ms for the most-words statement) instead of keeping its parsed form."""
    return case((condition, ONE), else_=ZERO)


def word_matches(v: Binds, i: int, alternatives: list[str], plain: bool, *, capped: bool = False):
    """Exact condition for word i (any of its synonyms or close spellings); `capped`: in a
    lookup of the first CAP matches (has_gram)."""
    return or_(*[one_matches(v, i, j, a, plain, capped=capped) for j, a in enumerate(alternatives)])


def driving_word(expanded: list[list[str]]) -> int:
    """The word whose matches are looked up in an index: one with no short synonyms
    preferred (the trigram index does the work), then one with no close spellings, then
    the longest."""
    return max(
        range(len(expanded)),
        key=lambda i: (
            not any(is_short(x) for x in expanded[i]),
            not any(isinstance(x, Pattern) for x in expanded[i]),  # close spellings are many lookups
            min(len(x) for x in expanded[i]),
        ),
    )


def driver(v: Binds, expanded: list[list[str]], at: int):
    """SQLite: a capped set of candidate ids from the FTS tables, title matches first so
    the best-ranked products are never cut off. When every word is a plain word of 3+
    characters, FTS5 answers all of them together (AND), so the cap counts real matches;
    otherwise the matches of word `at` (driving_word) are looked up and the other words
    filter them. The titles starting with the query come from their own index."""
    starting = titles_starting(v, [S.product_id.label("id")], S.shop_id == v.shop())
    if every_word_in_fts(expanded):
        return union_ids(
            [
                fts_ids("product_fts", v.of(lambda q: " AND ".join(f"title : {w}" for w in _fts_words(q.expanded)))),
                fts_ids("product_fts", v.of(lambda q: " AND ".join(_fts_words(q.expanded)))),
                *starting,
            ]
        )
    return union_ids([fts_word(v, at, expanded[at], CAP, titled=True), *starting])


def every_word_in_fts(expanded: list[list[str]]) -> bool:
    return len(expanded) > 1 and all(
        title_indexable(a) and not any(isinstance(x, Pattern) for x in a) for a in expanded
    )


def _fts_words(expanded: list[list[str]]) -> list[str]:
    return ["(" + " OR ".join(map(fts_phrase, alts)) + ")" for alts in expanded]


def _long(alternative: str) -> bool:
    return not is_short(alternative) and not isinstance(alternative, Pattern)


def title_indexable(alternatives: list[str]) -> bool:
    return not any(is_short(a) or by_grams(a) for a in alternatives)


def fts_word(v: Binds, i: int, alts: list[str], cap: int, *, titled: bool = False):
    """SQLite: the capped ids of products with word i anywhere (one FTS lookup a form);
    `titled`: its title matches first, in a lookup of their own."""

    def phrase(q: Query) -> str:
        return " OR ".join(fts_phrase(a) for a in q.expanded[i] if _long(a))

    parts = [
        fts_like_ids(v.alt(i, j, like), cap) for j, p in enumerate(alts) if isinstance(p, Pattern) and not by_grams(p)
    ]
    parts += [
        fts_ids("product_grams", v.alt(i, j, lambda a: " AND ".join(map(fts_phrase, runs(a)))), cap)
        for j, p in enumerate(alts)
        if by_grams(p)
    ]
    if any(_long(a) for a in alts):
        if titled:
            parts.append(fts_ids("product_fts", v.of(lambda q: f"title : ({phrase(q)})"), cap))
        parts.append(fts_ids("product_fts", v.of(lambda q: f"({phrase(q)})"), cap))
    if any(is_short(a) for a in alts):
        short = v.of(lambda q: " OR ".join(fts_phrase(a) for a in q.expanded[i] if is_short(a)))
        parts.append(fts_ids("product_grams", short, cap))
    return union_ids(parts)


def fts_ids(table: str, match: BindParameter, cap: int = CAP):
    return (
        select(literal_column("rowid").label("id"))
        .select_from(text(table))
        .where(text(f"{table} MATCH :{match.key}").bindparams(match))
        .limit(cap)
    )


def fts_like_ids(pattern: BindParameter, cap: int = CAP):
    """A close spelling through the trigram index (FTS5 answers LIKE with `_` from it)."""
    return (
        select(literal_column("rowid").label("id"))
        .select_from(text("product_fts"))
        .where(text(f"product_fts.doc LIKE :{pattern.key}").bindparams(pattern))
        .limit(cap)
    )


def union_ids(parts: list):
    """The ids of several capped lookups (each wrapped: SQLite allows no LIMIT inside UNION)."""
    wrapped = [select(part.subquery().c.id) for part in parts]
    return union(*wrapped) if len(wrapped) > 1 else wrapped[0]


def shop_rows(v: Binds) -> list:
    """PostgreSQL: the searchable products of the query's shop."""
    return [S.shop_id == v.shop(), S.searchable.is_(True)]


def fts_all_but_one(v: Binds, cap: int):
    """SQLite: the capped ids of products with every word but (at most) one, in one FTS
    lookup; for queries whose every word the FTS index answers (every_word_in_fts)."""

    def match(q: Query) -> str:
        words = _fts_words(q.expanded)
        return " OR ".join("(" + " AND ".join(subset) + ")" for subset in combinations(words, len(words) - 1))

    return fts_ids("product_fts", v.of(match), cap)
