"""Who a campaign reaches: the audience (the seam to the audience service) less exclusions.

`recipients_for` reads the audience when the campaign is planned (never a stored copy):
`{"kind": "all"}` (every friend of the shop), `{"kind": "friends", "ids": [...]}` (an explicit
list) or `{"kind": "segment", "segment_id": N}` (a saved segment: its conditions through the
audience service, or a Shopify customer segment's members read from Shopify now and matched to
linked friends). Friend ids of the shop, ascending, in batches. A segment deleted since (here
or in Shopify) raises `AudienceGone`: the campaign fails with that reason and sends nothing.

`tally` walks those batches once and leaves out, with a reason each: blocked friends,
opted-out friends (配信停止, never exempt), and friends at the marketing cap (unless the
campaign is exempt). The forecast counts with it; planning counts the same way and keeps
the ids. Memory stays flat: ids pass in batches of BATCH.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import filterfalse

from sqlmodel import Session

from ..audiences import service as audiences
from ..audiences import shopify_segments
from ..audiences.definition import is_shopify
from ..db import tuples
from ..flows import policies
from ..models import Campaign, Shop

BATCH = 20_000
EVERYONE = "all"
LISTED = "friends"
SEGMENT = "segment"


class AudienceGone(LookupError):
    """The campaign's saved segment, or the Shopify segment behind it, no longer exists."""


def is_everyone(campaign: Campaign) -> bool:
    return (campaign.audience or {}).get("kind", EVERYONE) == EVERYONE


def recipients_for(*, session: Session, shop: Shop, campaign: Campaign) -> Iterator[list[int]]:
    """The audience's friend ids, ascending, in batches (blocked and opted-out included:
    tally says why they are left out). The audience service plugs in here."""
    audience = campaign.audience or {}
    if audience.get("kind", EVERYONE) == LISTED:
        ids = sorted({int(i) for i in audience.get("ids") or []})
        yield from _batches(ids)
        return
    if audience.get("kind") == SEGMENT:
        yield from _batches(_segment_members(session=session, shop=shop, segment_id=audience.get("segment_id")))
        return
    after = 0
    while True:  # keyset pages over the shop's friends: no OFFSET, no cursor held open
        batch = [row[0] for row in tuples(session, _PAGE, shop=shop.id, after=after, n=BATCH)]
        if not batch:
            return
        yield batch
        after = batch[-1]


def _batches(ids) -> Iterator[list[int]]:
    batch: list[int] = []
    for friend_id in ids:
        batch.append(friend_id)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _segment_members(*, session: Session, shop: Shop, segment_id) -> Iterator[int]:
    segment = audiences.segment_of(session=session, shop=shop, segment_id=int(segment_id or 0))
    if segment is None:
        raise AudienceGone(f"segment {segment_id}")
    if not is_shopify(segment.definition):
        yield from audiences.members(session=session, shop=shop, definition=segment.definition)
        return
    try:  # Shopify is asked now, page by page, inside this read (no write transaction is open)
        customers = list(shopify_segments.members(shop, segment.definition["shopify_segment_id"]))
    except shopify_segments.SegmentGone as gone:
        raise AudienceGone(str(gone)) from gone
    yield from sorted(set(shopify_segments.linked_friend_ids(session=session, shop=shop, shopify_ids=customers)))


_PAGE = "SELECT id FROM line_friends WHERE shop_id = :shop AND id > :after ORDER BY id LIMIT :n"


@dataclass
class Tally:
    audience: int = 0
    excluded: Counter = field(default_factory=Counter)  # blocked | opted_out | capped -> friends
    recipients: int = 0

    @property
    def left_out_by_choice(self) -> int:
        """Exclusions a broadcast could not honour (LINE skips blocked friends itself)."""
        return self.excluded["opted_out"] + self.excluded["capped"]


# One range read per batch instead of an IN list: ids come ascending, so the ranges never
# overlap and a whole campaign reads each friend of the shop at most once.
_STATE = (
    "SELECT id, is_blocked, marketing_opt_out_at IS NOT NULL FROM line_friends "
    "WHERE shop_id = :shop AND id >= :lo AND id <= :hi"
)

