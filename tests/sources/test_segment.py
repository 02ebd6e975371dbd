""" "Friend source" and "friend tag" as audience conditions: checked against the shop's own
sources, and counted the same way for the whole shop and for one friend (SQLite and PostgreSQL)."""

from __future__ import annotations

from app.audiences.definition import validate
from app.models import FriendSource
from tests.audiences.test_conditions import NOW, Store
from tests.helpers import make_shop


def _source(db, shop, slug: str) -> FriendSource:
    row = FriendSource(shop_id=shop.id, name=slug, slug=slug)
    db.add(row)
    db.commit()
    return row


def test_friends_by_their_first_source(db, shop):
    store = Store(db, shop)
    pop, flyer = _source(db, shop, "pop"), _source(db, shop, "flyer")
    store.friend("from pop", source_id=pop.id, source_at=NOW)
    store.friend("from flyer", source_id=flyer.id, source_at=NOW)
    store.friend("no source")
    store.friend("blocked from pop", source_id=pop.id, is_blocked=True)

    assert store.who({"field": "source", "op": "in", "values": [pop.id]}) == {"from pop"}
    assert store.who({"field": "source", "op": "in", "values": [pop.id, flyer.id]}) == {"from pop", "from flyer"}
    assert store.who({"field": "source", "op": "not_in", "values": [pop.id]}) == {"from flyer", "no source"}


def test_friends_by_the_tags_sources_gave_them(db, shop):
    store = Store(db, shop)
    store.friend("pop", tags="店頭")
    store.friend("pop and flyer", tags="店頭, チラシ")
    store.friend("untagged")

    assert store.who({"field": "friend_tag", "op": "any", "values": ["チラシ"]}) == {"pop and flyer"}
    assert store.who({"field": "friend_tag", "op": "none", "values": ["店頭"]}) == {"untagged"}


def test_a_source_condition_names_the_shops_own_sources(db, shop):
    pop = _source(db, shop, "pop")
    other_shop = make_shop(db, "other-shop.myshopify.com")
    theirs = _source(db, other_shop, "pop")

    def check(values):
        definition = {"groups": [{"conditions": [{"field": "source", "op": "in", "values": values}]}]}
        return validate(definition, session=db, shop=shop)

    clean, errors = check([str(pop.id)])
    assert errors == {} and clean["groups"][0]["conditions"][0] == {"field": "source", "op": "in", "values": [pop.id]}
    for wrong in ([theirs.id], [], ["x"], [pop.id + 1000]):
        _, errors = check(wrong)
        assert set(errors) == {"groups.0.conditions.0.values"}, wrong
    _, errors = check([theirs.id])
    assert errors["groups.0.conditions.0.values"] == "流入経路を一覧から選んでください。"
