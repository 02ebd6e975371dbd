"""The bench's relevance set (bench/_search_relevance.py) holds >= 200 queries of every kind
the issue names, and search answers >= 95% of them right over the products they were
made from (the full-size rates come from bench/search.py)."""

from __future__ import annotations

import pytest

from bench import _search_relevance as relevance

KINDS = {"exact", "partial", "width", "kana", "long vowel", "multi", "short", "tag", "sku", "vendor", "noise"}


@pytest.fixture(scope="module")
def made():
    targets = relevance.pool()
    return targets, relevance.cases(targets=targets)


def test_the_set_covers_every_kind(made):
    _, cases = made
    kinds = {c.kind for c in cases}
    assert len(cases) >= 200 and kinds == KINDS | {"no match"}
    assert all(sum(c.kind == k for c in cases) >= 15 for k in kinds)
    assert len({c.query for c in cases}) == len(cases)


def test_search_answers_the_set(made, catalog, db, shop):
    targets, cases = made
    sources = {c.source for c in cases}
    catalog(*[p for p in targets if p["id"] in sources])

    rates = relevance.evaluate(lambda: _Borrowed(db), shop, cases)

    total = sum(h for h, _, _ in rates.values()) / len(cases)
    assert total >= 0.95, rates
    assert rates["no match"][0] == rates["no match"][1], rates["no match"]


class _Borrowed:
    """The test's session, as a context manager that leaves it open."""

    def __init__(self, session) -> None:
        self.session = session

    def __enter__(self):
        return self.session

    def __exit__(self, *exc) -> None:
        self.session.rollback()
