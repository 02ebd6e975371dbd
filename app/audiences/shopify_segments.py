"""Shopify customer segments as audiences: the shop's segments, and their members read at
send time, never stored as a copy (an audience is never stale; the count says how many
members are linked to LINE).

Members come from `customerSegmentMembers`, page by page. For a large or complex segment
Shopify answers USE_CUSTOMER_SEGMENT_MEMBERS_QUERY_CREATE_MUTATION instead: then an async
members query is created (`customerSegmentMembersQueryCreate`), polled until it is done
(`customerSegmentMembersQuery`), and its result paged by `queryId`. A segment deleted in
Shopify raises SegmentGone, so a campaign fails with that reason and sends nothing.

Everything here but the final count is HTTP to Shopify: call it with no database write
transaction open (linked_count reads every member first, then queries the database).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func
from sqlmodel import Session, select

from ..models import Customer, LineFriend, Shop
from ..shopify import client as shopify_client
from ..shopify.client import AdminClient, ShopifyError
from ..shopify.queries import (
    SEGMENT,
    SEGMENT_MEMBERS,
    SEGMENT_MEMBERS_QUERY,
    SEGMENT_MEMBERS_QUERY_CREATE,
    SEGMENTS,
)

log = logging.getLogger("tsunagu.audiences")

# A connection costs about one point per node and a query may cost at most 1,000 points:
# 250 a page stays well inside that (Shopify's own examples page by 250).
PAGE_SIZE = 250
ASYNC_REQUIRED = "USE_CUSTOMER_SEGMENT_MEMBERS_QUERY_CREATE_MUTATION"
# Shopify: most async queries finish within 5 s, some take a minute or two, or longer.
POLL_FIRST_S, POLL_MAX_S, POLL_FOR_S = 0.5, 10.0, 600.0
CHUNK = 1000  # member ids per database query
SEGMENT_GID = re.compile(r"^gid://shopify/Segment/(\d+)$")
MEMBER_GID = re.compile(r"^gid://shopify/(?:CustomerSegmentMember|Customer)/(\d+)$")


class SegmentGone(LookupError):
    """The segment no longer exists in Shopify (the merchant deleted it)."""

    def __init__(self, segment_id: str):
        super().__init__(f"Shopify segment {segment_id} no longer exists")
        self.segment_id = segment_id


@dataclass(frozen=True)
class Segment:
    id: str  # gid://shopify/Segment/<n>
    name: str
    query: str
    last_edit: str | None


class SegmentCount(NamedTuple):
    members: int
    linked: int  # members linked to a LINE friend who has not blocked the account


def segment_gid(segment_id: str | int) -> str:
    """A segment's GID from its GID or its number; ValueError for anything else."""
    text = str(segment_id).strip()
    if text.isdigit():
        return f"gid://shopify/Segment/{int(text)}"
    if SEGMENT_GID.match(text):
        return text
    raise ValueError(f"not a Shopify segment id: {text[:80]!r}")


def _client(shop: Shop, client: AdminClient | None) -> AdminClient:
    return client if client is not None else shopify_client.for_shop(shop)


def segments(shop: Shop, *, client: AdminClient | None = None) -> list[Segment]:
    """Every segment of the shop, in Shopify's order."""
    api, found, after = _client(shop, client), [], None
    while True:
        page = api.query(SEGMENTS, {"first": PAGE_SIZE, "after": after}).get("segments") or {}
        found += [_segment(edge["node"]) for edge in page.get("edges") or []]
        info = page.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return found
        after = info.get("endCursor")


def list_segments(shop: Shop, *, client: AdminClient | None = None) -> list[tuple[str, str]]:
    """(id, name) of every segment of the shop, for the audience picker."""
    return [(s.id, s.name) for s in segments(shop, client=client)]


def segment(shop: Shop, segment_id: str | int, *, client: AdminClient | None = None) -> Segment:
    """One segment; SegmentGone when Shopify no longer has it."""
    gid = segment_gid(segment_id)
    node = _client(shop, client).query(SEGMENT, {"id": gid}).get("segment")
    if not node:
        raise SegmentGone(gid)
    return _segment(node)


def _segment(node: dict) -> Segment:
    return Segment(
        id=node["id"], name=node.get("name") or "", query=node.get("query") or "", last_edit=node.get("lastEditDate")
    )


