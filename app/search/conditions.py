"""The pieces search statements are built from: one word's conditions (LIKE on the
normalised document, whole 1-2 character pieces in the grams index, close spellings) and the
index lookups that find candidates (FTS5 on SQLite; pg_trgm and the grams GIN index on
PostgreSQL answer the same conditions). app/search/query.py ranks what they find."""

from __future__ import annotations

from sqlalchemy import Text, and_, bindparam, cast, func, literal_column, or_, select, text, union
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlmodel import Session

from ..models import ProductSearch, Shop
from .close import Pattern, runs, trigram_ready

TRIGRAM = 3
# Matches beyond this many per index lookup are not ranked: a word found in tens of
# thousands of products would otherwise be ranked row by row. Title matches come first.
CAP = 300
S = ProductSearch


def like(value: str) -> str:
    if isinstance(value, Pattern):  # its "_" means any one character
        return "%" + value + "%"
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def fts_phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def any_in(column, alternatives: list[str]):
    return or_(*[column.like(like(a), escape="\\") for a in alternatives])


def is_short(value: str) -> bool:
    return len(value) < TRIGRAM


def has_gram(alternative: str, plain: bool):
    """The product's title/meta has this 1-2 character word piece (an exact token). `plain`:
    as a LIKE (SQLite's form; on PostgreSQL the cheaper test of rows already found), else
    PostgreSQL's GIN array form, for finding them."""
    if plain:
        return S.grams.like(like(f" {alternative} "), escape="\\")
    # The same expression as the GIN index (ix_product_search_grams), so it is used.
    return func.string_to_array(S.grams, literal_column("' '")).op("@>")(cast(array([alternative]), ARRAY(Text)))


def by_grams(alternative: str) -> bool:
    """A close spelling no trigram index can answer: found by the grams of its runs."""
    return isinstance(alternative, Pattern) and not trigram_ready(alternative)


def one_matches(alternative: str, plain: bool):
    if is_short(alternative):
        return has_gram(alternative, plain)
    in_doc = S.doc.like(like(alternative), escape="\\")
    if by_grams(alternative):
        return and_(*[has_gram(run, plain) for run in runs(alternative)], in_doc)
    return in_doc


def word_matches(alternatives: list[str], plain: bool):
    """Exact condition for one query word (any of its synonyms or close spellings)."""
    return or_(*[one_matches(a, plain) for a in alternatives])


def driving_word(expanded: list[list[str]]) -> list[str]:
    """The word whose matches are looked up in an index: one with no short synonyms
    preferred (the trigram index does the work), then one with no close spellings, then
    the longest."""
    return max(
        expanded,
        key=lambda a: (
            not any(is_short(x) for x in a),
            not any(isinstance(x, Pattern) for x in a),  # close spellings are many lookups
            min(len(x) for x in a),
        ),
    )


def driver(*, session: Session, shop: Shop, expanded: list[list[str]]):
    """SQLite: a capped set of candidate ids from the FTS tables, title matches first so
    the best-ranked products are never cut off. When every word is a plain word of 3+
    characters, FTS5 answers all of them together (AND), so the cap counts real matches;
    otherwise the driving word's matches are looked up and the other words filter them."""
    if len(expanded) > 1 and all(title_indexable(a) and not any(isinstance(x, Pattern) for x in a) for a in expanded):
        words = ["(" + " OR ".join(map(fts_phrase, alts)) + ")" for alts in expanded]
        in_title = " AND ".join(f"title : {w}" for w in words)
        return union_ids([fts_ids("product_fts", in_title), fts_ids("product_fts", " AND ".join(words))])
    alts = driving_word(expanded)
    long_alts = [a for a in alts if not is_short(a) and not isinstance(a, Pattern)]
    short_alts = [a for a in alts if is_short(a)]
    parts = [fts_like_ids(p) for p in alts if isinstance(p, Pattern) and not by_grams(p)]
    parts += [fts_ids("product_grams", " AND ".join(map(fts_phrase, runs(p)))) for p in alts if by_grams(p)]
    if long_alts:
        phrase = " OR ".join(fts_phrase(a) for a in long_alts)
        parts += [fts_ids("product_fts", f"title : ({phrase})"), fts_ids("product_fts", f"({phrase})")]
    if short_alts:
        parts.append(fts_ids("product_grams", " OR ".join(fts_phrase(a) for a in short_alts)))
    return union_ids(parts)


def title_indexable(alternatives: list[str]) -> bool:
    return not any(is_short(a) or by_grams(a) for a in alternatives)


def fts_any(alts: list[str], cap: int):
    """SQLite: the capped ids of products with this word anywhere (one FTS lookup a form)."""
    long_alts = [a for a in alts if not is_short(a) and not isinstance(a, Pattern)]
    parts = [fts_like_ids(p, cap) for p in alts if isinstance(p, Pattern) and not by_grams(p)]
    parts += [fts_ids("product_grams", " AND ".join(map(fts_phrase, runs(p))), cap) for p in alts if by_grams(p)]
    if long_alts:
        parts.append(fts_ids("product_fts", "(" + " OR ".join(fts_phrase(a) for a in long_alts) + ")", cap))
    if short := [a for a in alts if is_short(a)]:
        parts.append(fts_ids("product_grams", " OR ".join(fts_phrase(a) for a in short), cap))
    return union_ids(parts)


def fts_ids(table: str, match: str, cap: int = CAP):
    return (
        select(literal_column("rowid").label("id"))
        .select_from(text(table))
        .where(text(f"{table} MATCH :match").bindparams(bindparam("match", match, unique=True)))
        .limit(cap)
    )


def fts_like_ids(pattern: Pattern, cap: int = CAP):
    """A close spelling through the trigram index (FTS5 answers LIKE with `_` from it)."""
    return (
        select(literal_column("rowid").label("id"))
        .select_from(text("product_fts"))
        .where(text("product_fts.doc LIKE :pattern").bindparams(bindparam("pattern", like(pattern), unique=True)))
        .limit(cap)
    )


def union_ids(parts: list):
    """The ids of several capped lookups (each wrapped: SQLite allows no LIMIT inside UNION)."""
    wrapped = [select(part.subquery().c.id) for part in parts]
    return union(*wrapped) if len(wrapped) > 1 else wrapped[0]
