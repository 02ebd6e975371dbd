"""Queries as people type them: noise around words separates them and is never required;
close spellings of katakana words still find the product; a stray word falls back to the
products matching the most words (flagged as close); a real miss returns nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.models import ProductSearch
from app.search.close import spellings
from app.search.most import MOST_WORDS_CAP
from app.search.normalize import phrase, terms
from app.search.query import search
from tests.plugins.search import product, titles

NOISE = {
    "double quotes": '"緑茶"',
    "japanese quotes": "「緑茶」",
    "trailing wildcard": "緑茶*",
    "leading minus": "-緑茶",
    "caret": "^緑茶",
    "brackets": "(緑茶)",
    "lenticular brackets": "【緑茶】",
    "percent": "緑茶%",
    "underscore": "_緑茶_",
    "apostrophe": "緑茶's",
    "sql fragment": "緑茶' OR 1=1 --",
    "emoji": "🍵緑茶🍵",
    "boolean OR": "緑茶 OR",
    "boolean AND NOT": "AND 緑茶 NOT",
    "exclamation and question": "緑茶！？",
    "hash tag": "#緑茶",
}


@pytest.fixture
def teas(catalog):
    return catalog(product("宇治 緑茶 100g"), product("ほうじ茶 ティーバッグ"), product("珈琲 ドリップ"))


@pytest.mark.parametrize("query", NOISE.values(), ids=NOISE.keys())
def test_noise_around_a_word_is_a_separator(teas, db, shop, query):
    assert terms(query) == ["緑茶"]
    results = search(session=db, shop=shop, query=query)
    assert titles(results) == ["宇治 緑茶 100g"] and results.close is False


def test_an_sql_fragment_finds_the_word_it_was_typed_around(teas, db, shop):
    # "products" is kept (a shop may sell them); the most-words fallback drops it
    assert titles(search(session=db, shop=shop, query="緑茶'; DROP TABLE products; --")) == ["宇治 緑茶 100g"]


def test_noise_between_words_separates_them(teas, db, shop):
    for query in ("宇治*緑茶", "宇治/緑茶", "宇治(緑茶)", "宇治 OR 緑茶", "宇治🍵緑茶", "宇治、緑茶"):
        assert titles(search(session=db, shop=shop, query=query)) == ["宇治 緑茶 100g"], query


@pytest.mark.parametrize("query", ["ＭＯＲＩ & ＣＯ.", "「MORI & CO.」", "mori&co"])
def test_a_brand_typed_with_its_punctuation_ranks_its_titles_first(catalog, db, shop, query):
    # "mori co" (the words joined) begins "MORI COFFEE", a title prefix, the second tier;
    # the phrase as typed is the brand's, so its titles come first within that tier
    made = catalog(
        product("MORI COFFEE 深煎り 200g", vendor="MORI COFFEE"),
        product("MORI COFFEE カフェオレベース", vendor="MORI COFFEE"),
        product("MORI & CO. リネンパーカー", vendor="MORI & CO."),
        product("mori&co 帆布トート", vendor="mori&co"),
    )
    best = made["MORI COFFEE 深煎り 200g"].id  # sells best: it would lead a tie
    db.exec(select(ProductSearch).where(ProductSearch.product_id == best)).one().recent_sales = 40
    db.commit()

    found = titles(search(session=db, shop=shop, query=query))

    brand = "mori&co 帆布トート" if query == "mori&co" else "MORI & CO. リネンパーカー"
    assert found[0] == brand
    assert set(found) == set(made)  # every title has both words: none is left out


def test_words_typed_with_spaces_only_have_no_phrase_of_their_own():
    assert phrase("緑茶 ほうじ茶", terms("緑茶 ほうじ茶")) == ""
    assert phrase("緑茶", terms("緑茶")) == ""
    assert phrase("「ＭＯＲＩ & ＣＯ.」", terms("「ＭＯＲＩ & ＣＯ.」")) == "mori & co"
    assert phrase("men's シャツ", terms("men's シャツ")) == "men's しゃつ"  # the clitic is part of it


def test_skus_and_sizes_keep_their_inner_dash_and_dot():
    assert terms("TS-KN-L") == ["ts-kn-l"]
    assert terms("2.5kg") == ["2.5kg"]


@pytest.mark.parametrize("query", ["OR", "*", "%", "_", "'", "--", "🍵", "()", "\\"])
def test_noise_alone_never_raises(teas, db, shop, query):
    search(session=db, shop=shop, query=query)


def test_stray_word_falls_back_to_the_most_words(catalog, db, shop):
    catalog(product("宇治 緑茶 ギフト"), product("宇治 緑茶"), product("ほうじ茶"))

    results = search(session=db, shop=shop, query="宇治 緑茶 ギフト ラーメン")

    assert titles(results) == ["宇治 緑茶 ギフト"] and results.close is True


def test_no_match_returns_nothing(catalog, db, shop):
    catalog(product("宇治 緑茶 ギフト"), product("ドッグフード チキン"))

    for query in ("ラーメン", "ワイヤレスイヤホン", "ラーメン 1", "スマホケース ノートパソコン"):
        assert titles(search(session=db, shop=shop, query=query)) == [], query


CLOSE = {
    "missing long vowel": ("ドッグフド", "ドッグフード チキン"),
    "extra long vowel": ("ドッグーフード", "ドッグフード チキン"),
    "small kana typed large": ("ドツグフード", "ドッグフード チキン"),
    "large kana typed small": ("キャリーケース", "ハンドキヤリーケース"),
    "one dropped character": ("ブランケト", "ブランケット ウール"),
    "hiragana and missing mark": ("どっぐふど", "ドッグフード チキン"),
    "dropped with no 3-character run left": ("ワンース", "リネン ワンピース"),
}


@pytest.mark.parametrize("typed,title", CLOSE.values(), ids=CLOSE.keys())
def test_close_katakana_spellings_still_find_the_product(catalog, db, shop, typed, title):
    catalog(
        product("ドッグフード チキン"),
        product("ブランケット ウール"),
        product("ハンドキヤリーケース"),
        product("リネン ワンピース"),
    )

    results = search(session=db, shop=shop, query=typed)

    assert titles(results) == [title] and results.close is True


def test_close_spellings_rank_below_exact_matches(catalog, db, shop):
    catalog(product("ティーポット 白"), product("ティポット 黒"))

    assert titles(search(session=db, shop=shop, query="ティポット")) == ["ティポット 黒", "ティーポット 白"]


def test_short_or_non_kana_words_get_no_close_spellings():
    assert spellings("こーひ") == [] and spellings("緑茶ぎふと") == [] and spellings("abcd") == []
    assert "どっぐふ_ど" in spellings("どっぐふど")


def test_a_mistyped_word_among_good_ones_is_respelled_alone(catalog, db, shop):
    catalog(product("ドッグフード チキン"), product("ドッグフード サーモン"), product("キャットフード チキン"))

    results = search(session=db, shop=shop, query="ドッグフド チキン")

    # チキン is spelled as the catalog spells it: only ドッグフド gets close spellings,
    # and both words still count (not just the products that have チキン)
    assert titles(results) == ["ドッグフード チキン"] and results.close is True


def test_words_that_never_meet_fall_back_to_the_most_of_them(catalog, db, shop):
    catalog(product("宇治 緑茶 ギフト"), product("宇治 ほうじ茶"), product("有田焼 湯呑み"), product("ギフト 箱"))

    results = search(session=db, shop=shop, query="宇治 緑茶 ギフト 湯呑み")

    # three of the four words meet in one product: it alone answers, not the 2- or 1-word ones
    assert titles(results) == ["宇治 緑茶 ギフト"] and results.close is True


@pytest.mark.parametrize("query", ["ヒノキ ラベンダー ハンドクリーム ギフトセット", "ヒノキ ラベンダー ギフトセット"])
def test_products_missing_one_word_answer_though_each_words_first_matches_miss_them(catalog, db, shop, query):
    # Each word alone is in more products than the fallback reads of a word, and those come
    # first in the index; only the last two products have all of the words but one.
    alone = [product(f"{word} {n}番") for word in query.split() for n in range(MOST_WORDS_CAP + 5)]
    catalog(*alone, product("ヒノキ ラベンダー ハンドクリーム"), product("ラベンダー ハンドクリーム ギフトセット"))

    results = search(session=db, shop=shop, query=query)

    assert sorted(titles(results)) == ["ヒノキ ラベンダー ハンドクリーム", "ラベンダー ハンドクリーム ギフトセット"]
    assert results.close is True


@pytest.mark.parametrize(
    "made,query",
    [
        (["宇治 緑茶 ギフト", "有田焼 湯呑み", "常滑焼 急須"], "宇治 緑茶 有田焼 急須"),
        # every word answered by SQLite's FTS index, none given close spellings
        (["有田焼 波佐見焼 小皿", "信楽焼 花器", "美濃焼 茶碗"], "有田焼 波佐見焼 信楽焼 美濃焼"),
    ],
)
def test_when_no_product_misses_only_one_word_each_words_matches_still_answer(catalog, db, shop, made, query):
    catalog(*[product(title) for title in made])

    results = search(session=db, shop=shop, query=query)

    # two of the four words at most meet in a product: that product answers
    assert titles(results) == [made[0]] and results.close is True


def test_the_most_words_prefers_the_longer_words_when_as_many(catalog, db, shop):
    catalog(product("宇治 茶"), product("ドッグフード 茶"))

    results = search(session=db, shop=shop, query="宇治 ドッグフード")

    assert titles(results) == ["ドッグフード 茶", "宇治 茶"] and results.close is True


def test_one_character_words_alone_are_never_a_close_answer(catalog, db, shop):
    catalog(product("Tシャツ S"), product("白 タオル"))

    # "s" and "白" each match a product, but a 1-character word is no answer on its own
    assert titles(search(session=db, shop=shop, query="s 白 ラーメン")) == []


def test_the_most_words_plans_each_words_lookup_for_all_its_matches_on_postgresql(catalog, db, shop):
    # With the cap as a LIMIT inside each word's lookup, the planner expected a scan of the
    # table to meet the cap early for a word it thought common ("えぷろん" at 6.7 %, truly
    # 1.5 %: 7,451 rows read, 19 ms, at 100,000 products). Each lookup is now planned for
    # every match it could give (a materialised CTE) and read only as far as the cap.
    from tests.helpers import statements

    catalog(product("宇治 緑茶 ギフト"), product("宇治 ほうじ茶"), product("有田焼 湯呑み"))
    engine = db.get_bind()
    with statements(engine) as seen:
        results = search(session=db, shop=shop, query="宇治 緑茶 ギフト 湯呑み")

    assert titles(results) == ["宇治 緑茶 ギフト"] and results.close is True
    if engine.dialect.name != "postgresql":
        return
    statement, parameters = next((s, p) for s, p in seen if "word0" in s)
    plan = db.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    lookups = [n for n in nodes(plan[0]["Plan"]) if n.get("Subplan Name", "").startswith("CTE word")]
    assert len(lookups) == 4 and all(n["Node Type"] != "Limit" for n in lookups)


def test_four_words_most_words_statement_keeps_its_parsed_form_in_psycopg(catalog, db, shop):
    # psycopg parses a statement again on every execution when it has more than 50
    # parameters or 4,096 bytes; the flags' 1 and 0 are written into the SQL
    from psycopg import _queries

    from tests.helpers import statements

    catalog(product("宇治 緑茶 ギフト"), product("有田焼 湯呑み"))
    with statements(db.get_bind()) as seen:
        search(session=db, shop=shop, query="宇治 緑茶 ギフト 湯呑み")

    scored = [(s, p) for s, p in seen if "scored" in s]
    assert scored
    if db.get_bind().dialect.name == "postgresql":
        statement, parameters = scored[0]
        assert len(parameters) <= _queries.MAX_CACHED_STATEMENT_PARAMS
        assert len(statement.encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH
