"""The friend sources API: refusals by field with nothing saved, edits, deletes, the QR
code's contents (PNG modules and SVG checked against segno's own matrix), and the
per-source figures over a period."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import segno
from PIL import Image

from app.models import (
    Attribution,
    Customer,
    FriendBlock,
    FriendSource,
    FriendSourceVisit,
    LineFriend,
    Order,
    VisitOutcome,
)
from app.sources import links, rollup
from app.timeutil import utcnow
from tests.helpers import count, make_shop, rows

POP = {
    "name": "店頭POP",
    "slug": "shibuya-pop",
    "tag": "店頭",
    "greeting": "{shop_name}へようこそ",
    "cost_yen": "30,000",
}


def test_a_source_is_created_and_listed_with_its_link(api, shop):
    created = api("POST", "/api/sources", POP)
    assert created.status_code == 201
    source = created.get_json()["source"]
    assert source["url"] == "https://tsunagu.test/s/test-shop/shibuya-pop"
    assert (source["tag"], source["cost_yen"], source["greeting"]) == ("店頭", 30000, "{shop_name}へようこそ")
    listed = api("GET", "/api/sources").get_json()
    assert [s["slug"] for s in listed["sources"]] == ["shibuya-pop"] and listed["login_ready"] is False


def test_wrong_fields_are_refused_by_field_and_nothing_is_saved(api, shop, db):
    api("POST", "/api/sources", POP)
    response = api(
        "POST",
        "/api/sources",
        {"name": " ", "slug": "shibuya-pop", "tag": "a,b", "greeting": "{shop_name", "cost_yen": "-5"},
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"name", "slug", "tag", "greeting", "cost_yen"}
    assert errors["slug"] == "この URL の末尾はほかの流入経路で使われています。"
    assert api("POST", "/api/sources", {**POP, "slug": "Bad Slug!"}).get_json()["errors"] == {
        "slug": "URL の末尾は半角英小文字・数字・ハイフン（64 文字まで、先頭と末尾は英数字）で入力してください。"
    }
    assert count(db, FriendSource) == 1


def test_a_source_is_changed_and_the_same_slug_in_another_shop_is_fine(api, shop, db):
    source_id = api("POST", "/api/sources", POP).get_json()["source"]["id"]
    changed = api("PUT", f"/api/sources/{source_id}", {**POP, "name": "店頭POP（渋谷）", "cost_yen": None})
    assert changed.status_code == 200 and changed.get_json()["source"]["cost_yen"] is None
    other = make_shop(db, "other-shop.myshopify.com")
    db.add(FriendSource(shop_id=other.id, name="x", slug="shibuya-pop"))
    db.commit()
    assert api("PUT", f"/api/sources/{source_id}", POP).status_code == 200
    theirs = rows(db, FriendSource, FriendSource.shop_id == other.id)[0]
    assert api("PUT", f"/api/sources/{theirs.id}", POP).status_code == 404
    assert api("DELETE", f"/api/sources/{theirs.id}").status_code == 404


def test_deleting_a_source_keeps_its_friends(api, shop, db):
    source_id = api("POST", "/api/sources", POP).get_json()["source"]["id"]
    friend = LineFriend(shop_id=shop.id, line_user_id="U" + "1" * 32, source_id=source_id)
    db.add(friend)
    db.flush()
    db.add(FriendSourceVisit(shop_id=shop.id, source_id=source_id, ip_hash="0" * 64, line_friend_id=friend.id))
    db.commit()

    assert api("DELETE", f"/api/sources/{source_id}").status_code == 200
    assert count(db, FriendSourceVisit) == 0 and count(db, FriendSource) == 0
    assert rows(db, LineFriend)[0].source_id is None


def _modules(png: bytes, code: segno.QRCode) -> list[list[bool]]:
    """Read the PNG back module by module (dark = True), quiet zone included."""
    image = Image.open(io.BytesIO(png)).convert("L")
    size = code.symbol_size(border=links.BORDER)[0]
    scale = image.width // size
    assert image.width == size * scale
    return [
        [image.getpixel((x * scale + scale // 2, y * scale + scale // 2)) < 128 for x in range(size)]
        for y in range(size)
    ]


def test_the_qr_code_encodes_the_sources_link_at_print_size(api, shop):
    source_id = api("POST", "/api/sources", POP).get_json()["source"]["id"]
    url = "https://tsunagu.test/s/test-shop/shibuya-pop"
    expected = segno.make(url, error="m")
    border = [[False] * links.BORDER]

    for size, mm in links.PRINT_SIZES_MM.items():
        response = api("GET", f"/api/sources/{source_id}/qr.png?size={size}")
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert f"line-shibuya-pop-{mm}mm.png" in response.headers["Content-Disposition"]
        matrix = _modules(response.data, expected)
        inner = [row[links.BORDER : -links.BORDER] for row in matrix[links.BORDER : -links.BORDER]]
        assert inner == [[bool(v) for v in row] for row in expected.matrix]
        assert all(row[: links.BORDER] == border[0] for row in matrix)
        width_px = Image.open(io.BytesIO(response.data)).width
        assert width_px >= mm / 25.4 * 300  # at least the print width at 300 dpi

    svg = api("GET", f"/api/sources/{source_id}/qr.svg?size=l")
    assert svg.mimetype == "image/svg+xml" and b'width="80.0mm"' in svg.data
    assert svg.data == links.svg(url, "l")
    assert api("GET", f"/api/sources/{source_id}/qr.png?size=xl").status_code == 400


def test_figures_per_source_over_the_period(api, shop, db):
    pop_id = api("POST", "/api/sources", POP).get_json()["source"]["id"]
    flyer_id = api("POST", "/api/sources", {"name": "チラシ", "slug": "flyer"}).get_json()["source"]["id"]
    now = utcnow()
    old = now - timedelta(days=60)

    def friend(n: int, source_id: int | None, **fields) -> LineFriend:
        row = LineFriend(shop_id=shop.id, line_user_id=f"U{n:032d}", source_id=source_id, **fields)
        db.add(row)
        db.flush()
        return row

    def visited(source_id: int, at, outcome=None, friend_row=None):
        brought = outcome in (VisitOutcome.NEW, VisitOutcome.READDED)
        rollup.count(session=db, shop=shop, source_id=source_id, at=at, visits=1, new_friends=int(brought))
        db.add(
            FriendSourceVisit(
                shop_id=shop.id,
                source_id=source_id,
                visited_at=at,
                ip_hash="a" * 64,
                outcome=outcome,
                resolved_at=at if outcome else None,
                line_friend_id=friend_row.id if friend_row else None,
            )
        )

    customer = Customer(shop_id=shop.id, shopify_id=9001)
    db.add(customer)
    db.flush()
    linked = friend(1, pop_id, customer_id=customer.id, linked_at=now - timedelta(days=2))
    blocked = friend(2, pop_id, is_blocked=True)
    readded = friend(3, pop_id)
    friend(4, flyer_id)
    visited(pop_id, now - timedelta(days=3), VisitOutcome.NEW, linked)
    visited(pop_id, now - timedelta(days=3), VisitOutcome.NEW, blocked)
    visited(pop_id, now - timedelta(days=1), VisitOutcome.READDED, readded)
    visited(pop_id, now - timedelta(days=1), VisitOutcome.EXISTING)
    visited(pop_id, now - timedelta(hours=1))  # still at LINE Login
    visited(pop_id, old, VisitOutcome.NEW)  # before the period
    visited(flyer_id, now - timedelta(days=5), VisitOutcome.NEW)
    db.add(FriendBlock(shop_id=shop.id, friend_id=blocked.id, blocked_at=now - timedelta(days=1)))
    db.add(FriendBlock(shop_id=shop.id, friend_id=blocked.id, blocked_at=old))
    for n, (at, revenue) in enumerate([(now - timedelta(days=1), "4800"), (old, "9999")]):
        order = Order(shop_id=shop.id, shopify_id=700 + n, customer_shopify_id=9001, processed_at=at)
        db.add(order)
        db.flush()
        db.add(Attribution(shop_id=shop.id, order_id=order.id, kind="click", revenue=Decimal(revenue), ordered_at=at))
    db.commit()

    sources = {s["id"]: s["figures"] for s in api("GET", "/api/sources?period=30").get_json()["sources"]}
    pop = sources[pop_id]
    assert (pop["visits"], pop["new_friends"], pop["blocks"], pop["linked"]) == (5, 3, 1, 1)
    assert (pop["orders"], pop["revenue"]) == (1, "4800.00")
    assert (pop["cost_yen"], pop["cost_per_friend"]) == (30000, "10000")
    flyer = sources[flyer_id]
    assert (flyer["visits"], flyer["new_friends"], flyer["orders"], flyer["cost_per_friend"]) == (1, 1, 0, None)
    assert api("GET", "/api/sources?period=365").status_code == 400


def test_the_page_explains_when_sources_cannot_be_recorded_and_charts_new_friends(api, client, shop, db):
    api("POST", "/api/sources", POP)
    page = api("GET", "/sources").get_data(as_text=True)
    assert "LINE ログインが未設定のため、流入経路を記録できません" in page
    assert "経路別の新しい友だち" in page and "https://tsunagu.test/s/test-shop/shibuya-pop" in page
    assert "https://tsunagu.test/s/callback" in page


def test_a_source_names_only_a_sequence_of_its_own_shop(api, db, sequence):
    mine = sequence("account_linked")
    made = api("POST", "/api/sources", {**POP, "sequence_id": mine.id})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["source"]["sequence_id"] == mine.id
    wrong = api("POST", "/api/sources", {**POP, "slug": "flyer-seq2", "sequence_id": mine.id + 999})
    assert wrong.status_code == 422 and "sequence_id" in wrong.get_json()["errors"]
    assert count(db, FriendSource) == 1
