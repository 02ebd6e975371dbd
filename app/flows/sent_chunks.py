"""The friends of campaign chunks, kept in memory for the marketing cap count (and a
campaign's results: which later campaigns reached its recipients).

A chunk's friend list is written once, when its campaign is planned, and never changed
(sending, retries, cancellation and privacy erasure change its status and counters, not its
friends), so each process reads a list from the database once instead of on every count:
30 days of 100 campaigns to 50,000 friends is 311,000 ids of JSON, about 35 ms to fetch and
parse per forecast. Lists are keyed by the chunk's id and its retry key (derived from its
campaign's random uid and its number: a SQLite rowid alone can be reused once the newest
rows are deleted, a key cannot). At most MAX_IDS ids are kept; the least recently used
lists go first, and a count that needs them reads them again.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Hashable, Iterable
from datetime import datetime

from sqlmodel import Session, select

from ..lru import Lru
from ..models import CampaignChunk

MAX_IDS = 2_000_000  # 16 MB of ids per process at most
MAX_COUNTED = 300_000  # friends in the kept counts (about 30 MB per process at most)

_lists: Lru[array] = Lru(MAX_IDS, weight=len)
_reached: Lru[tuple[Counter, Counter]] = Lru(MAX_COUNTED, weight=lambda counts: len(counts[1]))


def friends_of(session: Session, chunks: Iterable[tuple[int, Hashable]]) -> dict[tuple, array]:
    """Friend ids of each chunk, by (chunk id, retry key): from memory, or read once."""
    wanted = set(chunks)
    found = {key: ids for key in wanted if (ids := _lists.get(key)) is not None}
    missing = [chunk_id for chunk_id, _ in wanted - found.keys()]
    if missing:
        statement = select(CampaignChunk.id, CampaignChunk.retry_key, CampaignChunk.friend_ids).where(
            CampaignChunk.id.in_(missing)
        )
        for chunk_id, key, ids in session.execute(statement):
            found[chunk_id, key] = _lists.put((chunk_id, key), array("q", ids or ()))
    return found


Chunk = tuple[int, Hashable, datetime]  # id, retry key, sent at


def reached(session: Session, chunks: list[Chunk], since_day: datetime) -> tuple[Counter, Counter]:
    """How many of `chunks` (id, retry key, sent at) reached each friend: (sent since
    `since_day`, all of them), as counters of the caller's own. Counting a whole shop's
    chunks (640 lists, 320,000 ids for 30 days of 100 campaigns to 50,000 friends) took
    23-29 ms of every forecast; the same chunks give the same counts, so they are kept per
    exact set of chunks (and which were sent within the day) and copied. Counts of more
    than MAX_COUNTED friends are not kept."""
    key = tuple(sorted((chunk_id, retry_key, sent_at >= since_day) for chunk_id, retry_key, sent_at in chunks))
    kept = _reached.get(key)
    if kept is None:
        lists = friends_of(session, ((chunk_id, retry_key) for chunk_id, retry_key, _ in key))
        kept = day, month = Counter(), Counter()
        for chunk_id, retry_key, in_day in key:
            month.update(lists[chunk_id, retry_key])
            if in_day:
                day.update(lists[chunk_id, retry_key])
        if len(month) <= MAX_COUNTED:
            kept = _reached.put(key, kept)
    return kept[0].copy(), kept[1].copy()


def forget() -> None:
    """Drop every list and count (tests)."""
    _lists.clear()
    _reached.clear()
