"""Shopify's external marketing activities, played from memory: one implementation for the
demo's Shopify transport and the tests' fake Shopify.

It answers the two documents of `app/shopify/marketing_activity.py` as Shopify does: a
create returns the activity's gid, a remote id already used is a user error; an update
finds the activity by remote id (unknown: a user error) and changes what it is given.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from ..shopify import marketing_activity as documents

TAKEN = documents.REMOTE_ID_TAKEN
MISSING = "MARKETING_ACTIVITY_DOES_NOT_EXIST"


@dataclass
class MarketingBook:
    activities: dict[str, dict] = field(default_factory=dict)  # remote id -> activity fields

    def __post_init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(7001)

    def answers(self) -> dict:
        """document (stripped) -> callable(variables) -> data, for a fake's dispatch table."""
        return {documents.CREATE.strip(): self._create, documents.UPDATE.strip(): self._update}

    def _create(self, variables: dict) -> dict:
        given = dict(variables.get("input") or {})
        remote = given.get("remoteId")
        with self._lock:
            if remote in self.activities:
                return _refused("marketingActivityCreateExternal", TAKEN, "Remote ID has already been taken")
            given["id"] = f"gid://shopify/MarketingActivity/{next(self._ids)}"
            self.activities[remote] = given
        return _answer("marketingActivityCreateExternal", given["id"])

    def _update(self, variables: dict) -> dict:
        remote = variables.get("remoteId")
        with self._lock:
            found = self.activities.get(remote)
            if found is None:
                return _refused("marketingActivityUpdateExternal", MISSING, "Marketing activity not found")
            found.update(variables.get("input") or {})
            return _answer("marketingActivityUpdateExternal", found["id"])


def _answer(name: str, gid: str) -> dict:
    return {name: {"marketingActivity": {"id": gid}, "userErrors": []}}


def _refused(name: str, code: str, message: str) -> dict:
    return {
        name: {"marketingActivity": None, "userErrors": [{"field": ["remoteId"], "message": message, "code": code}]}
    }