def members(
    shop: Shop,
    segment_id: str | int,
    *,
    client: AdminClient | None = None,
    page_size: int = PAGE_SIZE,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[int]:
    """The Shopify customer ids (numeric, as `customers.shopify_id` stores them) of the
    segment's members now. Lazy: Shopify is asked page by page as the caller iterates.
    Raises SegmentGone when the segment was deleted, before or while paging."""
    api, gid = _client(shop, client), segment_gid(segment_id)
    segment(shop, gid, client=api)  # SegmentGone up front: nothing half-read
    try:
        yield from _pages(api, {"segmentId": gid}, page_size)
    except ShopifyError as exc:
        if not _async_required(exc):
            _gone_or_raise(shop, gid, api, exc)
        query_id = _run_async_query(shop, gid, api, sleep=sleep, clock=clock)
        yield from _pages(api, {"queryId": query_id}, page_size)


def _pages(api: AdminClient, source: dict, page_size: int) -> Iterator[int]:
    after = None
    while True:
        page = api.query(SEGMENT_MEMBERS, {**source, "first": page_size, "after": after}).get("customerSegmentMembers")
        page = page or {}
        for edge in page.get("edges") or []:
            if (customer_id := _customer_id((edge.get("node") or {}).get("id"))) is not None:
                yield customer_id
        info = page.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return
        after = info.get("endCursor")


def _customer_id(member_gid) -> int | None:
    """gid://shopify/CustomerSegmentMember/<n>: <n> is the customer's id."""
    found = MEMBER_GID.match(str(member_gid or ""))
    if found is None:
        log.warning("segment member with an unexpected id skipped: %.80s", member_gid)
        return None
    return int(found[1])


def _async_required(exc: ShopifyError) -> bool:
    return any((e.get("extensions") or {}).get("code") == ASYNC_REQUIRED for e in exc.errors if isinstance(e, dict))


def _gone_or_raise(shop: Shop, gid: str, api: AdminClient, exc: Exception):
    """A failure while reading members: SegmentGone when the segment has vanished meanwhile
    (Shopify's error for that is not documented; its absence is), else the failure itself."""
    segment(shop, gid, client=api)
    raise exc


def _run_async_query(shop: Shop, gid: str, api: AdminClient, *, sleep, clock) -> str:
    """Create the async members query and wait until Shopify has run it; its id."""
    result = api.query(SEGMENT_MEMBERS_QUERY_CREATE, {"input": {"segmentId": gid}})
    created = result.get("customerSegmentMembersQueryCreate") or {}
    job = created.get("customerSegmentMembersQuery")
    if not job:
        errors = created.get("userErrors") or []
        _gone_or_raise(
            shop,
            gid,
            api,
            ShopifyError("; ".join(e.get("message", "") for e in errors) or "no members query", code="user_errors"),
        )
    deadline, wait = clock() + POLL_FOR_S, POLL_FIRST_S
    while not job.get("done"):
        if clock() > deadline:
            raise ShopifyError(f"segment members query {job['id']} still running", code="segment_query_timeout")
        sleep(wait)
        wait = min(POLL_MAX_S, wait * 2)
        job = api.query(SEGMENT_MEMBERS_QUERY, {"id": job["id"]}).get("customerSegmentMembersQuery") or {}
        if not job.get("id"):
            raise ShopifyError("segment members query vanished", code="segment_query_gone")
    return job["id"]


def linked_count(
    *, session: Session, shop: Shop, segment_id: str | int, client: AdminClient | None = None
) -> SegmentCount:
    """(members now, of whom linked to a LINE friend who has not blocked us). Every member
    is read from Shopify before the first database query (no transaction spans HTTP)."""
    ids = list(members(shop, segment_id, client=client))
    linked = sum(_linked_in(session=session, shop=shop, shopify_ids=chunk) for chunk in _chunks(ids))
    return SegmentCount(members=len(ids), linked=linked)


def linked_friend_ids(*, session: Session, shop: Shop, shopify_ids: Iterable[int]) -> list[int]:
    """The ids of the LINE friends linked to these Shopify customers (not blocking us)."""
    found: list[int] = []
    for chunk in _chunks(list(shopify_ids)):
        found += session.exec(_linked(shop, chunk, LineFriend.id)).all()
    return found


def _linked_in(*, session: Session, shop: Shop, shopify_ids: list[int]) -> int:
    return session.exec(_linked(shop, shopify_ids, func.count(LineFriend.id))).one()


def _linked(shop: Shop, shopify_ids: list[int], what):
    return (
        select(what)
        .select_from(LineFriend)
        .join(Customer, Customer.id == LineFriend.customer_id)
        .where(
            LineFriend.shop_id == shop.id,
            LineFriend.is_blocked.is_(False),
            Customer.shop_id == shop.id,
            Customer.shopify_id.in_(shopify_ids),
        )
    )


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]
