"""Finding products for what a shopper typed: every word must match (AND), synonyms widen a
word (OR), and the ranking is: exact title, title prefix, title contains the query, every
word in the title, every word in title/tags/type/vendor, anywhere else; then in stock
first, then recent best sellers. "The query" is its words joined by spaces and, where the
shopper typed something else between them ("MORI & CO."), also the phrase as typed, whose
titles come first within their tier ("mori co" alone begins "MORI COFFEE").

SQLite answers through the FTS5 trigram index, PostgreSQL through pg_trgm; the ranking is
the same SQL on both. (Within "title contains the query", a product whose tags, type
or vendor match too comes first.) Words under three characters cannot use a trigram
index; they are looked up as whole pieces of titles, tags, types and vendors in a grams
index (product_grams / a GIN array), so "茶" or "靴下" are as fast as longer words.

When that finds nothing (or almost nothing), close matches follow (app/search/close.py): a
single word gets close spellings when it finds fewer than three products; several words
that no product has together get the products matching the most of them, found and ranked
in one statement (app/search/most.py), and a word none of those products has (mistyped or
stray) gets close spellings: if the words then meet in a product, it answers.

Candidates are capped per index lookup (CAP, title matches first; PostgreSQL adds the best
sellers among the matches), so ranking a common word costs a few hundred rows, not tens
of thousands.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import BigInteger, and_, any_, case, func, or_, select, text, union
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

from ..models import Shop
from . import binds
from .binds import Binds, Query
from .close import Pattern, loosened, meaningful
from .conditions import (
    CAP,
    DESCRIPTION_ONLY,
    S,
    any_in,
    driver,
    driving_word,
    like,
    lookup_matches,
    phrases,
    shape,
    shop_rows,
    title_indexable,
    titles_starting,
    word_matches,
)
from .found import Found, load
from .most import most_words_statement
from .normalize import phrase, terms
from .pieces import marked, piece_shares
from .synonyms import expand, synonyms_for

BEST_SELLERS = 50  # PostgreSQL: the best sellers among a word's matches, ranked whatever the cap
CLOSE_BELOW = 3  # exact matches fewer than this: close spellings are added after them
TITLE_FIRST_WORDS = 2  # PostgreSQL: queries of up to this many words try the title lookup alone first
LOOKUP_FIRST_WORDS = 3  # PostgreSQL: queries of this many words or more find their matches, then rank them
EVERY_WORD_IN_TITLE = 4  # the tier of a product with every word (not the phrase) in its title
CANDIDATE_COLUMNS = (S.product_id, S.in_stock, S.recent_sales, S.title, S.meta, S.variants)  # what ranking reads


@dataclass(frozen=True)
class Results:
    query: str  # normalised
    found: list[Found]
    more: bool  # more matches than were returned
    close: bool = False  # nothing matched as typed: these are close matches
    description_only: bool = False  # no title, tag, type, vendor or variant had the words


def _tier(v: Binds, expanded: list[list[str]], c=S):
    # the query as typed, where it differs ("mori & co"), counts as the phrase too (_order
    # puts its titles first within the tier)
    said = phrases(v)
    exact = [c.title == v.of(p) for p in said]
    prefix = [c.title.like(v.of(lambda q, p=p: like(p(q))[1:]), escape="\\") for p in said]
    contains = or_(*[c.title.like(v.of(lambda q, p=p: like(p(q))), escape="\\") for p in said])
    # each word's conditions built once and shared by the tiers
    title = [any_in(c.title, v, i, alts) for i, alts in enumerate(expanded)]
    meta = [any_in(c.meta, v, i, alts) for i, alts in enumerate(expanded)]
    title_or_meta = [or_(t, m) for t, m in zip(title, meta, strict=True)]
    anywhere = [
        or_(t, m, any_in(c.variants, v, i, alts))
        for i, (t, m, alts) in enumerate(zip(title, meta, expanded, strict=True))
    ]
    return case(
        (or_(*exact), 0),
        (or_(*prefix), 1),
        # "緑茶" in the title of a product whose type or tags say 緑茶 beats a 緑茶 soap
        (and_(contains, or_(*meta)), 2),
        (contains, 3),
        (and_(*title), EVERY_WORD_IN_TITLE),
        (and_(*title_or_meta), 5),
        (and_(*anywhere), 6),
        else_=DESCRIPTION_ONLY,
    ).label("tier")


def _order(v: Binds, c, tier) -> list:
    """Best first: the tier, the title with the phrase as typed (when the query has one),
    in stock, recent best sellers; the id last, so the order is always the same."""
    typed = [case((c.title.like(v.of(lambda q: like(q.typed)), escape="\\"), 0), else_=1)] if v.query.typed else []
    return [tier, *typed, c.in_stock.desc(), c.recent_sales.desc(), c.product_id]


def _pg_candidates(v: Binds, expanded: list[list[str]], *, titled_only: bool = False):
    """PostgreSQL: the capped candidates, carrying every column the ranking needs, so
    nothing joins back to the table (a join lets the planner pick a scan of every product).
    Every word is a condition of the index lookups (GIN answers them together: one
    selective word narrows a common one), so the cap counts real matches only.

    Three lookups: any matches and title matches, each the first CAP the index gives (no
    order: the bitmap scan stops there), and the best sellers among the matches; the last
    two only when the first reached the cap (else it holds every match already). An order
    on every match made the planner walk the best-seller index filtering each product's
    text: 12,000-21,000 rows and 35-45 ms for a word in 1-2 % of 100,000 products.
    `titled_only`: the title lookup alone (None when no word can use the title index)."""
    rows = shop_rows(v)
    # A product ranked at "every word in the title" or above has every word in its title,
    # so each word the title index can answer is looked up there (GIN ANDs them: "tomo
    # coffee" reads 156 rows, not the 3,591 titles with "coffee"); the others keep their
    # usual condition.
    titled = [any_in(S.title, v, i, a) for i, a in enumerate(expanded) if title_indexable(a)]
    others = [lookup_matches(v, expanded, i) for i, a in enumerate(expanded) if not title_indexable(a)]
    in_title = select(*CANDIDATE_COLUMNS).where(*rows, *titled, *others).limit(CAP) if titled else None
    starting = titles_starting(v, CANDIDATE_COLUMNS, *rows)  # every word is in such a title
    if titled_only:
        return union(in_title, *starting).subquery("candidates") if in_title is not None else None
    every = _every(v, expanded, rows)
    matches = select(*CANDIDATE_COLUMNS).where(*every).limit(CAP).cte("matches").prefix_with("MATERIALIZED")
    # Fewer than CAP matches are every match there is: the title and best-seller lookups
    # (subsets of them) would only repeat the index work, and a one-time filter skips them
    # (a multi-word query that no product matches: 0.3 ms to run, not 2-3).
    more = select(func.count()).select_from(matches).scalar_subquery() >= CAP
    best_sellers = (
        select(*CANDIDATE_COLUMNS)
        .where(*every, S.recent_sales > 0, more)
        .order_by(S.recent_sales.desc())  # the sold products only: a bounded walk of shop_rank
        .limit(BEST_SELLERS)
    )
    titles = [in_title.where(more)] if in_title is not None else []
    titles += [lookup.where(more) for lookup in starting]
    return union(*titles, select(*matches.c), best_sellers).subquery("candidates")


def _every(v: Binds, expanded: list[list[str]], rows: list | None = None) -> list:
    """PostgreSQL: a product of the shop with every word (`rows`: shop_rows, when built already)."""
    return [*(rows or shop_rows(v)), *[lookup_matches(v, expanded, i) for i in range(len(expanded))]]


def _pg_listed(v: Binds):
    """PostgreSQL: the products an earlier statement found (Query.ids), as candidates."""
    ids = v.of(lambda q: list(q.ids), ARRAY(BigInteger))
    return select(*CANDIDATE_COLUMNS).where(S.product_id == any_(ids)).subquery("candidates")


def _sqlite_statement(v: Binds, expanded: list[list[str]], n: int):
    # `shop_id + 0` keeps SQLite's planner off the (shop, searchable) index, which would
    # walk every product of the shop instead of starting from the FTS hits.
    tier = _tier(v, expanded)
    return (
        select(S.product_id, S.in_stock, tier)
        .where(
            S.shop_id + 0 == v.shop(),
            S.searchable.is_(True),
            S.product_id.in_(driver(v, expanded, driving_word(expanded))),
            *[word_matches(v, i, alts, True) for i, alts in enumerate(expanded)],
        )
        .order_by(*_order(v, S, tier))
        .limit(n)
    )


def _pg_statement(v: Binds, expanded: list[list[str]], n: int, *, titled_only: bool = False, listed: bool = False):
    """`listed`: rank the products in Query.ids (else look them up: _pg_candidates)."""
    candidates = _pg_listed(v) if listed else _pg_candidates(v, expanded, titled_only=titled_only)
    if candidates is None:
        return None
    c = candidates.c  # every word matched there already
    tier = _tier(v, expanded, c)
    return select(c.product_id, c.in_stock, tier).order_by(*_order(v, c, tier)).limit(n)


def _run(session: Session, key: tuple, query: Query, build) -> list | None:
    """Build (once per shape) and run a statement; None when `build` has none to give."""
    key = (session.get_bind().dialect.name, *key, shape(query.expanded), bool(query.typed))
    statement, values = binds.statement(key, query, build)
    if statement is None:
        return None
    return session.execute(statement, values.values(query)).all()


def _pg_matching(session: Session, query: Query, n: int, title_first: bool) -> list:
    """For one or two words, the title lookup alone first: when it fills the page with
    products that have every word in their title, nothing outside it could rank above them
    (a product without a word in its title ranks below "every word in the title"), and the
    wider lookups are skipped. Three or more words seldom all sit in one title or meet in
    CAP products: their matches are looked up alone, then ranked (`_pg_ranked`), and the
    wide statement (2-3 ms to plan for four words) runs only when they reach the cap."""
    expanded = query.expanded
    if title_first and len(expanded) <= TITLE_FIRST_WORDS:
        hits = _run(session, ("titled", n), query, lambda v: _pg_statement(v, expanded, n, titled_only=True))
        if hits is not None and len(hits) == n and hits[-1].tier <= EVERY_WORD_IN_TITLE:
            return hits
    if any(isinstance(a, Pattern) for alts in expanded for a in alts):
        return _pg_close_matching(session, query, n)
    if len(expanded) >= LOOKUP_FIRST_WORDS:
        ids = _run(session, ("ids",), query, lambda v: _pg_ids(v, expanded))
        if len(ids) < CAP:  # every match there is: what the wide statement would rank
            return _pg_ranked(session, query, ids, n)
    return _run(session, ("wide", n), query, lambda v: _pg_statement(v, expanded, n))


def _pg_close_matching(session: Session, query: Query, n: int) -> list:
    """Close spellings are a dozen patterns or more a word: planning them in the wide
    statement's three lookups took 5-7 ms (running them, under 0.5 ms), so one lookup finds
    the first CAP matches and they are ranked. It may not scan the table: the planner adds
    up the patterns' selectivities and expects a scan to meet CAP matches soon, but they are
    sparse (295 ms for "ドリップコーー", where the trigram index takes a few ms)."""
    expanded = query.expanded
    ids = _pg_without_seq_scan(session, lambda: _run(session, ("close ids",), query, lambda v: _pg_ids(v, expanded)))
    return _pg_ranked(session, query, ids, n)


def _pg_ranked(session: Session, query: Query, ids: list, n: int) -> list:
    """The products an ids lookup found, ranked (the best n)."""
    if not ids:
        return []
    found = replace(query, ids=tuple(r.product_id for r in ids))
    return _run(session, ("listed", n), found, lambda v: _pg_statement(v, query.expanded, n, listed=True))


def _pg_ids(v: Binds, expanded: list[list[str]]):
    return select(S.product_id).where(*_every(v, expanded)).limit(CAP)


def _pg_without_seq_scan(session: Session, run):
    """`run()` with sequential scans off for this transaction, then the setting as it was.
    (If `run` fails, the transaction is rolled back, and the setting with it.)"""
    switch = "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
    was = session.execute(text(switch)).scalar_one()
    result = run()
    session.execute(text("SELECT set_config('enable_seqscan', :was, true)"), {"was": was})
    return result


def search(
    *, session: Session, shop: Shop, query: str, limit: int = 10, groups: list[list[str]] | None = None
) -> Results:
    words = terms(query)
    normalized = " ".join(words)
    if not words:
        return Results(normalized, [], False)
    expanded = expand(words, synonyms_for(session=session, shop=shop) if groups is None else groups)
    expanded = marked(expanded, piece_shares(session))
    hits = _matching(session, shop, normalized, expanded, limit + 1, title_first=True, typed=phrase(query, words))
    close = False
    if len(words) == 1:
        loose = loosened(words, expanded)
        if loose is not None and len(hits) < CLOSE_BELOW:
            closer = _after(hits, _matching(session, shop, normalized, loose, limit + 1))
            hits, close = closer, bool(closer) and not hits
    elif not hits:
        hits = _closest(session, shop, words, expanded, limit + 1)
        close = bool(hits)
    described = bool(hits) and hits[0].tier == DESCRIPTION_ONLY
    return Results(normalized, load(session=session, hits=hits[:limit]), len(hits) > limit, close, described)


def _matching(
    session: Session,
    shop: Shop,
    normalized: str,
    expanded: list[list[str]],
    n: int,
    *,
    title_first: bool = False,
    typed: str = "",
) -> list:
    """Products matching every word (any of its alternatives), best first, at most n.
    `title_first`: the query as typed (the fallbacks' close spellings and subsets seldom
    fill a page from titles alone); `typed`: its phrase as typed (normalize.phrase)."""
    query = Query(normalized, expanded, [], shop.id, typed=typed)
    if session.get_bind().dialect.name == "sqlite":
        # the driving word is part of the shape: which word's index finds the candidates
        key = ("match", n, driving_word(expanded))
        return _run(session, key, query, lambda v: _sqlite_statement(v, expanded, n))
    return _pg_matching(session, query, n, title_first)


def _after(first: list, more: list) -> list:
    seen = {h.product_id for h in first}
    return first + [h for h in more if h.product_id not in seen]


def _closest(session: Session, shop: Shop, words: list[str], expanded: list[list[str]], n: int) -> list:
    """Several words that no product has together: the products matching the most of them.
    A word none of those has is the one mistyped or stray (for three or four words, the one
    the products with every other word lack; else a word found nowhere): only it gets close
    spellings (the others are spelled as the catalog spells them), and if the words then meet
    in a product, those products answer; if not, the most words again, close spellings counted."""
    hits, present = _most_words(session, shop, words, expanded, n)
    loose = loosened([w if not found else "" for w, found in zip(words, present, strict=True)], expanded)
    if loose is None:
        return hits
    return _matching(session, shop, " ".join(words), loose, n) or _most_words(session, shop, words, loose, n)[0]


def _most_words(
    session: Session, shop: Shop, words: list[str], expanded: list[list[str]], n: int
) -> tuple[list, list[bool]]:
    """The products matching the most words (more specific words first when as many; see
    app/search/most.py), and for each word whether any candidate had it. A product that
    matched only 1-character words or digits is never an answer (noise)."""
    query = Query(" ".join(words), expanded, words, shop.id)
    answers = tuple(meaningful([w]) for w in words)  # which words may make an answer
    dialect = session.get_bind().dialect.name
    hits = _run(session, ("most", n, answers), query, lambda v: most_words_statement(v, dialect, expanded, answers, n))
    if not hits:
        return [], [False] * len(words)
    return [h for h in hits if h.matched == hits[0].matched], [bool(x) for x in hits[0][4:]]
