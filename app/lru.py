"""A bounded in-process map, least recently used entries dropped first, safe across threads.

Shared by what a process keeps for reuse: LINE's SDK clients per channel token, search
statements per query shape, campaign chunks' friend lists.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Lru(Generic[V]):
    """At most `limit` in total `weight` (1 an entry unless said otherwise)."""

    def __init__(self, limit: int, weight: Callable[[V], int] = lambda _value: 1):
        self.limit = limit
        self._weight = weight
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> V:
        """Keep `value` unless `key` is held already; the value kept is returned."""
        with self._lock:
            kept = self._entries.setdefault(key, value)
            if kept is value:
                self._held += self._weight(value)
            self._entries.move_to_end(key)
            while self._held > self.limit and len(self._entries) > 1:
                self._held -= self._weight(self._entries.popitem(last=False)[1])
            return kept

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value for `key`, made (outside the lock) when missing."""
        found = self.get(key)
        return found if found is not None else self.put(key, make())

    def items(self) -> list[tuple[Hashable, V]]:
        with self._lock:
            return list(self._entries.items())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._held = 0

    def __len__(self) -> int:
        return len(self._entries)
