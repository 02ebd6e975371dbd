"""Checking a definition: what is stored (normalised), and a reason per wrong field, in the
merchant's language, at the path the editor shows it next to."""

from __future__ import annotations

import pytest

from app.audiences.compile import NotLocal, friend_ids
from app.audiences.definition import MAX_CONDITIONS, MAX_GROUPS, validate
from app.i18n import t
from app.models import Product
from app.timeutil import utcnow


def one(*conditions, match="all") -> dict:
    return {"match": "all", "groups": [{"match": match, "conditions": list(conditions)}]}


def check(db, shop, definition):
    return validate(definition, session=db, shop=shop)


def test_a_sound_definition_is_stored_normalised(db, shop):
    db.add(Product(shop_id=shop.id, shopify_id=777, handle="sencha"))
    db.commit()
    clean, errors = check(
        db,
        shop,
        {
            "groups": [
                {
                    "match": "any",
                    "conditions": [
                        {"field": "total_spent", "op": "gte", "value": "30,000"},
                        {"field": "bought", "by": "product", "values": "sencha, 777", "op": "bought", "days": ""},
                        {"field": "language", "op": "in", "values": ["EN", "ja", "en"]},
                        {"field": "prefecture", "op": "in", "values": ["jp-13"]},
                        {"field": "friend_since", "op": "on_or_after", "date": "2026-11-02"},
                        {"field": "linked", "value": False},
                    ],
                }
            ]
        },
    )
    assert errors == {}
    assert clean == {
        "match": "all",
        "groups": [
            {
                "match": "any",
                "conditions": [
                    {"field": "total_spent", "op": "gte", "value": "30000"},
                    {"field": "bought", "by": "product", "op": "bought", "values": [777], "days": None},
                    {"field": "language", "op": "in", "values": ["en", "ja"]},
                    {"field": "prefecture", "op": "in", "values": ["JP-13"]},
                    {"field": "friend_since", "op": "on_or_after", "date": "2026-11-02"},
                    {"field": "linked", "value": False},
                ],
            }
        ],
    }


def test_no_groups_is_every_reachable_friend(db, shop):
    assert check(db, shop, {}) == ({"match": "all", "groups": []}, {})


DAYS = {"max": "3,650"}
MANY = [f"tag{i}" for i in range(51)]


@pytest.mark.parametrize(
    ("condition", "path", "reason", "values"),
    [
        ({"field": "favourite_colour"}, "field", "field", {}),
        ({"field": "linked", "value": "yes"}, "value", "boolean", {}),
        ({"field": "last_order", "op": "within", "days": 0}, "days", "days", DAYS),
        ({"field": "last_order", "op": "within", "days": 3651}, "days", "days", DAYS),
        ({"field": "last_order", "op": "within", "days": "1.5"}, "days", "days", DAYS),
        ({"field": "last_order", "op": "lately", "days": 3}, "op", "op", {}),
        ({"field": "friend_since", "op": "before", "date": "2026-13-01"}, "date", "date", {}),
        ({"field": "orders_count", "op": "gte", "value": -1}, "value", "count", {"max": "1,000,000"}),
        ({"field": "orders_count", "op": "gte", "value": True}, "value", "count", {"max": "1,000,000"}),
        ({"field": "total_spent", "op": "gte", "value": "たくさん"}, "value", "amount", {}),
        ({"field": "total_spent", "op": "gte", "value": "NaN"}, "value", "amount", {}),
        ({"field": "customer_tag", "op": "any", "values": []}, "values", "values_empty", {}),
        ({"field": "customer_tag", "op": "any", "values": ["x" * 256]}, "values", "value_length", {"max": 255}),
        ({"field": "customer_tag", "op": "any", "values": MANY}, "values", "values_max", {"max": 50}),
        ({"field": "prefecture", "op": "in", "values": ["JP-48"]}, "values", "prefecture", {}),
        ({"field": "language", "op": "in", "values": ["日本語"]}, "values", "language", {}),
        ({"field": "bought", "by": "colour", "values": ["red"], "op": "bought"}, "by", "by", {}),
        ({"field": "bought", "by": "product", "values": ["no"], "op": "bought"}, "values", "product", {"value": "no"}),
    ],
)  # fmt: skip
def test_each_wrong_field_has_its_reason_at_its_path(db, shop, condition, path, reason, values):
    fine = {"match": "all", "conditions": [{"field": "linked", "value": True}]}
    _clean, errors = check(db, shop, {"groups": [fine, {"match": "all", "conditions": [condition]}]})
    assert errors == {f"groups.1.conditions.0.{path}": t(f"audiences.err.{reason}", "ja", **values)}


def test_a_reason_reads_as_the_merchant_reads_it(db, shop):
    _clean, errors = check(db, shop, one({"field": "last_order", "op": "within", "days": 0}))
    assert errors == {"groups.0.conditions.0.days": "日数は 1〜3,650 の整数で入力してください。"}


def test_group_and_shape_errors(db, shop):
    assert check(db, shop, {"match": "some"})[1] == {"match": "「すべて」か「いずれか」を選んでください。"}
    assert check(db, shop, {"groups": [{"conditions": []}]})[1] == {
        "groups.0": "条件を追加するか、このグループを削除してください。"
    }
    many = {"groups": [one({"field": "linked", "value": True})["groups"][0]] * (MAX_GROUPS + 1)}
    assert check(db, shop, many)[1] == {"groups": f"グループは {MAX_GROUPS} 個までです。"}
    crowded = one(*[{"field": "linked", "value": True}] * (MAX_CONDITIONS + 1))
    assert check(db, shop, crowded)[1] == {"groups.0": f"1 つのグループの条件は {MAX_CONDITIONS} 個までです。"}
    assert check(db, shop, ["not", "an", "object"])[1] == {"definition": "条件の形式が正しくありません。"}


def test_reasons_are_in_the_merchants_language(db, shop):
    shop.locale = "en"
    _clean, errors = check(db, shop, one({"field": "last_order", "op": "within", "days": 0}))
    assert errors == {"groups.0.conditions.0.days": "Enter a whole number of days from 1 to 3,650."}


def test_a_shopify_segment_is_not_built_or_compiled_here(db, shop):
    segment = {"shopify_segment_id": "gid://shopify/Segment/123"}
    assert set(check(db, shop, segment)[1]) == {"definition"}
    with pytest.raises(NotLocal):
        friend_ids(segment, shop=shop, now=utcnow())
