"""Per-channel pacing under LINE's documented rate limits (a token bucket per key).

LINE allows push 2,000 requests/s and multicast 200 requests/s per channel. Pacing just
under that keeps a large send from ever meeting a 429. The bucket is per process: a
deployment with N sending workers gives each LINE_RATE_SHARE = 1/N of the rate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    _shared: dict[float, Pacer] = {}
    _shared_lock = threading.Lock()

    def __init__(
        self,
        *,
        share: float = 1.0,
        headroom: float = 0.9,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._share = share * headroom
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, share: float = 1.0) -> Pacer:
        """One pacer per process (per share), so all of its threads pace together."""
        with cls._shared_lock:
            if share not in cls._shared:
                cls._shared[share] = Pacer(share=share)
            return cls._shared[share]

    def wait(self, key: str, per_second: float) -> None:
        """Block until this key may make one more call at `per_second` (times our share)."""
        interval = 1.0 / (per_second * self._share)
        with self._lock:
            now = self._clock()
            # Evenly spaced slots: never more than the rate in any one-second window.
            slot = max(now, self._next.get(key, now))
            self._next[key] = slot + interval
            delay = slot - now
        if delay > 0:
            self._sleep(delay)
