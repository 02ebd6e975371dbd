"""A 100,000-product Japanese catalog for bench/search.py, written as bulk-operation JSONL.

Why not `app.demo.catalog.demo_products(count=100_000)`: its ids and handles stay unique
and it takes ~9 s, but its vocabulary is sized for a 240-product demo: 100,000 products
share only ~8,200 distinct titles (each title ~12 times), so every query would hit huge,
identical result sets. A real 100k store has far more brands, types and modifiers, so
this generator reuses the demo's word lists (categories, kinds, option axes, tags) and
widens them: ~70 product types, ~900 brands (Japanese and Latin), more adjectives and
materials, shop-style title prefixes and pack sizes, 1-4 variants. Only a seeded
`random.Random` is used: the same seed gives the same file.

Products are built in the REST shape `app.demo.bulk.as_bulk_lines` reads, so the JSONL
is exactly what the app's own demo import produces (product line, then its variants with
`__parentId`); the file is written line by line, never held in memory whole.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

from app.demo.bulk import as_bulk_lines
from app.demo.words import CATEGORIES, COLORS, EXTRA_TAGS, KINDS, REFILL, SCENTS, SIZES


def _w(*labels: str) -> tuple:
    """Weight-like option values: (label, slug, price multiplier growing with the size)."""
    return tuple((label, label.lower(), 1.0 + 0.7 * i) for i, label in enumerate(labels))


AXES = {
    "size": ("サイズ", SIZES),
    "color": ("カラー", COLORS),
    "refill": ("タイプ", REFILL),
    "scent": ("香り", SCENTS),
    "g": ("内容量", _w("100g", "200g", "500g")),
    "ml": ("内容量", _w("150ml", "300ml", "500ml")),
    "pcs": ("入数", _w("5枚", "10枚", "20枚")),
    "cm": ("サイズ", _w("小", "中", "大")),
}
# (category, type, slug, price range, axes, consumable): types the demo store does not sell.
EXTRA_KINDS = (
    ("アパレル", "シャツ", "shirt", (2980, 8980), ("size", "color"), False),
    ("アパレル", "ワンピース", "dress", (4980, 14800), ("size", "color"), False),
    ("アパレル", "カーディガン", "cardigan", (3980, 12800), ("size", "color"), False),
    ("アパレル", "エプロン", "apron", (1980, 5980), ("color",), False),
    ("アパレル", "帽子", "hat", (1980, 6980), ("size", "color"), False),
    ("アパレル", "手袋", "gloves", (980, 3980), ("size", "color"), False),
    ("アパレル", "マフラー", "muffler", (2980, 9800), ("color",), False),
    ("アパレル", "腹巻き", "haramaki", (980, 2980), ("size",), False),
    ("食品", "紅茶", "black-tea", (680, 2980), ("g",), True),
    ("食品", "麦茶", "mugicha", (380, 1280), ("pcs",), True),
    ("食品", "玄米茶", "genmaicha", (480, 1680), ("g",), True),
    ("食品", "ドリップコーヒー", "drip-coffee", (980, 3480), ("pcs",), True),
    ("食品", "梅干し", "umeboshi", (980, 3980), ("g",), True),
    ("食品", "焼き海苔", "nori", (580, 2480), ("pcs",), True),
    ("食品", "出汁パック", "dashi", (680, 2680), ("pcs",), True),
    ("食品", "十割そば", "soba", (580, 1980), ("g",), True),
    ("食品", "羊羹", "yokan", (880, 3280), (), True),
    ("食品", "せんべい", "senbei", (480, 1980), ("pcs",), True),
    ("食品", "ジャム", "jam", (680, 1980), ("g",), True),
    ("食品", "オリーブオイル", "olive-oil", (1280, 4980), ("ml",), True),
    ("コスメ", "美容液", "serum", (2480, 8980), ("refill",), True),
    ("コスメ", "クレンジングオイル", "cleansing", (1480, 3980), ("refill",), True),
    ("コスメ", "ボディソープ", "body-soap", (980, 2980), ("refill", "scent"), True),
    ("コスメ", "リップクリーム", "lip-balm", (480, 1480), ("scent",), False),
    ("コスメ", "入浴剤", "bath-salt", (580, 2480), ("scent",), True),
    ("コスメ", "ヘアオイル", "hair-oil", (1480, 4480), ("ml",), True),
    ("雑貨", "急須", "kyusu", (2980, 12800), ("color",), False),
    ("雑貨", "茶碗", "chawan", (1480, 5980), ("color",), False),
    ("雑貨", "豆皿", "mamezara", (680, 2480), ("color",), False),
    ("雑貨", "弁当箱", "bento-box", (1980, 8980), ("cm",), False),
    ("雑貨", "扇子", "sensu", (1480, 6980), (), False),
    ("雑貨", "今治タオル", "towel", (980, 3980), ("color",), False),
    ("雑貨", "箸置き", "hashioki", (480, 1980), (), False),
    ("雑貨", "ランチョンマット", "placemat", (980, 2980), ("color",), False),
    ("ペット", "猫じゃらし", "cat-toy", (380, 1480), (), False),
    ("ペット", "ペットベッド", "pet-bed", (2980, 9800), ("cm",), False),
    ("ペット", "リード", "leash", (1480, 4980), ("size",), False),
    ("ペット", "爪とぎ", "scratcher", (680, 2980), (), True),
    ("ペット", "ペットシーツ", "pet-sheet", (980, 2980), ("pcs",), True),
)
MORE_FIRST = {
    "アパレル": ("ゆったり", "スリム", "軽量", "あったか", "ひんやり", "撥水", "UVカット", "ヴィンテージ"),
    "食品": ("手摘み", "天日干し", "特別栽培", "職人仕込み", "訳あり", "季節限定", "朝どれ", "熟成"),
    "コスメ": ("保湿", "ノンシリコン", "オーガニック", "低刺激", "ボタニカル", "天然由来"),
    "雑貨": ("手織り", "漆塗り", "有田焼", "波佐見焼", "美濃焼", "曲げわっぱ"),
    "ペット": ("低脂肪", "高タンパク", "小粒", "ヒューマングレード", "無着色"),
}
MORE_SECOND = {
    "アパレル": ("デニム", "シルク", "フリース", "ガーゼ", "ニット", "コーデュロイ"),
    "食品": ("黒糖", "玄米", "柚子", "生姜", "黒豆", "昆布"),
    "コスメ": ("ヒアルロン酸", "はとむぎ", "ラベンダー", "よもぎ", "どくだみ", "真珠"),
    "雑貨": ("ひのき", "竹", "陶器", "ガラス", "真鍮", "欅"),
    "ペット": ("ささみ", "かつお", "ラム", "馬肉", "白身魚"),
}
BRAND_HEADS_JA = (
    "ゆうなぎ",
    "山霞",
    "ほしぞら",
    "木漏れ日",
    "はなね",
    "つむぎ",
    "ひだまり",
    "里山",
    "しっぽ",
    "月と",
    "あさぎ",
    "みなも",
    "やまびこ",
    "ひより",
    "かすみ",
    "そよかぜ",
    "わかば",
    "こはく",
    "あおば",
    "雪白",
)
BRAND_HEADS_EN = (
    "AOZORA",
    "KOMICHI",
    "SHIZUKU",
    "YAMABIKO",
    "HINATA",
    "KAZE",
    "MORI",
    "TSUKI",
    "SORA",
    "NAGI",
    "HOSHI",
    "KUMO",
    "UMI",
    "SAKURA",
    "MIDORI",
    "AKARI",
    "YUKI",
    "KOTO",
    "HANA",
    "TOMO",
)
BRAND_TAILS = {
    "アパレル": (("ストア", "衣料店", "縫製所", "工房"), ("WORKS", "CLOTHING", "& CO.", "STANDARD")),
    "食品": (("農園", "茶園", "焙煎所", "本舗"), ("FARM", "COFFEE", "TEA", "KITCHEN")),
    "コスメ": (("石鹸", "化粧品", "ラボ", "本舗"), ("LAB", "BOTANICS", "SKIN", "NATURALS")),
    "雑貨": (("工房", "道具店", "民芸", "商店"), ("DESIGN", "CRAFT", "HOME", "SUPPLY")),
    "ペット": (("商会", "ペット", "堂", "舎"), ("PETS", "DOG", "PAWS", "FRIENDS")),
}
PREFIXES = (("", 80), ("【送料無料】", 10), ("【公式】", 5), ("【ギフト】", 5))
PACKS = (("", 85), (" 2個セット", 5), (" 3袋セット", 4), (" お試しサイズ", 3), (" 定期便", 3))
KIND_LIST = tuple(
    dict(k, first=tuple(w for w, _ in k.get("first", ())), second=tuple(w for w, _ in k.get("second", ())))
    for k in KINDS
) + tuple(
    {
        "category": c,
        "type": t,
        "slug": s,
        "price": p,
        "axes": tuple(AXES[a] for a in axes),
        "consumable": cons,
        "first": (),
        "second": (),
    }
    for c, t, s, p, axes, cons in EXTRA_KINDS
)


def brands(category: str) -> tuple[str, ...]:
    ja_tails, en_tails = BRAND_TAILS[category]
    return tuple(h + t for h in BRAND_HEADS_JA for t in ja_tails) + tuple(
        f"{h} {t}" for h in BRAND_HEADS_EN for t in en_tails
    )


def adjectives(category: str) -> tuple[str, ...]:
    return tuple(w for w, _ in CATEGORIES[category]["first"]) + MORE_FIRST[category]


def materials(category: str) -> tuple[str, ...]:
    return tuple(w for w, _ in CATEGORIES[category]["second"]) + MORE_SECOND[category]


BRANDS = {c: brands(c) for c in CATEGORIES}


class _Gen:
    """Deterministic product builder; ids rise with gaps like Shopify's."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"bench-search:{seed}")
        self.product_id, self.variant_id = 8_640_000_000_000, 46_020_000_000_000

    def _pick(self, weighted: tuple) -> str:
        return self.rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]

    def product(self, index: int) -> dict:
        rng = self.rng
        kind = rng.choice(KIND_LIST)
        cat = kind["category"]
        first = rng.choice(kind["first"] if kind["first"] and rng.random() < 0.7 else adjectives(cat))
        second = rng.choice(kind["second"] if kind["second"] and rng.random() < 0.7 else materials(cat))
        brand = rng.choice(BRANDS[cat])
        grid = self._grid(kind)
        suffix = rng.choice(kind["axes"][0][1])[0] if kind["axes"] and not grid else ""
        name = f"{first} {second}{' ' if second[-1].isascii() else ''}{kind['type']}"
        title = f"{self._pick(PREFIXES)}{brand} {name}{' ' + suffix if suffix else ''}{self._pick(PACKS)}"
        self.product_id += rng.randint(1_000, 99_999)
        status = rng.choices(("active", "draft", "archived"), weights=(95, 3, 2))[0]
        day = f"2024-{1 + index % 12:02d}-{1 + index % 28:02d}T10:00:00+09:00"
        notes = "".join(f"<li>{n}</li>" for n in CATEGORIES[cat]["notes"])
        return {
            "id": self.product_id,
            "handle": f"{kind['slug']}-{index + 1}",
            "title": title,
            "body_html": f"<p>{brand}の{name.replace(' ', '')}です。{CATEGORIES[cat]['phrase']}</p><ul>{notes}</ul>",
            "vendor": brand,
            "product_type": kind["type"],
            "tags": self._tags(kind, cat),
            "status": status,
            "published_at": day if status == "active" else None,
            "updated_at": day,
            "image": {"src": f"https://cdn.example.jp/p/{kind['slug']}-{index + 1}.jpg"},
            "variants": self._variants(kind, index, grid, suffix),
        }

    def _grid(self, kind: dict) -> list[tuple]:
        """No options (30%), one axis with 2-4 values, or two axes with 2 values each."""
        rng, axes = self.rng, kind["axes"]
        if not axes or rng.random() < 0.3:
            return []
        if len(axes) > 1 and rng.random() < 0.5:
            return [self._some(values, 2) for _, values in axes[:2]]
        values = axes[0][1]
        return [self._some(values, self.rng.randint(2, min(4, len(values))))]

    def _some(self, values: tuple, k: int) -> list:
        """k option values in the store's own order (S before M, 100g before 200g)."""
        return [values[i] for i in sorted(self.rng.sample(range(len(values)), k))]

    def _tags(self, kind: dict, category: str) -> str:
        rng = self.rng
        tags = {*CATEGORIES[category]["tags"], kind["type"], *rng.sample(EXTRA_TAGS, rng.randint(0, 2))}
        if kind["consumable"]:
            tags.add("定期購入おすすめ")
        return ", ".join(sorted(tags))

    def _variants(self, kind: dict, index: int, grid: list, suffix: str) -> list[dict]:
        rng = self.rng
        base = rng.randint(*kind["price"])
        combos = (
            [()]
            if not grid
            else [(a,) for a in grid[0]]
            if len(grid) == 1
            else [(a, b) for a in grid[0] for b in grid[1]]
        )
        variants = []
        for position, combo in enumerate(combos, start=1):
            mult = 1.0
            for value in combo:
                mult *= value[2]
            self.variant_id += rng.randint(1_000, 99_999)
            quantity = rng.choices((0, rng.randint(1, 3), rng.randint(5, 240)), weights=(8, 10, 82))[0]
            variants.append(
                {
                    "id": self.variant_id,
                    "title": " / ".join(v[0] for v in combo) or "Default Title",
                    "price": f"{max(380, round(base * mult / 100) * 100 - 20)}.00",
                    "compare_at_price": None,
                    "sku": f"{kind['slug'][:4].upper()}-{index + 1:06d}-{position}",
                    "position": position,
                    "inventory_quantity": quantity,
                    "inventory_policy": "deny",
                }
            )
        return variants[:4]


def products(count: int, seed: int = 7) -> Iterator[dict]:
    gen = _Gen(seed)
    for index in range(count):
        yield gen.product(index)


def write_jsonl(path: Path, count: int, seed: int = 7) -> tuple[int, int]:
    """Write the catalog as bulk JSONL; returns (lines, variants)."""
    lines = variants = 0
    with open(path, "w", encoding="utf-8") as out:
        for obj in as_bulk_lines(products(count, seed)):
            out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
            lines += 1
            variants += "__parentId" in obj
    return lines, variants
