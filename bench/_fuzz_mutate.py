"""Mutations for bench/fuzz.py: valid JSON documents made wrong in the ways senders get them wrong.

Each case picks one to three spots in the document (any object member or list element, at
any depth, or the document itself) and breaks each: the value removed, null, another type,
a huge or odd number, odd Unicode, an empty or huge string, a list where an object was, an
object where a list was, deep nesting. The result is still JSON (Python's json, which also
reads NaN and Infinity), so the signature checks out and the app has to cope with the shape.
Every choice comes from the `random.Random` passed in, so a case is reproducible from its seed.
"""

from __future__ import annotations

import copy
import json
import random

HUGE_NUMBERS = [
    10**30,
    -(10**30),
    2**63,
    2**63 - 1,
    -(2**63) - 1,
    2**64,
    10**400,
    1e308,
    -1e308,
    5e-324,
    float("inf"),
    float("nan"),
    -0.0,
    0,
    -1,
]
ODD_STRINGS = [
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800",  # a lone surrogate: valid in JSON (escaped), not encodable as UTF-8
    "\udfff\ud800",
    "\u202eevil\u202c",
    "e\u0301\u0301\u0301",
    "🍵" * 64,
    "\ufeff",
    "\r\n",
    "<script>alert(1)</script>",
    "'; DROP TABLE orders; --",
    "%s%s%n",
    "{shop_name}",
    "../../etc/passwd",
    "ﾃｽﾄ　全角スペース",
    "NaN",
    "1e999",
    "-1",
    "0x10",
    "2026-13-45T99:99:99Z",
    "9" * 400,
    "true",
    "null",
]


def _scalar(rng: random.Random):
    """A random value of a random type."""
    kind = rng.randrange(8)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice(HUGE_NUMBERS)
    if kind == 3:
        return rng.randint(-(2**70), 2**70)
    if kind == 4:
        return rng.random() * 10 ** rng.randint(-10, 30)
    if kind == 5:
        return rng.choice(ODD_STRINGS)
    if kind == 6:
        return _random_string(rng, rng.choice([1, 8, 64, 300]))
    return rng.choice([[], {}, [None], {"": None}])


def _random_string(rng: random.Random, length: int) -> str:
    alphabet = "abcあいう漢字🍵\u0301\u200b\t\n\"\\/'<>&%{}"
    return "".join(rng.choice(alphabet) for _ in range(length))


class Deep(str):
    """Nesting too deep for json.dumps to write: a placeholder that `dumps` swaps for the text."""

    def __new__(cls, depth: int, list_like: bool):
        self = super().__new__(cls, f"\u0000deep-{depth}-{int(list_like)}\u0000")
        self.text = ("[" * depth + "1" + "]" * depth) if list_like else ('{"a":' * depth + "1" + "}" * depth)
        return self


def dumps(doc) -> bytes:
    """UTF-8 JSON as a sender writes it (lone surrogates escaped), with deep placeholders expanded."""
    deep: dict[str, str] = {}

    def collect(value):
        if isinstance(value, Deep):
            deep[value] = value.text
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    collect(doc)
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    for placeholder, expanded in deep.items():
        text = text.replace(json.dumps(str(placeholder), ensure_ascii=False), expanded)
    return text.encode("utf-8", "backslashreplace")


def _replacement(rng: random.Random, old) -> tuple[object, str]:
    """(new value, what was done) for one spot."""
    choice = rng.randrange(12)
    if choice == 0:
        return None, "null"
    if choice == 1:
        value = rng.choice(HUGE_NUMBERS)
        return value, f"number {value!r:.40}"
    if choice == 2:
        value = rng.choice(ODD_STRINGS)
        return value, f"string {value[:30]!r}"
    if choice == 3:
        size = rng.choice([1_000, 10_000, 100_000, 1_000_000])
        return "長" * size, f"huge string of {size} chars"
    if choice == 4:
        return [old, old], "list where a value was"
    if choice == 5:
        return {"value": old}, "object where a value was"
    if choice == 6:
        depth, list_like = rng.choice([20, 200, 2_000, 50_000]), rng.random() < 0.5
        return Deep(depth, list_like), f"nested {depth} deep ({'lists' if list_like else 'objects'})"
    if choice == 7:
        return str(old)[:200] if not isinstance(old, str) else rng.randint(-5, 5), "other type (str<->int)"
    if choice == 8:
        return [_scalar(rng) for _ in range(rng.randint(0, 5))], "list of random values"
    if choice == 9:
        return {_random_string(rng, 3): _scalar(rng) for _ in range(rng.randint(0, 4))}, "object of random members"
    if choice == 10:
        return rng.choice([True, False]), "boolean"
    value = _scalar(rng)
    return value, f"random {type(value).__name__}"


def _spots(doc, path=()) -> list[tuple]:
    """Every (path) to an object member or list element, depth first."""
    found = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found.append((*path, key))
            found.extend(_spots(value, (*path, key)))
    elif isinstance(doc, list):
        for index, value in enumerate(doc[:20]):
            found.append((*path, index))
            found.extend(_spots(value, (*path, index)))
    return found


def _parent(doc, path: tuple):
    for step in path[:-1]:
        doc = doc[step]
    return doc


def mutate(doc, rng: random.Random) -> tuple[object, list[str]]:
    """A broken copy of `doc` and a short description of each change."""
    doc = copy.deepcopy(doc)
    if rng.random() < 0.03:  # the document itself is the wrong thing
        value, what = _replacement(rng, doc)
        return value, [f"whole body: {what}"]
    changes = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        spots = _spots(doc)
        if not spots:
            break
        path = rng.choice(spots)
        parent, key = _parent(doc, path), path[-1]
        where = "/".join(str(p) for p in path)
        if rng.random() < 0.2:  # missing field (or list element)
            del parent[key]
            changes.append(f"{where}: removed")
            continue
        parent[key], what = _replacement(rng, parent[key])
        changes.append(f"{where}: {what}")
    return doc, changes
