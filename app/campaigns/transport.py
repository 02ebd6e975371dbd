"""How a campaign reaches LINE: multicast, push or broadcast, and why (a pure choice).

- push, one request per person, when the messages carry per-person variables: only push
  sends each recipient their own text (LINE's multicast and broadcast send one body to all);
- broadcast when every friend of the account is a recipient and nothing excludes anyone:
  one request, LINE fans it out (60 requests an hour, so never for anything smaller). That
  needs the app to know every friend (the follower import sets `followers_complete`), or
  "everyone" would include friends our exclusions never saw;
- multicast otherwise: up to 500 user ids a request, 200 requests a second.
"""

from __future__ import annotations

from dataclasses import dataclass

MULTICAST = "multicast"
PUSH = "push"
BROADCAST = "broadcast"


@dataclass(frozen=True)
class Transport:
    kind: str  # multicast | push | broadcast
    reason: str  # campaigns.transport.<reason> explains it to the merchant

    @property
    def text_key(self) -> str:
        return f"campaigns.transport.{self.reason}"


def choose(*, personal: set[str], everyone: bool, excluded: int, followers_complete: bool) -> Transport:
    """`personal`: the per-person variables used; `everyone`: the audience is all friends;
    `excluded`: friends of the audience left out (opted out, capped, blocked)."""
    if personal:
        return Transport(PUSH, "personalised")
    if not everyone:
        return Transport(MULTICAST, "segment")
    if excluded:
        return Transport(MULTICAST, "exclusions")
    if not followers_complete:
        return Transport(MULTICAST, "followers_unknown")
    return Transport(BROADCAST, "everyone")
