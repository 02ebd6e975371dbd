"""Common 1-2 character pieces (sizes, 国産) on PostgreSQL: tested on the rows a longer word
finds instead of ANDing their large grams bitmap (app/search/pieces.py). Results are the
same either way; what changes is the lookup PostgreSQL runs, so the statements are read."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.search import pieces
from app.search.conditions import finding
from app.search.pieces import Common, Frequent, common_pieces, marked, piece_shares
from app.search.query import search
from tests.helpers import statements
from tests.plugins.search import product, titles


@pytest.fixture
def sized(catalog, db):
    """A catalog where "S" is on most products and 麻 on one; the planner's statistics taken."""
    catalog(product("ワンピース S"), product("ワンピース M"), product("麻 ワンピース"), product("首輪 S"))
    catalog(*[product(f"シャツ {n} S") for n in range(10)])
    yield from _analysed(db)


def _analysed(db):
    """The planner's statistics taken, and read afresh by the search (and after the test)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("ANALYZE product_search"))
        db.commit()
    pieces.forget()
    yield
    pieces.forget()


def _search(db, shop, query: str):
    with statements(db.get_bind()) as seen:
        results = search(session=db, shop=shop, query=query)
    ranking = [s for s, _ in seen if "candidates" in s]
    return titles(results), " ".join(ranking)


def test_the_statistics_say_which_pieces_are_common(sized, db):
    common = common_pieces(db)
    if db.get_bind().dialect.name != "postgresql":
        assert common == frozenset()  # SQLite's FTS tables have no such choice
        return
    assert "s" in common and "麻" not in common and "首輪" not in common


def test_a_common_piece_beside_a_longer_word_is_tested_on_its_rows(sized, db, shop):
    found, sql = _search(db, shop, "ワンピース S")

    assert found == ["ワンピース S"]
    if db.get_bind().dialect.name == "postgresql":
        assert "grams LIKE" in sql and "@>" not in sql  # no grams index lookup for "s"


def test_a_rare_piece_is_still_looked_up(sized, db, shop):
    found, sql = _search(db, shop, "ワンピース 麻")

    assert found == ["麻 ワンピース"]
    if db.get_bind().dialect.name == "postgresql":
        assert "@>" in sql


def test_a_common_piece_beside_another_piece_stays_in_the_grams_lookup(sized, db, shop):
    found, sql = _search(db, shop, "首輪 S")

    assert found == ["首輪 S"]
    if db.get_bind().dialect.name == "postgresql":
        assert sql.count("@>") >= 2  # one scan of the grams index intersects both


def test_which_words_are_looked_up():
    long_, rare, common = ["わんぴーす"], ["麻"], [Common("s")]
    assert finding([long_, common], 1) is False  # tested on わんぴーす's rows
    assert finding([long_, common], 0) is True
    assert finding([rare, common], 1) is True  # beside another grams lookup
    assert finding([common], 0) is True  # alone: it must find the products
    assert finding([common, [Common("m")]], 0) is True
    assert finding([long_, [Common("s"), "えす"]], 1) is True  # a synonym that is not common


def test_only_plain_pieces_are_marked():
    expanded = marked([["s", "えす"], ["わんぴーす"], ["茶"]], {"s": 0.46, "茶": 0.14})
    assert [[type(a) for a in alts] for alts in expanded] == [[Common, str], [str], [Frequent]]
    assert marked([["s"]], {}) == [["s"]]


@pytest.fixture
def teas(catalog, db):
    """40 products: 茶 in 4 (10 %: frequent, not common), 麻 in 1 (rare); statistics taken."""
    catalog(*[product(f"茶 {n}") for n in range(4)], product("麻 シャツ"))
    catalog(*[product(f"シャツ {n}") for n in range(35)])
    yield from _analysed(db)


def test_a_frequent_piece_alone_is_tested_as_a_substring_before_its_grams(teas, db, shop):
    """Where the planner answers the capped lookup of a frequent piece with a scan of the
    table, the cheap substring test rejects the other rows before their grams are split."""
    found, sql = _search(db, shop, "茶")
    rare, rare_sql = _search(db, shop, "麻")

    assert sorted(found) == ["茶 0", "茶 1", "茶 2", "茶 3"] and rare == ["麻 シャツ"]
    if db.get_bind().dialect.name == "postgresql":
        assert piece_shares(db)["茶"] == pytest.approx(0.1, abs=0.01) and "麻" not in piece_shares(db)
        assert "strpos(product_search.grams" in sql and "@>" in sql
        assert "strpos" not in rare_sql and "@>" in rare_sql  # a rare piece: the index alone
