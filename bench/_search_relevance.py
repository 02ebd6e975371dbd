"""The relevance set for bench/search.py: 240 queries a shopper could type, each with what
a right answer looks like, over the bench's own Japanese catalog (bench/_search_catalog.py).

Targets are drawn (seeded) from the catalog's first 10,000 products, which both the quick
and the full catalog hold (the generator is one stream), so the set is the same in both
runs. Each query has a kind (exact, partial, width, kana, long vowel, multi, short, tag,
sku, vendor, noise, no match) and a check over the RAW fields of a result (title, vendor,
type, tags, variant titles and SKUs as Shopify sent them, never the app's normal form),
so the check does not share the code it judges:

- a query is a top-3 hit when one of its first three results passes the check;
- a no-match query is a hit only when it returns nothing at all (not close matches).
"""

from __future__ import annotations

import dataclasses
import random

from bench._search_catalog import products
from bench._search_queryset import fullwidth, halfwidth, hiragana

POOL = 10_000  # products the targets come from (both catalog sizes hold them)
PER_KIND = 20
ABSENT = (
    "ラーメン",
    "スマホケース",
    "ワイヤレスイヤホン",
    "ノートパソコン",
    "ファンデーション",
    "キーボード",
    "ハムスター",
    "チョコレート",
    "自転車",
    "腕時計",
    "laptop",
    "sneakers",
    "iphone",
    "ゲーミングチェア",
)
NOISE = ('"{}"', "{}*", "-{}", "^{}", "({})", "【{}】", "{}%", "{}_", "{}'s", "{} OR", "🍵{}✨", "{}' OR 1=1 --")


@dataclasses.dataclass(frozen=True)
class Case:
    kind: str
    query: str
    check: str  # title | words | sku | vendor | none
    value: tuple[str, ...]
    source: int = 0  # the Shopify id of the product the query was made from (0: none)


def _raw(found) -> str:
    p = found.product
    variants = " ".join(f"{v.title} {v.sku or ''}" for v in found.variants)
    return f"{p.title}\n{p.vendor}\n{p.product_type}\n{p.tags}\n{variants}"


def relevant(case: Case, found) -> bool:
    p = found.product
    if case.check == "title":
        return p.title == case.value[0]
    if case.check == "vendor":
        return p.vendor == case.value[0]
    if case.check == "sku":
        return any((v.sku or "") == case.value[0] for v in found.variants)
    if case.check == "tag":
        return case.value[0] in [t.strip() for t in p.tags.split(",")]
    raw = _raw(found)
    return all(word in raw for word in case.value)


def hit(case: Case, found: list) -> bool:
    if case.check == "none":
        return not found
    return any(relevant(case, f) for f in found[:3])


def _katakana(word: str) -> bool:
    return bool(word) and all("\u30a1" <= c <= "\u30fc" for c in word)


def _tokens(p: dict) -> list[str]:
    """Title words that are not the brand, a 【prefix】 or a pack size."""
    brand = set(p["vendor"].split())
    return [w for w in p["title"].split() if w not in brand and "【" not in w and not w[0].isdigit()]


def _misspell(rng: random.Random, word: str) -> str | None:
    """A long-vowel, small-kana or dropped-character slip of a katakana word (4+ left)."""
    slips = []
    if "ー" in word and len(word) >= 5:
        i = word.index("ー")
        slips.append(word[:i] + word[i + 1 :])
    small = {"ッ": "ツ", "ャ": "ヤ", "ュ": "ユ", "ョ": "ヨ", "ィ": "イ", "ェ": "エ"}
    slips += [word.replace(s, b, 1) for s, b in small.items() if s in word and len(word) >= 4]
    if len(word) >= 5:
        i = rng.randrange(1, len(word) - 1)
        slips.append(word[:i] + word[i + 1 :])
    slips = [s for s in slips if len(s) >= 4 and s != word]
    return rng.choice(slips) if slips else None


