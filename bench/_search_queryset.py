"""The fixed query set for bench/search.py, drawn from the catalog's own vocabulary.

Deterministic (one seeded `random.Random`, no dependence on the generated products), so
the full and quick runs, SQLite and PostgreSQL, and the chat all see the same queries.
Each query carries its class, so the report can say which shapes are slow:

- "1 word": a product type, adjective, material, tag, brand or size (3+ characters);
- "script": the same words typed another way: hiragana for katakana ("どっぐふーど"),
  half-width katakana ("ｺｰﾋｰ"), full-width Latin ("Ｔシャツ"), lower-case brands;
- "short": 1-2 character words alone ("茶", "靴下"): the app's bounded fallback;
- "2/3/4 words": words one product could carry (brand, adjective, material, type, size),
  sometimes in another script; some mix a short word with a long one;
- "no match": things this store does not sell, and words that never meet in one product.
"""

from __future__ import annotations

import random
import unicodedata

from app.search.normalize import normalize
from bench._search_catalog import BRANDS, KIND_LIST, adjectives, materials

SHARES = {"1 word": 140, "script": 100, "short": 60, "2 words": 130, "3 words": 80, "4 words": 50, "no match": 40}
ABSENT = (
    "ラーメン",
    "スマホケース",
    "ワイヤレスイヤホン",
    "iphone",
    "自転車",
    "ノートパソコン",
    "ビール",
    "日本酒",
    "焼酎",
    "ワイン",
    "チョコレート",
    "クッキー",
    "カレー",
    "パスタ",
    "水着",
    "スーツ",
    "ネクタイ",
    "香水",
    "マスカラ",
    "ファンデーション",
    "花瓶",
    "腕時計",
    "眼鏡",
    "ハムスター",
    "キーボード",
    "充電器",
    "寿司",
    "傘",
    "靴",
    "酒",
    "ゲーム",
    "sneakers",
    "wine",
    "laptop",
    "ramen noodles",
    "ｽﾏﾎ",
    "ＰＣ",
    "グルテンフリー パスタ",
    "ドッグフード シルク",
    "抹茶 デニム",
)
EXTRA_SHORT = (
    "茶",
    "米",
    "箸",
    "桜",
    "麻",
    "藍",
    "竹",
    "S",
    "M",
    "XL",
    "ゆず",
    "白",
    "赤",
    "和",
    "皿",
    "鉄",
    "絹",
    "梅",
    "塩",
    "猫",
    "犬",
    "綿",
    "革",
    "鍋",
    "和紙",
)


SHORT_KINDS = [
    k
    for k in KIND_LIST
    if len(k["type"]) <= 2 and any(len(w) <= 2 for w in (*k["first"], *k["second"], *adjectives(k["category"])))
]


def _half_table() -> dict[str, str]:
    """Full-width katakana (and ー) -> half-width, the reverse of what NFKC does."""
    table = {}
    for code in range(0xFF66, 0xFF9E):
        half = chr(code)
        for combo in (half, half + "\uff9e", half + "\uff9f"):
            full = unicodedata.normalize("NFKC", combo)
            if len(full) == 1 and full not in table:
                table[full] = combo
    return table


HALF = _half_table()


def hiragana(word: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in word)


def halfwidth(word: str) -> str:
    return "".join(HALF.get(c, c) for c in word)


def fullwidth(word: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in word)


def _katakana(word: str) -> bool:
    return any("\u30a1" <= c <= "\u30fa" for c in word)


def _restyle(rng: random.Random, word: str) -> str:
    """One other way of typing the same word (or the word itself if none applies)."""
    options = []
    if _katakana(word):
        options += [hiragana(word), halfwidth(word)]
    if any(c.isascii() and c.isalpha() for c in word):
        options += [fullwidth(word), word.lower()]
    return rng.choice(options) if options else word


class _Draw:
    """Words one product of a random kind could carry."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def kind(self) -> dict:
        return self.rng.choice(KIND_LIST)

    def parts(self, kind: dict) -> dict[str, str]:
        rng, cat = self.rng, kind["category"]
        size = rng.choice(kind["axes"][0][1])[0] if kind["axes"] else rng.choice(("ギフト", "送料無料", "人気"))
        return {
            "brand": rng.choice(BRANDS[cat]).split(" ")[0],
            "adj": rng.choice(kind["first"] or adjectives(cat)),
            "mat": rng.choice(kind["second"] or materials(cat)),
            "type": kind["type"],
            "size": size,
        }

    def words(self, n: int) -> str:
        kind = self.kind()
        p = self.parts(kind)
        shapes = {
            2: (("adj", "type"), ("brand", "type"), ("mat", "type"), ("type", "size")),
            3: (("adj", "mat", "type"), ("brand", "adj", "type"), ("mat", "type", "size")),
            4: (("brand", "adj", "mat", "type"), ("adj", "mat", "type", "size")),
        }[n]
        chosen = [p[k] for k in self.rng.choice(shapes)]
        if self.rng.random() < 0.25:  # one word typed another way
            i = self.rng.randrange(len(chosen))
            chosen[i] = _restyle(self.rng, chosen[i])
        return " ".join(chosen)

    def one(self) -> str:
        """One word of three characters or more (shorter ones are the "short" class)."""
        while True:
            kind = self.kind()
            p = self.parts(kind)
            pick = self.rng.choice(("type", "type", "adj", "mat", "brand", "size", "fullbrand"))
            word = self.rng.choice(BRANDS[kind["category"]]) if pick == "fullbrand" else p[pick]
            if len(normalize(word)) >= 3:
                return word

    def script(self) -> str:
        for _ in range(50):
            word = self.one()
            other = _restyle(self.rng, word)
            if other != word:
                return other
        return halfwidth("コーヒー")

    def short(self) -> str:
        """A short word alone, or two short words one product carries ("宇治 抹茶")."""
        rng = self.rng
        if rng.random() < 0.5:
            vocab = sorted({w for k in KIND_LIST for w in (k["type"], *k["first"], *k["second"]) if len(w) <= 2})
            return rng.choice(vocab + list(EXTRA_SHORT))
        kind = rng.choice(SHORT_KINDS)
        words = [w for w in (*kind["first"], *kind["second"], *adjectives(kind["category"])) if len(w) <= 2]
        return f"{rng.choice(words)} {kind['type']}"

    def absent(self) -> str:
        return self.rng.choice(ABSENT)


def queries(seed: int = 11) -> list[tuple[str, str]]:
    """(class, query) pairs: SHARES of each class, unique, shuffled deterministically."""
    rng = random.Random(f"bench-search-queries:{seed}")
    draw = _Draw(rng)
    makers = {
        "1 word": draw.one,
        "script": draw.script,
        "short": draw.short,
        "2 words": lambda: draw.words(2),
        "3 words": lambda: draw.words(3),
        "4 words": lambda: draw.words(4),
        "no match": draw.absent,
    }
    seen: set[str] = set()
    out = []
    for label, count in SHARES.items():
        made = 0
        for _ in range(count * 20):
            q = makers[label]()
            if q not in seen:
                seen.add(q)
                out.append((label, q))
                made += 1
                if made == count:
                    break
    rng.shuffle(out)
    return out
