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

import threading
from array import array
from collections import OrderedDict
from collections.abc import Hashable, Iterable

from sqlmodel import Session, select

from ..models import CampaignChunk

MAX_IDS = 2_000_000  # 16 MB of ids per process at most

_lists: OrderedDict[tuple, array] = OrderedDict()
_held = 0
_lock = threading.Lock()


def friends_of(session: Session, chunks: Iterable[tuple[int, Hashable]]) -> dict[tuple, array]:
    """Friend ids of each chunk, by (chunk id, retry key): from memory, or read once."""
    wanted = set(chunks)
    found: dict[tuple, array] = {}
    with _lock:
        for key in wanted:
            ids = _lists.get(key)
            if ids is not None:
                _lists.move_to_end(key)
                found[key] = ids
    missing = [chunk_id for chunk_id, _ in wanted - found.keys()]
    if missing:
        statement = select(CampaignChunk.id, CampaignChunk.retry_key, CampaignChunk.friend_ids).where(
            CampaignChunk.id.in_(missing)
        )
        read = {(chunk_id, key): array("q", ids or ()) for chunk_id, key, ids in session.execute(statement)}
        found |= read
        _keep(read)
    return found


def _keep(read: dict[tuple, array]) -> None:
    global _held
    with _lock:
        for key, ids in read.items():
            if key not in _lists:
                _lists[key] = ids
                _held += len(ids)
        while _held > MAX_IDS and _lists:
            _held -= len(_lists.popitem(last=False)[1])


def forget() -> None:
    """Drop every list (tests)."""
    global _held
    with _lock:
        _lists.clear()
        _held = 0