# Every friend of the shop: the exclusions counted by the database, then only the ids that
# can be sent to, in keyset pages from the partial index ix_line_friends_sendable (48,000
# ids, not 50,000 rows of three sorted out by Python: on SQLite 23-34 ms -> 16-19 ms).
_EXCLUDED = (
    "SELECT coalesce(sum(CASE WHEN is_blocked THEN 1 ELSE 0 END), 0), "
    "coalesce(sum(CASE WHEN NOT is_blocked AND marketing_opt_out_at IS NOT NULL THEN 1 ELSE 0 END), 0) "
    "FROM line_friends WHERE shop_id = :shop"
)
_SENDABLE_PAGE = (
    "SELECT id FROM line_friends WHERE shop_id = :shop AND id > :after "
    "AND NOT is_blocked AND marketing_opt_out_at IS NULL ORDER BY id LIMIT :n"
)
# PostgreSQL hands a page over as one array, in binary: 20,000 rows made into tuples and
# then into the batch cost as much again as reading them (48,000 ids: 18-22 -> 12-14 ms).
_SENDABLE_ARRAY = f"SELECT array_agg(id ORDER BY id) FROM ({_SENDABLE_PAGE}) page"


def _sendable_page(session: Session, shop_id: int, after: int) -> array:
    """The next BATCH sendable ids of the shop after `after`, ascending."""
    if session.get_bind().dialect.name == "sqlite":
        return array("q", (row[0] for row in tuples(session, _SENDABLE_PAGE, shop=shop_id, after=after, n=BATCH)))
    return array("q", tuples(session, _SENDABLE_ARRAY, binary=True, shop=shop_id, after=after, n=BATCH)[0][0] or ())


def tally(
    *,
    session: Session,
    shop: Shop,
    campaign: Campaign,
    now: datetime,
    keep: Callable[[array], None] | None = None,
) -> Tally:
    """Count the audience and its exclusions; hand each batch of recipients to `keep`."""
    result = Tally()
    capped = set() if campaign.exempt_from_cap else capped_friends(session=session, shop=shop, now=now)
    for sendable in _sendable(session=session, shop=shop, campaign=campaign, result=result):
        if capped:
            before = len(sendable)
            sendable = array("q", filterfalse(capped.__contains__, sendable))
            result.excluded["capped"] += before - len(sendable)
        result.recipients += len(sendable)
        if keep is not None and sendable:
            keep(sendable)
    return result


def _sendable(*, session: Session, shop: Shop, campaign: Campaign, result: Tally) -> Iterator[array]:
    """The audience's friends neither blocked nor opted out, in batches by ascending id;
    the audience and those two exclusions are counted into `result`. Every friend: counted
    by the database, then keyset pages of the sendable ids; a list or segment: the states of
    each batch's id range, kept to its own friends."""
    if is_everyone(campaign):
        blocked, opted = (int(n) for n in tuples(session, _EXCLUDED, shop=shop.id)[0])
        result.excluded["blocked"] += blocked
        result.excluded["opted_out"] += opted
        result.audience += blocked + opted  # and each sendable friend: the figures always add up
        after = 0
        while page := _sendable_page(session, shop.id, after):
            result.audience += len(page)
            yield page
            after = page[-1]
        return
    for batch in recipients_for(session=session, shop=shop, campaign=campaign):
        wanted = set(batch)
        rows = [row for row in tuples(session, _STATE, shop=shop.id, lo=batch[0], hi=batch[-1]) if row[0] in wanted]
        result.audience += len(rows)
        result.excluded["blocked"] += sum(1 for row in rows if row[1])
        result.excluded["opted_out"] += sum(1 for row in rows if row[2] and not row[1])
        yield array("q", (fid for fid, blocked, opted in rows if not blocked and not opted))


def capped_friends(*, session: Session, shop: Shop, now: datetime) -> set[int]:
    """Friends at the shop's marketing cap, by the one count the dispatcher uses too
    (flows.policies: flow notifications and campaign sends)."""
    return policies.capped_friends(session=session, shop=shop, now=now)
