"""Admin API for audiences: the live count (linked and unlinked apart, reasons by field),
saved segments created, renamed, recounted and deleted whole, each in its own shop, and
the pages that list and edit them."""

from __future__ import annotations

from decimal import Decimal

import jsonschema_rs
import pytest

from app.admin.audiences.openapi import PATHS
from app.models import Customer, LineFriend, Segment
from tests.helpers import count, make_shop, rows
from tests.plugins.people import _json_schema

VIP = {
    "match": "all",
    "groups": [{"match": "all", "conditions": [{"field": "total_spent", "op": "gte", "value": 30000}]}],
}
UNLINKED = {"match": "all", "groups": [{"match": "all", "conditions": [{"field": "linked", "value": False}]}]}


def conforms(path: str, method: str, status: int, body) -> None:
    schema = PATHS[path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    jsonschema_rs.validator_for(_json_schema(schema), validate_formats=True).validate(body)


@pytest.fixture
def friends(db, shop):
    """Two VIP customers linked (one opted out), one small spender linked, two unlinked friends
    (one blocked)."""
    made = []
    for i, (spent, fields) in enumerate(
        [
            (50000, {}),
            (40000, {"marketing_opt_out_at": shop.created_at}),
            (1000, {}),
            (None, {}),
            (None, {"is_blocked": True}),
        ]
    ):
        customer = None
        if spent is not None:
            customer = Customer(shop_id=shop.id, shopify_id=900 + i, total_spent=Decimal(spent))
            db.add(customer)
            db.flush()
        made.append(
            LineFriend(
                shop_id=shop.id, line_user_id=f"U{i:032d}", customer_id=customer.id if customer else None, **fields
            )
        )
    db.add_all(made)
    db.commit()
    return made


def test_live_count_shows_linked_and_unlinked_apart(api, friends):
    everyone = api("POST", "/api/audiences/count", {"definition": {"groups": []}})
    assert everyone.status_code == 200
    assert everyone.get_json() == {"ok": True, "linked": 2, "unlinked": 1, "total": 3}
    conforms("/api/audiences/count", "post", 200, everyone.get_json())

    assert api("POST", "/api/audiences/count", {"definition": VIP}).get_json()["linked"] == 1  # opted out: not counted
    assert api("POST", "/api/audiences/count", {"definition": UNLINKED}).get_json() == {
        "ok": True,
        "linked": 0,
        "unlinked": 1,
        "total": 1,
    }


def test_live_count_refuses_a_wrong_condition_with_the_reason_by_its_field(api, friends):
    bad = {"groups": [{"match": "all", "conditions": [{"field": "last_order", "op": "within", "days": 0}]}]}
    response = api("POST", "/api/audiences/count", {"definition": bad})

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"groups.0.conditions.0.days": "日数は 1〜3,650 の整数で入力してください。"}


def test_segment_lifecycle_save_rename_recount_delete(api, friends, db, shop):
    created = api("POST", "/api/segments", {"name": " VIP ", "definition": VIP})
    assert created.status_code == 201
    conforms("/api/segments", "post", 201, created.get_json())
    segment = created.get_json()["segment"]
    assert segment["name"] == "VIP"
    assert (segment["size_linked"], segment["size_unlinked"]) == (1, 0)  # counted as saved

    renamed = api("PUT", f"/api/segments/{segment['id']}", {"name": "上得意様", "definition": UNLINKED})
    assert renamed.status_code == 200
    assert renamed.get_json()["segment"]["name"] == "上得意様"
    assert (renamed.get_json()["segment"]["size_linked"], renamed.get_json()["segment"]["size_unlinked"]) == (0, 1)

    db.add(LineFriend(shop_id=shop.id, line_user_id="U" + "9" * 32))  # a new unlinked friend
    db.commit()
    recounted = api("POST", f"/api/segments/{segment['id']}/count")
    conforms("/api/segments/{segment_id}/count", "post", 200, recounted.get_json())
    assert recounted.get_json()["segment"]["size_unlinked"] == 2
    assert rows(db, Segment)[0].size_unlinked == 2

    listed = api("GET", "/api/segments").get_json()
    conforms("/api/segments", "get", 200, listed)
    assert [s["name"] for s in listed["segments"]] == ["上得意様"]

    assert api("DELETE", f"/api/segments/{segment['id']}").get_json() == {"ok": True}
    assert count(db, Segment) == 0
    assert api("GET", f"/api/segments/{segment['id']}").status_code == 404


def test_nothing_is_saved_while_a_field_is_wrong(api, friends, db):
    response = api("POST", "/api/segments", {"name": "", "definition": {"groups": [{"conditions": []}]}})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"name", "groups.0"}
    assert count(db, Segment) == 0

    api("POST", "/api/segments", {"name": "VIP", "definition": VIP})
    again = api("POST", "/api/segments", {"name": "VIP", "definition": UNLINKED})
    assert again.status_code == 422
    assert again.get_json()["errors"] == {"name": "同じ名前のセグメントがあります。"}
    assert count(db, Segment) == 1


def test_another_shops_segment_answers_404(api, db, shop):
    other = make_shop(db, "other-shop.myshopify.com")
    theirs = Segment(shop_id=other.id, name="theirs", definition=VIP)
    db.add(theirs)
    db.commit()

    for method, path in [
        ("GET", f"/api/segments/{theirs.id}"),
        ("PUT", f"/api/segments/{theirs.id}"),
        ("DELETE", f"/api/segments/{theirs.id}"),
        ("POST", f"/api/segments/{theirs.id}/count"),
    ]:
        assert api(method, path, {"name": "mine", "definition": VIP}).status_code == 404, path
    assert api("GET", "/api/segments").get_json() == {"segments": []}
    assert rows(db, Segment)[0].name == "theirs"


def test_pages_list_and_edit_segments(api, db, shop):
    segment = Segment(shop_id=shop.id, name="未連携の友だち", definition=UNLINKED, size_linked=0, size_unlinked=12)
    db.add(segment)
    db.commit()

    listing = api("GET", "/audiences").get_data(as_text=True)
    assert "未連携の友だち" in listing and f'href="/audiences/{segment.id}"' in listing and ">12<" in listing
    editing = api("GET", f"/audiences/{segment.id}").get_data(as_text=True)
    assert "セグメントを編集" in editing and '"name": "未連携の友だち"' in editing
    assert "セグメントを作成" in api("GET", "/audiences/new").get_data(as_text=True)
    assert api("GET", "/audiences/999999").status_code == 404


def test_a_shopify_segment_is_not_recounted_from_local_data(api, db, shop):
    segment = Segment(shop_id=shop.id, name="Shopify", definition={"shopify_segment_id": "gid://shopify/Segment/1"})
    db.add(segment)
    db.commit()
    answer = api("POST", f"/api/segments/{segment.id}/count")
    assert answer.status_code == 200 and answer.get_json()["segment"]["size_linked"] is None
