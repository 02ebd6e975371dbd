"""Shopify customer segments as audiences, through the fake Shopify over HTTP: the shop's
segments listed, members paged (and read through the async members query when Shopify asks
for it), a deleted segment named as such, and the count of members linked to LINE."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import ext
from app.audiences.shopify_segments import (
    SegmentCount,
    SegmentGone,
    linked_count,
    linked_friend_ids,
    list_segments,
    members,
    segment_gid,
)
from app.shopify import queries
from app.timeutil import utcnow
from tests.fakes.shopify_schema import as_shopify_answers
from tests.helpers import make_shop
from tests.plugins.people import customer, friend

TOKEN = "shpat_segments"


@pytest.fixture
def shop(db, app, fake_shopify):
    """The test shop, holding an Admin API token the fake Shopify accepts."""
    row = make_shop(
        db, access_token_enc=ext.vault(app).encrypt(TOKEN), access_token_expires_at=utcnow() + timedelta(hours=1)
    )
    fake_shopify.access_tokens[TOKEN] = "test-shop"
    return row


def segment_calls(fake_shopify, name: str) -> list[dict]:
    """The variables of every request of the document `name` (e.g. "SegmentMembers")."""
    return [r.body.get("variables") or {} for r in fake_shopify.requests if f"{name}(" in r.body.get("query", "")]


def test_the_shops_segments_are_listed_across_pages(app, shop, fake_shopify):
    added = [fake_shopify.segments.add(f"セグメント{i}", [i]) for i in range(260)]  # Shopify pages by 250 at most

    with app.app_context():
        listed = list_segments(shop)

    assert listed == [(gid, f"セグメント{i}") for i, gid in enumerate(added)]
    pages = segment_calls(fake_shopify, "Segments")
    assert len(pages) == 2 and pages[0]["after"] is None and pages[1]["after"]


def test_members_are_paged_and_are_shopify_customer_ids(app, shop, fake_shopify):
    ids = [7_301_000_000_000 + i for i in range(601)]
    gid = fake_shopify.segments.add("リピーター", ids)

    with app.app_context():
        got = list(members(shop, gid))
        by_number = list(members(shop, gid.rsplit("/", 1)[1]))

    assert got == ids and by_number == ids
    pages = segment_calls(fake_shopify, "SegmentMembers")
    assert [p["first"] for p in pages[:3]] == [250, 250, 250] and len(pages) == 6  # 3 pages, twice
    assert pages[0]["after"] is None and pages[1]["after"] and pages[1]["after"] != pages[2]["after"]
    assert {p["segmentId"] for p in pages} == {gid} and not any(p.get("queryId") for p in pages)


def test_members_are_read_when_asked_for_never_kept(app, shop, fake_shopify):
    gid = fake_shopify.segments.add("VIP", [1, 2])
    with app.app_context():
        before = list(members(shop, gid))
        fake_shopify.segments.segments[gid].members.append(3)  # someone qualified since
        after = list(members(shop, gid))

    assert (before, after) == ([1, 2], [1, 2, 3])


def test_a_large_segment_is_read_through_the_async_members_query(app, shop, fake_shopify):
    fake_shopify.segments.async_above = 100
    fake_shopify.segments.polls_before_done = 2
    ids = list(range(5_000, 5_300))
    gid = fake_shopify.segments.add("全購入者", ids)
    slept = []

    with app.app_context():
        got = list(members(shop, gid, sleep=slept.append))

    assert got == ids
    assert fake_shopify.segments.async_queries_created == 1
    [created] = segment_calls(fake_shopify, "SegmentMembersQueryCreate")
    assert created == {"input": {"segmentId": gid}}
    assert len(segment_calls(fake_shopify, "SegmentMembersQuery")) == 2 and len(slept) == 2  # polled until done
    pages = segment_calls(fake_shopify, "SegmentMembers")
    refused, *by_query = pages
    assert refused["segmentId"] == gid  # Shopify said: async only
    assert len(by_query) == 2 and all(
        p["queryId"].startswith("gid://shopify/CustomerSegmentMembersQuery/") for p in by_query
    )


def test_a_deleted_segment_is_segment_gone_before_anything_is_read(app, shop, fake_shopify):
    gid = fake_shopify.segments.add("消えるセグメント", [1, 2, 3])
    fake_shopify.segments.delete(gid)

    with app.app_context(), pytest.raises(SegmentGone) as gone:
        list(members(shop, gid))

    assert gone.value.segment_id == gid and "no longer exists" in str(gone.value)
    assert segment_calls(fake_shopify, "SegmentMembers") == []


def test_a_segment_deleted_while_its_members_are_read_is_segment_gone(app, shop, fake_shopify):
    gid = fake_shopify.segments.add("途中で消える", list(range(600)))
    read = []

    with app.app_context(), pytest.raises(SegmentGone):
        for customer_id in members(shop, gid):
            read.append(customer_id)
            if len(read) == 250:  # the first page is in; the merchant deletes the segment
                fake_shopify.segments.delete(gid)

    assert len(read) == 250


def test_linked_count_counts_members_linked_to_a_friend_who_has_not_blocked(app, db, shop, fake_shopify):
    linked = [customer(db, shop, shopify_id=100 + i) for i in range(3)]
    for i, c in enumerate(linked):
        friend(db, shop, f"友だち{i}", c, is_blocked=(i == 2))
    customer(db, shop, shopify_id=200)  # a member with no LINE friend
    other_shop = make_shop(db, domain="other-shop.myshopify.com")
    friend(db, other_shop, "よその友だち", customer(db, other_shop, shopify_id=300))
    gid = fake_shopify.segments.add("VIP", [100, 101, 102, 200, 300, 999])  # 999: not synced here

    with app.app_context():
        counted = linked_count(session=db, shop=shop, segment_id=gid)
        friends = linked_friend_ids(session=db, shop=shop, shopify_ids=[100, 101, 102, 300])

    assert counted == SegmentCount(members=6, linked=2)
    assert sorted(friends) == sorted(f.id for f in db.exec(_friends_of(shop, linked[:2])))


def _friends_of(shop, customers):
    from sqlmodel import select

    from app.models import LineFriend

    return select(LineFriend).where(LineFriend.customer_id.in_([c.id for c in customers]))


def test_segment_ids_are_gids_or_numbers():
    assert segment_gid(42) == segment_gid("42") == segment_gid("gid://shopify/Segment/42") == "gid://shopify/Segment/42"
    with pytest.raises(ValueError):
        segment_gid("gid://shopify/Customer/42")


def test_the_fakes_answers_have_shopifys_shape(fake_shopify):
    book = fake_shopify.segments
    book.async_above, book.polls_before_done = 1, 1
    gid = book.add("形の確認", [1, 2, 3])
    answers = book.answers()
    created = answers[queries.SEGMENT_MEMBERS_QUERY_CREATE.strip()]({"input": {"segmentId": gid}})
    query_id = created["customerSegmentMembersQueryCreate"]["customerSegmentMembersQuery"]["id"]
    calls = [
        (queries.SEGMENTS, {"first": 2, "after": None}),
        (queries.SEGMENT, {"id": gid}),
        (queries.SEGMENT, {"id": "gid://shopify/Segment/1"}),
        (queries.SEGMENT_MEMBERS_QUERY, {"id": query_id}),
        (queries.SEGMENT_MEMBERS, {"queryId": query_id, "first": 2, "after": None}),
    ]
    for document, variables in calls:
        as_shopify_answers(document, variables, answers[document.strip()](variables))
    as_shopify_answers(queries.SEGMENT_MEMBERS_QUERY_CREATE, {"input": {"segmentId": gid}}, created)
