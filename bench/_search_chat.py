"""The chat driver for bench/search.py: signed text events whose texts are search queries.

bench/_chat_support.py's `run_chat` sends the chat's fixed command texts; this driver is
the same closed loop (same signed webhook builder, same sender, reply tokens issued by
the fake outside the clock) over a list of product search queries instead. It runs in a
spawned process of its own, apart from the app and the fake.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _chat_support as support
from bench._load import Connection


@dataclasses.dataclass(frozen=True)
class SearchChatSpec:
    chat: support.ChatSpec  # ports, secret, bot, users, events, senders, batch, seed
    texts: tuple[tuple[str, str], ...]  # (class, query), sent in turn
    offset: int = 0  # where in `texts` this run starts


def run_search_chat(spec: SearchChatSpec) -> list[support.Sent]:
    """`senders` closed-loop threads; each takes a batch of the plan, gets its reply tokens
    from the fake, then sends the events one by one (the clock runs per send only).
    `Sent.text` carries the query's class, so round trips can be broken down by it."""
    sys.setswitchinterval(0.0005)
    c = spec.chat
    rng = random.Random(c.seed)
    plan = [(rng.choice(c.users), spec.texts[(spec.offset + i) % len(spec.texts)]) for i in range(c.events)]
    counter, out, lock = itertools.count(), [], threading.Lock()

    def sender() -> None:
        conn = Connection(c.app_port)
        while (start := next(counter) * c.batch) < len(plan):
            chunk = plan[start : start + c.batch]
            tokens = support.admin(c.fake_port, "tokens", {"users": [u for u, _ in chunk]})["tokens"]
            for (user, (label, query)), token in zip(chunk, tokens, strict=False):
                sent = support._send(conn, support._webhook(c, user, query, token), token, label)
                with lock:
                    out.append(sent)
        conn.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(c.senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


@dataclasses.dataclass
class ChatResult:
    roundtrip: list[float]  # ms from send to the reply's arrival at the fake
    by_class: dict[str, list[float]]
    webhook: list[float]  # ms until the app answered 200
    errors: int
    no_reply: int
    rejected: int
    elapsed: float
    reply_types: dict[str, int]
    samples: list[str]


def match(sent: list[support.Sent], stats: dict, elapsed: float) -> ChatResult:
    """Pair each event with the reply that carried its token, as the fake saw it."""
    out = ChatResult([], {}, [], 0, 0, 0, elapsed, stats["reply_types"], [])
    for s in sent:
        if s.status == 200:
            out.webhook.append(1000 * (s.answered - s.started))
        else:
            out.errors += 1
            if len(out.samples) < 3:
                out.samples.append(s.error or f"HTTP {s.status}")
        arrival = stats["arrivals"].get(s.token)
        if arrival is None:
            out.no_reply += 1
        elif arrival[1] != 200:
            out.rejected += 1
        else:
            out.roundtrip.append(1000 * (arrival[0] - s.started))
            out.by_class.setdefault(s.text, []).append(out.roundtrip[-1])
    return out
