"""The friends of campaign chunks, kept in memory for the marketing cap count.

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
from collections.abc import Hashable, Iterable

from sqlmodel import Session, select

from ..lru import Lru
from ..models import CampaignChunk

MAX_IDS = 2_000_000  # 16 MB of ids per process at most

_lists: Lru[array] = Lru(MAX_IDS, weight=len)


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


def forget() -> None:
    """Drop every list (tests)."""
    _lists.clear()
