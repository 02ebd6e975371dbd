"""Admin API for search: rules validate and save whole, reorder, stay in their shop;
synonyms; catalog sync requests; the chat simulator changes nothing."""

from __future__ import annotations

import pytest

from app.models import CatalogSync, KeywordRule, LineFriend, SearchLog, SynonymGroup
from app.search.query import search
from tests.helpers import count, fresh, make_shop, rows
from tests.plugins.search import product, titles


@pytest.fixture
def shop(db):
    return make_shop(db)


@pytest.fixture
def api(client, fake_shopify):
    def call(method: str, path: str, body: dict | None = None, shop: str = "test-shop"):
        return client.open(
            path,
            method=method,
            json=body if body is not None else {},
            headers={"Authorization": f"Bearer {fake_shopify.session_token(shop)}"},
        )

    return call


def test_invalid_rules_are_refused_field_by_field_and_nothing_is_saved(api, shop, db):
    response = api("POST", "/api/keyword-rules", {"keywords": "  ", "answer": "products", "product_ids": "no-such"})

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"keywords", "product_ids"}
    assert count(db, KeywordRule) == 0


def test_rule_lifecycle_create_edit_move_delete(api, shop, db, catalog):
    made = catalog(product("宇治 煎茶"))
    first = api("POST", "/api/keyword-rules", {"keywords": "送料, 配送料", "answer": "text", "text": "無料です"})
    second = api(
        "POST",
        "/api/keyword-rules",
        {"keywords": "おすすめ", "answer": "products", "product_ids": made["宇治 煎茶"].handle},
    )
    assert first.status_code == 201 and second.status_code == 201
    second_id = second.get_json()["rule"]["id"]
    assert second.get_json()["rule"]["product_ids"] == [made["宇治 煎茶"].shopify_id]  # the handle, resolved

    api("POST", f"/api/keyword-rules/{second_id}/move", {"direction": "up"})
    assert [r.id for r in sorted(rows(db, KeywordRule), key=lambda r: r.position)][0] == second_id

    edited = api(
        "PUT",
        f"/api/keyword-rules/{second_id}",
        {"keywords": "ギフト", "match": "exact", "answer": "collection", "collection_handle": "/collections/gift"},
    )
    assert edited.status_code == 200
    rule = next(r for r in rows(db, KeywordRule) if r.id == second_id)
    assert (rule.keywords, rule.match, rule.answer, rule.collection_handle) == (
        ["ギフト"],
        "exact",
        "collection",
        "gift",
    )

    assert api("DELETE", f"/api/keyword-rules/{second_id}").status_code == 200
    assert [r.keywords for r in rows(db, KeywordRule)] == [["送料", "配送料"]]


def test_another_shops_rules_are_out_of_reach(api, shop, db):
    other = make_shop(db, domain="other-shop.myshopify.com")
    theirs = KeywordRule(shop_id=other.id, keywords=["秘密"], answer="text", text="x")
    db.add(theirs)
    db.commit()

    assert api("PUT", f"/api/keyword-rules/{theirs.id}", {"keywords": "a", "text": "b"}).status_code == 404
    assert api("DELETE", f"/api/keyword-rules/{theirs.id}").status_code == 404
    assert api("GET", "/api/keyword-rules").get_json() == {"rules": []}
    assert count(db, KeywordRule) == 1


def test_synonyms_replace_the_groups(api, shop, db):
    bad = api("PUT", "/api/synonyms", {"groups": "tシャツ\nひとつだけ"})
    assert bad.status_code == 422 and count(db, SynonymGroup) == 0

    good = api("PUT", "/api/synonyms", {"groups": "tシャツ, ティーシャツ, tee\nパーカー、フーディー"})

    assert good.status_code == 200
    assert sorted(g.terms for g in rows(db, SynonymGroup)) == [
        ["tシャツ", "ティーシャツ", "tee"],
        ["パーカー", "フーディー"],
    ]


def test_saved_synonyms_reach_a_process_that_kept_the_old_ones(api, shop, db, catalog):
    catalog(product("コットン ティーシャツ"), product("リネン Tシャツ"))
    assert titles(search(session=db, shop=shop, query="tシャツ")) == ["リネン Tシャツ"]  # kept: no groups

    assert api("PUT", "/api/synonyms", {"groups": "tシャツ, ティーシャツ"}).status_code == 200
    fresh(db)

    assert sorted(titles(search(session=db, shop=shop, query="tシャツ"))) == ["コットン ティーシャツ", "リネン Tシャツ"]


def test_sync_now_starts_one_sync_at_a_time(api, shop, db):
    first = api("POST", "/api/catalog/sync")
    second = api("POST", "/api/catalog/sync")

    assert first.status_code == 202 and second.get_json()["sync"]["id"] == first.get_json()["sync"]["id"]
    [sync] = rows(db, CatalogSync)
    assert (sync.status, sync.trigger) == ("pending", "manual")


def test_simulator_answers_with_the_bots_messages_and_changes_nothing(api, shop, db, catalog):
    catalog(product("宇治 煎茶"))

    search = api("POST", "/api/chat/simulate", {"text": "煎茶"}).get_json()["messages"]
    stop = api("POST", "/api/chat/simulate", {"text": "配信停止"}).get_json()["messages"]
    english = api("POST", "/api/chat/simulate", {"text": "order", "lang": "en"}).get_json()["messages"]

    assert (
        search[0]["type"] == "flex"
        and search[0]["contents"]["contents"][0]["body"]["contents"][0]["text"] == "宇治 煎茶"
    )
    assert "配信を停止しました" in stop[0]["text"]
    assert "isn't linked yet" in english[0]["altText"]
    assert count(db, SearchLog) == 0 and count(db, LineFriend) == 0
