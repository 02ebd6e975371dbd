"""The channel's monthly message quota, read before a batch of marketing goes out.

Transactional messages always go; marketing is held (kept scheduled, retried later) when it
would eat into the share of the quota kept for order and shipping messages. The admin
shows held messages from their reason, `quota_held`. Readings are kept per app (ext.cache),
so the threads of one process share them and a new app starts without any.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from .. import ext
from ..line.client import LineClient, LineError
from ..models import LineChannel

log = logging.getLogger("tsunagu.flows")
TTL_S = 60.0


class Readings:
    """The quota last read per channel: channel id -> (read at, limit, used since)."""

    def __init__(self):
        self.by_channel: dict[int, tuple[float, int | None, int]] = {}
        self.lock = threading.Lock()


def usage(channel: LineChannel, client: LineClient) -> tuple[int | None, int]:
    """(monthly limit or None when unlimited, used so far), read at most once a minute."""
    readings = ext.cache(Readings)
    with readings.lock:
        found = readings.by_channel.get(channel.id)
    if found and time.monotonic() - found[0] < TTL_S:
        return found[1], found[2]
    limit, used = client.quota()
    with readings.lock:
        readings.by_channel[channel.id] = (time.monotonic(), limit, used)
    return limit, used


def marketing_room(channel: LineChannel, client: LineClient, reserve_share: float) -> int | None:
    """How many marketing pushes fit this month after the transactional reserve (None: no limit)."""
    try:
        limit, used = usage(channel, client)
    except LineError as exc:  # unknown quota: do not block sending on it
        log.warning("LINE quota unreadable channel=%s: %s", channel.id, exc)
        return None
    if limit is None:
        return None
    return max(0, limit - math.ceil(limit * reserve_share) - used)


def spent(channel: LineChannel, count: int) -> None:
    """Count pushes made since the quota was read, until it is read again."""
    readings = ext.cache(Readings)
    with readings.lock:
        found = readings.by_channel.get(channel.id)
        if found:
            readings.by_channel[channel.id] = (found[0], found[1], found[2] + count)


def forget() -> None:
    """Read the quota from LINE again next time (as when the minute has passed)."""
    readings = ext.cache(Readings)
    with readings.lock:
        readings.by_channel.clear()
