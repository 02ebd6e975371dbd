"""Search results: AND of words, ranking tiers, stock, best sellers, synonyms, scope."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.models import ProductSearch, SynonymGroup
from app.search.query import search
from tests.helpers import make_shop, statements
from tests.plugins.search import product, titles


def test_ranking_exact_prefix_contains_tags_description(catalog, db, shop):
    catalog(
        product("有機ルイボスティー"),
        product("カモミール", body="<p>ルイボスに近い、やさしい味</p>"),
        product("ルイボス 100g", product_type="ハーブティー"),
        product("ルイボス"),
        product("南アフリカ産ルイボス", product_type="ルイボス"),
        product("ハーブティー アソート", tags="ルイボス, ギフト"),
    )

    found = titles(search(session=db, shop=shop, query="ルイボス"))

    assert found[0] == "ルイボス"  # exact title
    assert found[1] == "ルイボス 100g"  # title prefix
    assert found[2] == "南アフリカ産ルイボス"  # title contains, and its type says so too
    assert found[3] == "有機ルイボスティー"  # title contains
    assert found[4] == "ハーブティー アソート"  # tags
    assert found[5] == "カモミール"  # description only


def test_all_words_must_match(catalog, db, shop):
    catalog(product("緑茶 ギフト"), product("緑茶"), product("ギフトカード"))

    assert titles(search(session=db, shop=shop, query="緑茶 ギフト")) == ["緑茶 ギフト"]


def test_full_width_half_width_and_kana_find_the_same_products(catalog, db, shop):
    catalog(product("コットンTシャツ"), product("コーヒー豆 深煎り"))

    for query in ("ｔシャツ", "Tシャツ", "tシャツ"):
        assert titles(search(session=db, shop=shop, query=query)) == ["コットンTシャツ"]
    for query in ("ｺｰﾋｰ", "こーひー", "コーヒー"):
        assert titles(search(session=db, shop=shop, query=query)) == ["コーヒー豆 深煎り"]


def test_in_stock_first_then_best_sellers(catalog, db, shop):
    made = catalog(product("玄米 5kg A", quantity=0), product("玄米 5kg B"), product("玄米 5kg C"))
    best = made["玄米 5kg C"].id
    db.exec(select(ProductSearch).where(ProductSearch.product_id == best)).one().recent_sales = 40
    db.commit()

    results = search(session=db, shop=shop, query="玄米")

    assert titles(results) == ["玄米 5kg C", "玄米 5kg B", "玄米 5kg A"]
    assert [f.in_stock for f in results.found] == [True, True, False]


def test_synonyms_widen_a_word(catalog, db, shop):
    catalog(product("コットン ティーシャツ"), product("リネン Tシャツ"), product("ロングスリーブ tee"))
    db.add(SynonymGroup(shop_id=shop.id, terms=["Tシャツ", "ティーシャツ", "tee"]))
    db.commit()

    assert sorted(titles(search(session=db, shop=shop, query="てぃーしゃつ"))) == [
        "コットン ティーシャツ",
        "リネン Tシャツ",
        "ロングスリーブ tee",
    ]
    assert titles(search(session=db, shop=shop, query="リネン tee")) == ["リネン Tシャツ"]


def test_a_shops_groups_are_read_once_per_stamp(catalog, db, shop):
    catalog(product("コットン ティーシャツ"), product("リネン Tシャツ"))
    db.add(SynonymGroup(shop_id=shop.id, terms=["Tシャツ", "ティーシャツ"]))
    db.commit()
    assert len(titles(search(session=db, shop=shop, query="tシャツ"))) == 2

    with statements(db.get_bind()) as seen:
        again = titles(search(session=db, shop=shop, query="tシャツ"))

    assert len(again) == 2  # the kept groups still widen the word
    assert not [s for s, _ in seen if "synonym_groups" in s]


def test_a_shop_without_a_stamp_reads_its_groups_every_time(catalog, db, shop):
    catalog(product("コットン ティーシャツ"), product("リネン Tシャツ"))
    shop.synonyms_stamp = None
    db.add(shop)
    db.commit()
    assert titles(search(session=db, shop=shop, query="tシャツ")) == ["リネン Tシャツ"]

    db.add(SynonymGroup(shop_id=shop.id, terms=["Tシャツ", "ティーシャツ"]))
    db.commit()

    assert len(titles(search(session=db, shop=shop, query="tシャツ"))) == 2


def test_short_words_use_the_fallback_and_still_rank(catalog, db, shop):
    catalog(product("靴下 3足セット"), product("ウール靴下"), product("手袋"))

    assert titles(search(session=db, shop=shop, query="靴下")) == ["靴下 3足セット", "ウール靴下"]
    assert titles(search(session=db, shop=shop, query="茶")) == []


def test_only_searchable_products_of_this_shop(catalog, db, shop, app):
    catalog(product("梅干し 特選"), product("梅干し 下書き", status="draft"), product("梅干し 非公開", published=False))
    other = make_shop(db, domain="other-shop.myshopify.com")
    from app.sync.products import upsert_product

    with app.app_context():
        upsert_product(session=db, shop=other, payload=product("梅干し よその店"))
        db.commit()

    assert titles(search(session=db, shop=shop, query="梅干し")) == ["梅干し 特選"]


def test_deleted_product_disappears_from_search(catalog, db, shop, app):
    from app.sync.products import delete_product

    made = catalog(product("黒酢 ドリンク"))
    with app.app_context():
        delete_product(session=db, shop=shop, payload={"id": made["黒酢 ドリンク"].shopify_id})
        db.commit()

    assert titles(search(session=db, shop=shop, query="黒酢")) == []


def test_variant_titles_and_skus_are_searchable(catalog, db, shop):
    catalog(product("オーガニック Tシャツ", variants=[("M / ネイビー", "TS-NV-M"), ("L / 生成り", "TS-KN-L")]))

    assert titles(search(session=db, shop=shop, query="ネイビー")) == ["オーガニック Tシャツ"]
    assert titles(search(session=db, shop=shop, query="ts-kn-l")) == ["オーガニック Tシャツ"]


def test_more_flag_when_over_the_limit(catalog, db, shop):
    catalog(*[product(f"湯呑み {i}") for i in range(12)])

    results = search(session=db, shop=shop, query="湯呑み")

    assert len(results.found) == 10 and results.more is True


def test_a_word_only_in_descriptions_is_flagged_and_ranked_last(catalog, db, shop):
    catalog(
        product("ドッグフード チキン", body="<p>送料無料でお届けします</p>"),
        product("湯呑み 白", body="<p>ご自宅にお届け</p>"),
    )

    described = search(session=db, shop=shop, query="お届け")
    assert len(described.found) == 2 and described.description_only is True

    catalog(product("お届け便 ギフトセット"))
    named = search(session=db, shop=shop, query="お届け")
    assert titles(named)[0] == "お届け便 ギフトセット" and named.description_only is False


def test_a_variant_or_sku_match_is_not_a_description_match(catalog, db, shop):
    catalog(product("Tシャツ", variants=[("M", "TS-NV-M")]), product("靴下", body="<p>ts-nv-m と同じ生地</p>"))

    results = search(session=db, shop=shop, query="TS-NV-M")

    assert titles(results) == ["Tシャツ", "靴下"] and results.description_only is False


def test_a_statement_built_for_one_query_serves_the_next_of_its_shape_with_its_values(catalog, db, shop, app):
    # Same shape (a 2-character word and a 3-character one): one statement, built once.
    from app.search import binds
    from app.sync.products import upsert_product

    catalog(product("緑茶 ギフト"), product("紅茶 ギフト"), product("緑茶 急須"))
    other = make_shop(db, domain="other-shop.myshopify.com")
    with app.app_context():
        upsert_product(session=db, shop=other, payload=product("紅茶 ギフト よその店"))
        db.commit()
    binds._built.clear()

    first = titles(search(session=db, shop=shop, query="緑茶 ギフト"))
    built = dict(binds._built.items())
    second = titles(search(session=db, shop=shop, query="紅茶 ギフト"))
    elsewhere = titles(search(session=db, shop=other, query="紅茶 ギフト"))
    after = dict(binds._built.items())

    assert (first, second, elsewhere) == (["緑茶 ギフト"], ["紅茶 ギフト"], ["紅茶 ギフト よその店"])
    assert built and after.keys() == built.keys()
    assert all(after[key] is built[key] for key in built)  # reused, not rebuilt


def test_close_spellings_of_one_shape_keep_their_own_patterns(catalog, db, shop):
    # Katakana words of one shape with the long-vowel mark missing: twelve patterns each.
    catalog(product("リップクリーム 無香料"), product("ナイトクリーム 保湿"))

    first = search(session=db, shop=shop, query="リップクリム")
    second = search(session=db, shop=shop, query="ナイトクリム")

    assert (titles(first), first.close) == (["リップクリーム 無香料"], True)
    assert (titles(second), second.close) == (["ナイトクリーム 保湿"], True)


def test_past_the_cap_title_matches_and_best_sellers_are_still_ranked(catalog, db, shop, monkeypatch):
    # More matches than the cap: the first ones found are tag matches, the title match and the
    # best seller come later. The title lookup finds the one (both databases); on PostgreSQL,
    # the best-seller lookup finds the other (SQLite ranks its capped FTS matches alone).
    from app.search import binds, conditions, query

    made = catalog(
        *[product(f"ギフト セット {n}", tags="ルイボス") for n in range(4)],
        product("ルイボス 100g"),
        product("ギフト 特選", tags="ルイボス"),
    )
    best = made["ギフト 特選"].id
    db.exec(select(ProductSearch).where(ProductSearch.product_id == best)).one().recent_sales = 40
    db.commit()
    for module in (conditions, query):
        monkeypatch.setattr(module, "CAP", 3)
    binds._built.clear()
    try:
        found = titles(search(session=db, shop=shop, query="ルイボス"))
    finally:
        binds._built.clear()  # statements built with the small cap

    assert found[0] == "ルイボス 100g"
    if db.get_bind().dialect.name == "postgresql":
        assert found[1] == "ギフト 特選"  # a tag match like the others, and the best seller
    assert len(found) <= 1 + 3 + 1


def test_close_spellings_are_looked_up_without_a_table_scan_on_postgresql(catalog, db, shop):
    # "ドリップコーー" (an extra ー for ヒ): its patterns' estimates add up and the planner
    # scanned 20,000 products testing each pattern (295 ms at 100,000); the lookup now runs
    # with sequential scans off, and the setting is as it was once the search is done.
    from sqlalchemy import event, text

    catalog(product("ドリップコーヒー 深煎り"), product("ドリップバッグ 10袋"), product("紅茶"))
    sent: list[str] = []

    def record(conn, cursor, statement, *args):
        sent.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        results = search(session=db, shop=shop, query="ドリップコーー")
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert (titles(results), results.close) == (["ドリップコーヒー 深煎り"], True)
    if engine.dialect.name == "postgresql":
        switches = [i for i, s in enumerate(sent) if "set_config('enable_seqscan'" in s]
        lookup = next(i for i, s in enumerate(sent) if s.startswith("SELECT product_search.product_id"))
        assert len(switches) == 2 and switches[0] < lookup < switches[1]
        assert db.execute(text("SHOW enable_seqscan")).scalar_one() == "on"  # same transaction


@pytest.fixture
def small_cap(monkeypatch):
    """Index lookups capped at 4 candidates (statements are rebuilt for the test and after)."""
    from app.search import binds, conditions, query

    monkeypatch.setattr(conditions, "CAP", 4)
    monkeypatch.setattr(query, "CAP", 4)
    binds._built.clear()
    yield
    binds._built.clear()


def test_the_exact_and_prefix_titles_are_found_however_many_titles_have_the_word(small_cap, catalog, db, shop):
    # more titles with the word than a lookup takes, the exact and prefix titles added last:
    # the capped lookups (title matches first) take the older ones
    catalog(*[product(f"宇治の緑茶 {n}") for n in range(12)])
    catalog(product("緑茶 ティーバッグ"), product("緑茶"))

    found = titles(search(session=db, shop=shop, query="緑茶"))

    assert found[:2] == ["緑茶", "緑茶 ティーバッグ"]


def test_three_words_are_found_then_ranked_like_every_other_query(catalog, db, shop):
    # On PostgreSQL, three or more words look their matches up alone and rank the ids found
    # (no title or best-seller lookups to plan while there are fewer matches than the cap);
    # the ranking is the same tiers
    catalog(
        product("煎茶 詰め合わせ", body="宇治 緑茶 ギフト に"),
        product("宇治の緑茶", tags="ギフト"),
        product("緑茶 ギフト 宇治産"),
        product("特選 宇治 緑茶 ギフト"),
        product("宇治 緑茶 ギフト 箱入り"),
        product("宇治 緑茶 ギフト"),
        product("宇治 ほうじ茶 ギフト"),
    )
    with statements(db.get_bind()) as seen:
        found = titles(search(session=db, shop=shop, query="宇治 緑茶 ギフト"))

    assert found == [
        "宇治 緑茶 ギフト",  # exact
        "宇治 緑茶 ギフト 箱入り",  # prefix
        "特選 宇治 緑茶 ギフト",  # contains the phrase
        "緑茶 ギフト 宇治産",  # every word in the title
        "宇治の緑茶",  # title or tags
    ]  # (a description-only match is left out when others match)
    if db.get_bind().dialect.name == "postgresql":
        sql = [s for s, _ in seen]
        assert not any("matches" in s for s in sql)  # the wide statement did not run
        assert any("= ANY" in s and "tier" in s for s in sql)  # the ids found, ranked


def test_three_words_with_as_many_matches_as_the_cap_get_the_title_lookups(small_cap, catalog, db, shop):
    catalog(*[product(f"宇治 煎茶 {n}", tags="緑茶 ギフト") for n in range(6)])
    catalog(product("宇治 緑茶 ギフト"))
    with statements(db.get_bind()) as seen:
        found = titles(search(session=db, shop=shop, query="宇治 緑茶 ギフト"))

    assert found[0] == "宇治 緑茶 ギフト"  # added last, past the cap of 4: found by its title
    if db.get_bind().dialect.name == "postgresql":
        assert any("matches" in s for s, _ in seen)