class _Maker:
    def __init__(self, pool: list[dict], rng: random.Random) -> None:
        self.pool, self.rng = pool, rng

    def pick(self) -> dict:
        return self.rng.choice(self.pool)

    def exact(self, p):
        return Case("exact", p["title"], "title", (p["title"],))

    def partial(self, p):
        t = p["product_type"]
        inside = [w for w in p["title"].split() if t in w and w != t]
        return Case("partial", t, "words", (t,)) if inside and len(t) >= 2 else None

    def width(self, p):
        if p["vendor"].isascii():
            return Case("width", fullwidth(p["vendor"]), "vendor", (p["vendor"],))
        t = p["product_type"]
        return Case("width", halfwidth(t), "words", (t,)) if _katakana(t) else None

    def kana(self, p):
        words = [w for w in [p["product_type"], *_tokens(p)] if _katakana(w) and len(w) >= 3]
        return Case("kana", hiragana(words[0]), "words", (words[0],)) if words else None

    def long_vowel(self, p):
        words = [w for w in [p["product_type"], *_tokens(p)] if _katakana(w) and len(w) >= 4]
        for word in words:
            slip = _misspell(self.rng, word)
            if slip:
                return Case("long vowel", slip, "words", (word,))
        return None

    def multi(self, p):
        tokens = _tokens(p)
        head = p["vendor"].split()[0]
        words = self.rng.choice([[head, p["product_type"]], tokens[:2], [head, *tokens[-2:]]])
        return Case("multi", " ".join(words), "words", tuple(words)) if len(words) >= 2 else None

    def short(self, p):
        shorts = [w for w in _tokens(p) if len(w) <= 2] + ([p["product_type"]] if len(p["product_type"]) <= 2 else [])
        if not shorts:
            return None
        words = list(dict.fromkeys([self.rng.choice(shorts), p["product_type"]]))
        return Case("short", " ".join(words), "words", tuple(words))

    def tag(self, p):
        tags = [t.strip() for t in p["tags"].split(",") if t.strip() not in ("", p["product_type"])]
        tag = self.rng.choice(tags)
        return Case("tag", tag, "tag", (tag,))

    def sku(self, p):
        sku = self.rng.choice(p["variants"])["sku"]
        return Case("sku", sku.lower() if self.rng.random() < 0.5 else sku, "sku", (sku,))

    def vendor(self, p):
        return Case("vendor", p["vendor"], "vendor", (p["vendor"],))

    def noise(self, p):
        word = self.rng.choice([p["product_type"], *_tokens(p)])
        return Case("noise", self.rng.choice(NOISE).format(word), "words", (word,))


KINDS = ("exact", "partial", "width", "kana", "long vowel", "multi", "short", "tag", "sku", "vendor", "noise")


def pool() -> list[dict]:
    """The products targets are drawn from (REST payloads), active ones only."""
    return [p for p in products(POOL) if p["status"] == "active"]


def cases(seed: int = 5, targets: list[dict] | None = None) -> list[Case]:
    """PER_KIND cases of each kind (unique queries), then the no-match ones."""
    rng = random.Random(f"bench-search-relevance:{seed}")
    targets = pool() if targets is None else targets
    maker, out, seen = _Maker(targets, rng), [], set()
    for kind in KINDS:
        make = getattr(maker, kind.replace(" ", "_"))
        made = 0
        while made < PER_KIND:
            target = maker.pick()
            case = make(target)
            if case is not None and case.query not in seen:
                seen.add(case.query)
                out.append(dataclasses.replace(case, source=target["id"]))
                made += 1
    misses = list(ABSENT) + [rng.choice(NOISE).format(w) for w in rng.sample(ABSENT, PER_KIND - len(ABSENT))]
    out += [Case("no match", q, "none", ()) for q in misses]
    return out


def evaluate(new_session, shop, all_cases: list[Case]) -> dict[str, tuple[int, int, list[str]]]:
    """Per kind: (hits, queries, up to 3 missed queries); every query runs through search()."""
    from app.search.query import search

    out: dict[str, tuple[int, int, list[str]]] = {}
    for case in all_cases:
        with new_session() as s:
            found = search(session=s, shop=shop, query=case.query).found
            ok = hit(case, found)
        hits, n, missed = out.get(case.kind, (0, 0, []))
        out[case.kind] = (hits + ok, n + 1, missed if ok or len(missed) >= 3 else [*missed, case.query])
    return out
