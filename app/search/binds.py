"""Search statements built once per shape of query and reused with each query's values.

Building a search statement (a LIKE per word and alternative, the ranking's CASE, the
lookups) and SQLAlchemy's key for its compiled form were most of a search's Python time,
and a close-spelling search repeats eighteen patterns in every tier. Two queries of the
same shape (as many words, each alternative of the same kind, the same limit) differ only
in their values, so a statement is built for a shape once, its values are named
parameters, and each value is kept as a function of the query (`Binds`): a later query of
that shape runs the same statement, with the same SQL text (PostgreSQL may keep its plan),
on values computed from it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam

from ..lru import Lru

SHAPES = 512  # statements kept per process (least recently used dropped)


@dataclass(frozen=True)
class Query:
    """What a statement's values are computed from."""

    text: str  # the normalised query
    expanded: list[list[str]]  # each word's alternatives (synonyms, close spellings)
    words: list[str]
    shop_id: int
    ids: tuple[int, ...] = ()  # products an earlier statement found, for one that ranks them
    typed: str = ""  # the phrase as typed, when it differs from `text` (normalize.phrase)


class Binds:
    """The values of one statement as named parameters, each a function of the Query."""

    def __init__(self, query: Query):
        self.query = query
        self.getters: list[Callable[[Query], Any]] = []

    def of(self, getter: Callable[[Query], Any], type_=None):
        self.getters.append(getter)
        return bindparam(f"v{len(self.getters)}", getter(self.query), type_=type_)

    def alt(self, i: int, j: int, form: Callable[[str], Any] = str):
        """The j-th alternative of word i, in `form` (a LIKE pattern, an FTS phrase…)."""
        return self.of(lambda q: form(q.expanded[i][j]))

    def shop(self):
        return self.of(lambda q: q.shop_id)

    def values(self, query: Query) -> dict[str, Any]:
        return {f"v{n}": getter(query) for n, getter in enumerate(self.getters, 1)}


_built: Lru[tuple] = Lru(SHAPES)


def statement(key: Hashable, query: Query, build: Callable[[Binds], Any]) -> tuple[Any, Binds]:
    """The statement for `key` (a shape) and its Binds, built by `build` on first use."""

    def make() -> tuple[Any, Binds]:
        binds = Binds(query)
        return build(binds), binds

    return _built.get_or_make(key, make)
