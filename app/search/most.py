"""The products matching the most words, for several words that no product has together
(app/search/query.py's fallback): one statement finds candidates, scores each on every word
once, and ranks them.

Candidates: for three or four words, the products with every word but one, first, in one
index lookup (on SQLite, when its FTS index answers every word). "AOZORA ヒューマングレード
野菜入り ドッグフード" has 21 such products among 100,000, and the first 100 matches of
each word alone (what the fallback read before) held none of them: it answered with
products of two words. Only when no product misses just one word, the first
MOST_WORDS_CAP matches of each word (a one-time filter skips their lookups otherwise). With
the scores comes, for each word, whether any candidate has it: a word none has gets close
spellings (query._closest)."""

from __future__ import annotations

from sqlalchemy import Integer, and_, case, exists, false, func, literal_column, or_, select, true, union

from .binds import Binds
from .conditions import (
    DESCRIPTION_ONLY,
    ONE,
    ZERO,
    S,
    any_in,
    every_word_in_fts,
    flag,
    fts_all_but_one,
    fts_word,
    materialised,
    shop_rows,
    union_ids,
    word_matches,
)

MOST_WORDS_CAP = 100  # each candidate is scored on every word: fewer per lookup than CAP
ALL_BUT_ONE = (3, 4)  # queries of these many words look for the products missing one word first
# Written into the SQL, not sent as parameters (as conditions.flag's 1 and 0): with them
# four words' statement stays within the 4,096 bytes whose parsed form psycopg keeps.
CAPPED = literal_column(str(MOST_WORDS_CAP), Integer)


def most_words_statement(v: Binds, dialect: str, expanded: list[list[str]], answers: tuple[bool, ...], n: int):
    """`answers`: which words may make an answer (a product with only the others is noise)."""
    # each word's tests once per product (materialised: SQLite would repeat them per use)
    score = [
        S.product_id,
        S.in_stock,
        S.recent_sales,
        *[flag(word_matches(v, i, a, True)).label(f"w{i}") for i, a in enumerate(expanded)],
        *[flag(any_in(S.title, v, i, a)).label(f"t{i}") for i, a in enumerate(expanded)],
        flag(or_(*[any_in(S.meta, v, i, a) for i, a in enumerate(expanded)])).label("in_meta"),
    ]
    scored = _sqlite_scored(v, expanded, score) if dialect == "sqlite" else _pg_scored(v, expanded, score)
    c = scored.c
    flags = [c[f"w{i}"] for i in range(len(expanded))]
    titled = [c[f"t{i}"] for i in range(len(expanded))]
    in_title = sum(titled[1:], titled[0])
    count = sum(flags[1:], flags[0]).label("matched")
    described, only_described = (literal_column(str(t), Integer) for t in (DESCRIPTION_ONLY - 1, DESCRIPTION_ONLY))
    tier = case((in_title + c.in_meta > ZERO, described), else_=only_described).label("tier")
    found = [func.max(f).over().label(f"found{i}") for i, f in enumerate(flags)]  # over every row, not the page
    lengths = [f * v.of(lambda q, i=i: len(q.words[i])) for i, f in enumerate(flags)]
    specific = sum(lengths[1:], lengths[0])  # longer words first
    return (
        select(c.product_id, c.in_stock, tier, count, *found)
        .where(or_(*[f == ONE for f, answer in zip(flags, answers, strict=True) if answer], false()))
        .order_by(
            count.desc(), specific.desc(), in_title.desc(), c.in_stock.desc(), c.recent_sales.desc(), c.product_id
        )
        .limit(n)
    )


def _sqlite_scored(v: Binds, expanded: list[list[str]], score: list):
    sources = [fts_word(v, i, alts, MOST_WORDS_CAP) for i, alts in enumerate(expanded)]
    if len(expanded) in ALL_BUT_ONE and every_word_in_fts(expanded):
        but_one = fts_all_but_one(v, MOST_WORDS_CAP)
        none = ~exists(select(but_one.subquery().c.id))
        sources = [but_one, select(union_ids(sources).subquery().c.id).where(none)]
    scope = [S.shop_id + 0 == v.shop(), S.searchable.is_(True), S.product_id.in_(union_ids(sources))]
    return select(*score).where(*scope).cte("scored").prefix_with("MATERIALIZED")


def _pg_scored(v: Binds, expanded: list[list[str]], score: list):
    """Each lookup gives its rows' addresses (ctid), and the products they found are read
    again by address, not through the primary key's index (a TID scan, half the buffers):
    the 33 bench queries that end here took 10.1 ms at the median, not 10.4-10.7, and
    13.5-14.2 at p95, not 15.1-15.5 (interleaved, 100,000 products). Scoring inside each
    lookup did as well but wrote every test once per word: psycopg parses a statement of
    over 4,096 bytes again on every execution."""
    rows = shop_rows(v)
    at = literal_column(f"{S.__tablename__}.ctid")
    tests = [word_matches(v, i, a, False) for i, a in enumerate(expanded)]
    words = [materialised(select(at.label("at")).where(*rows, t), f"word{i}") for i, t in enumerate(tests)]
    capped = [select(word.c.at).limit(CAPPED) for word in words]
    if len(expanded) in ALL_BUT_ONE:
        but_one = materialised(select(at.label("at")).where(*rows, _all_but_one(tests)), "but_one")
        each = union(*capped).subquery()
        capped = [select(but_one.c.at).limit(CAPPED), select(each.c.at).where(~exists(but_one.select()))]
    found = union(*capped).subquery()
    scored = select(*score).join_from(found, S, at == found.c.at).cte("scored").prefix_with("MATERIALIZED")
    return scored


def _all_but_one(tests: list):
    """Every test but (at most) one, for 3 or 4: the tests split in two halves, all of one
    and all but one of the other, each way ((a AND b AND (c OR d)) OR ((a OR b) AND c AND
    d)): each test written twice, not once per subset that has it."""
    half = len(tests) // 2
    first, second = tests[:half], tests[half:]
    return or_(and_(*first, _all_but_one_of(second)), and_(_all_but_one_of(first), *second))


def _all_but_one_of(tests: list):
    """Of one or two tests."""
    return or_(*tests) if len(tests) == 2 else true()
