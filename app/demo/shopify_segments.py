"""Shopify's customer segments API, played from a list of segments: one implementation for
the demo's Shopify transport and the tests' fake Shopify.

It answers the segment documents of `app/shopify/queries.py` the way Shopify does:
`segments` and `customerSegmentMembers` paged with opaque cursors and `pageInfo`; member
ids as gid://shopify/CustomerSegmentMember/<customer id>; a segment above `async_above`
members refused with USE_CUSTOMER_SEGMENT_MEMBERS_QUERY_CREATE_MUTATION, to be read through
an async members query that is done after `polls_before_done` polls; a deleted segment is
null when asked for, and an error when its members are.
"""

from __future__ import annotations

import base64
import itertools
import threading
from dataclasses import dataclass, field

from ..shopify import queries

ASYNC_REQUIRED = "USE_CUSTOMER_SEGMENT_MEMBERS_QUERY_CREATE_MUTATION"
MAX_PAGE = 1000  # customerSegmentMembers: "The maximum page size is 1000"
MAX_SEGMENTS_PAGE = 250


class GraphQLErrors(Exception):
    """Shopify answered top-level `errors` (and `data: null`) instead of data."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


@dataclass
class FakeSegment:
    number: int
    name: str
    query: str
    members: list[int]  # Shopify customer ids
    last_edit: str = "2026-11-20T01:00:00Z"

    @property
    def gid(self) -> str:
        return f"gid://shopify/Segment/{self.number}"


@dataclass
class _MembersQuery:
    members: list[int]
    polls_left: int


@dataclass
class SegmentBook:
    async_above: int | None = None  # members above which only the async query answers
    polls_before_done: int = 1
    segments: dict[str, FakeSegment] = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._numbers = itertools.count(1_045_000_001)
        self._queries: dict[str, _MembersQuery] = {}
        self.async_queries_created = 0

    # -- arranging -----------------------------------------------------------------------
    def add(self, name: str, members: list[int], *, query: str = "customer_tags CONTAINS 'vip'") -> str:
        segment = FakeSegment(next(self._numbers), name, query, list(members))
        with self._lock:
            self.segments[segment.gid] = segment
        return segment.gid

    def delete(self, gid: str) -> None:
        with self._lock:
            self.segments.pop(gid, None)

    def answers(self) -> dict:
        """document (stripped) -> callable(variables) -> data, for a fake's dispatch table."""
        return {
            queries.SEGMENTS.strip(): self._segments,
            queries.SEGMENT.strip(): self._segment,
            queries.SEGMENT_MEMBERS.strip(): self._members,
            queries.SEGMENT_MEMBERS_QUERY_CREATE.strip(): self._query_create,
            queries.SEGMENT_MEMBERS_QUERY.strip(): self._query_status,
        }

    # -- answers ----------------------------------------------------------------------------
    def _segments(self, variables: dict) -> dict:
        with self._lock:
            listed = list(self.segments.values())
        nodes = [{"id": s.gid, "name": s.name, "query": s.query, "lastEditDate": s.last_edit} for s in listed]
        return {"segments": _page(nodes, variables, MAX_SEGMENTS_PAGE)}

    def _segment(self, variables: dict) -> dict:
        found = self.segments.get(str(variables.get("id") or ""))
        if found is None:
            return {"segment": None}
        node = {"id": found.gid, "name": found.name, "query": found.query, "lastEditDate": found.last_edit}
        return {"segment": node}

    def _members(self, variables: dict) -> dict:
        segment_id, query_id = variables.get("segmentId"), variables.get("queryId")
        if query_id:
            job = self._queries.get(str(query_id))
            if job is None:
                raise GraphQLErrors([{"message": "Invalid query id", "extensions": {"code": "INVALID"}}])
            if job.polls_left > 0:
                raise GraphQLErrors([{"message": "Query is still running", "extensions": {"code": "QUERY_NOT_DONE"}}])
            members = job.members
        else:
            found = self.segments.get(str(segment_id or ""))
            if found is None:
                raise GraphQLErrors([{"message": "Segment does not exist", "extensions": {"code": "NOT_FOUND"}}])
            if self.async_above is not None and len(found.members) > self.async_above:
                message = (
                    "This query can only be run async. Create an async query using the "
                    "`customerSegmentMembersQueryCreate` mutation."
                )
                raise GraphQLErrors([{"message": message, "extensions": {"code": ASYNC_REQUIRED}}])
            members = found.members
        nodes = [{"id": f"gid://shopify/CustomerSegmentMember/{m}"} for m in members]
        page = _page(nodes, variables, MAX_PAGE)
        return {"customerSegmentMembers": {"totalCount": len(members), **page}}

    def _query_create(self, variables: dict) -> dict:
        given = variables.get("input") or {}
        found = self.segments.get(str(given.get("segmentId") or ""))
        if found is None:
            error = {"field": ["input", "segmentId"], "message": "Segment does not exist", "code": "INVALID"}
            return {"customerSegmentMembersQueryCreate": {"customerSegmentMembersQuery": None, "userErrors": [error]}}
        with self._lock:
            self.async_queries_created += 1
            gid = f"gid://shopify/CustomerSegmentMembersQuery/{next(self._numbers)}"
            self._queries[gid] = _MembersQuery(list(found.members), self.polls_before_done)
        job = {"id": gid, "done": self.polls_before_done <= 0, "currentCount": len(found.members)}
        return {"customerSegmentMembersQueryCreate": {"customerSegmentMembersQuery": job, "userErrors": []}}

    def _query_status(self, variables: dict) -> dict:
        gid = str(variables.get("id") or "")
        with self._lock:
            job = self._queries.get(gid)
            if job is None:
                return {"customerSegmentMembersQuery": None}
            job.polls_left = max(0, job.polls_left - 1)
            done = job.polls_left == 0
        return {"customerSegmentMembersQuery": {"id": gid, "done": done, "currentCount": len(job.members)}}


def _page(nodes: list[dict], variables: dict, maximum: int) -> dict:
    """One page of a connection after the cursor `after`; `first` above `maximum` is refused."""
    first = int(variables.get("first") or 0)
    if not 0 < first <= maximum:
        raise GraphQLErrors([{"message": f"The first argument must be between 1 and {maximum}"}])
    start = _offset(variables.get("after"))
    chunk = nodes[start : start + first]
    edges = [{"cursor": _cursor(start + i + 1), "node": node} for i, node in enumerate(chunk)]
    more = start + first < len(nodes)
    return {"edges": edges, "pageInfo": {"hasNextPage": more, "endCursor": edges[-1]["cursor"] if edges else None}}


def _cursor(offset: int) -> str:
    return base64.b64encode(f'{{"last_id":{offset}}}'.encode()).decode()


def _offset(cursor) -> int:
    if not cursor:
        return 0
    text = base64.b64decode(str(cursor)).decode()
    return int(text.split(":")[1].rstrip("}"))
