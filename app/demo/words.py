"""Word lists for the demo store's catalog (shoppers' names, addresses and carriers are
in people_words.py).

Every Japanese word travels with an ASCII slug so handles stay URL-safe without a
romanisation library. All brands are invented; place names and rice or tea styles are
generic words, not anyone's trademark.
"""

from __future__ import annotations

# (Japanese, slug, price multiplier) — the multiplier makes a 1kg bag cost more than 200g.
SIZES = (("S", "s", 1.0), ("M", "m", 1.0), ("L", "l", 1.0), ("XL", "xl", 1.1))
COLORS = (
    ("ネイビー", "navy", 1.0),
    ("ホワイト", "white", 1.0),
    ("チャコール", "charcoal", 1.0),
    ("オリーブ", "olive", 1.0),
    ("生成り", "natural", 1.0),
    ("藍", "indigo", 1.0),
)
REFILL = (("本体", "bottle", 1.0), ("詰め替え", "refill", 0.8))
SCENTS = (("ゆず", "yuzu", 1.0), ("桜", "sakura", 1.0), ("ヒノキ", "hinoki", 1.0), ("無香料", "unscented", 1.0))


def _weights(*pairs: tuple[str, float]) -> tuple[tuple[str, str, float], ...]:
    return tuple((label, label.lower(), mult) for label, mult in pairs)


CATEGORIES: dict[str, dict] = {
    "アパレル": {
        "brands": (("YAMABIKO", "yamabiko"), ("木漏れ日ストア", "komorebi"), ("Aozora Works", "aozora")),
        "first": (
            ("ORGANIC", "organic"),
            ("ベーシック", "basic"),
            ("リラックス", "relax"),
            ("オーバーサイズ", "oversize"),
            ("ヘビーウェイト", "heavyweight"),
            ("和柄", "wagara"),
        ),
        "second": (
            ("コットン", "cotton"),
            ("リネン", "linen"),
            ("ウール", "wool"),
            ("カシミヤ", "cashmere"),
            ("麻", "hemp"),
            ("天竺", "jersey"),
        ),
        "tags": ("アパレル", "apparel"),
        "phrase": "着心地にこだわって仕立てた一着です。",
        "notes": ("洗濯機で丸洗いできます", "ユニセックスでお使いいただけます"),
    },
    "食品": {
        "brands": (("ゆうなぎ農園", "yunagi"), ("里山やおや", "satoyama"), ("つなぐ食堂", "tsunagu-shokudo")),
        "first": (("国産", "domestic"), ("有機", "organic"), ("無添加", "additive-free")),
        "second": (("特選", "tokusen"), ("お徳用", "value"), ("贈答用", "gift")),
        "tags": ("食品", "food", "国産"),
        "phrase": "産地から直接仕入れた素材でお届けします。",
        "notes": ("直射日光・高温多湿を避けて保存してください", "開封後はお早めにお召し上がりください"),
    },
    "コスメ": {
        "brands": (("SHIZUKU LAB", "shizuku"), ("はなね", "hanane"), ("月と石鹸", "tsukitosekken")),
        "first": (
            ("敏感肌用", "sensitive"),
            ("ORGANIC", "organic"),
            ("無添加", "additive-free"),
            ("しっとり", "moist"),
            ("さっぱり", "fresh"),
            ("薬用", "medicated"),
        ),
        "second": (
            ("米ぬか", "rice-bran"),
            ("ゆず", "yuzu"),
            ("椿", "tsubaki"),
            ("ヒノキ", "hinoki"),
            ("桜", "sakura"),
            ("緑茶", "green-tea"),
        ),
        "tags": ("コスメ", "cosmetics"),
        "phrase": "肌へのやさしさを考えて作りました。",
        "notes": ("パッチテスト済み（すべての方に刺激が起こらないわけではありません）", "日本製"),
    },
    "雑貨": {
        "brands": (("つむぎ工房", "tsumugi"), ("KAZE TO KI", "kazetoki"), ("ひだまり道具店", "hidamari")),
        "first": (
            ("手作り", "handmade"),
            ("職人仕立て", "craft"),
            ("北欧風", "nordic"),
            ("モダン", "modern"),
            ("レトロ", "retro"),
            ("JAPAN", "japan"),
        ),
        "second": (
            ("藍染", "aizome"),
            ("桜柄", "sakura"),
            ("麻の葉", "asanoha"),
            ("市松", "ichimatsu"),
            ("青海波", "seigaiha"),
            ("無地", "plain"),
        ),
        "tags": ("雑貨", "zakka"),
        "phrase": "暮らしに寄り添う道具をお届けします。",
        "notes": ("一点ずつ風合いが異なります", "ギフト包装承ります"),
    },
    "ペット": {
        "brands": (("ぽち日和", "pochibiyori"), ("NEKO NO TE", "nekonote"), ("しっぽ商会", "shippo")),
        "first": (
            ("国産", "domestic"),
            ("グレインフリー", "grain-free"),
            ("シニア用", "senior"),
            ("無添加", "additive-free"),
            ("PREMIUM", "premium"),
        ),
        "second": (
            ("チキン", "chicken"),
            ("鹿肉", "venison"),
            ("まぐろ", "tuna"),
            ("野菜入り", "vegetable"),
            ("サーモン", "salmon"),
        ),
        "tags": ("ペット", "pet"),
        "phrase": "大切な家族の毎日のために選びました。",
        "notes": ("国内工場で製造しています", "はじめての方は少量からお試しください"),
    },
}


def _kind(
    category: str,
    type_: str,
    slug: str,
    price: tuple[int, int],
    axes: tuple = (),
    shape: str = "circle",
    consumable: bool = False,
    **words,
) -> dict:
    return {
        "category": category,
        "type": type_,
        "slug": slug,
        "price": price,
        "axes": axes,
        "shape": shape,
        "consumable": consumable,
        **words,
    }


_TEA = {"brands": (("茶寮あさぎ", "asagi"), ("山霞茶園", "yamagasumi"))}
_COFFEE = {"brands": (("ほしぞら焙煎所", "hoshizora"), ("KOMICHI COFFEE", "komichi"))}

KINDS: tuple[dict, ...] = (
    _kind("アパレル", "Tシャツ", "tshirt", (1980, 4980), (("サイズ", SIZES), ("カラー", COLORS)), "shirt"),
    _kind("アパレル", "パーカー", "hoodie", (4980, 12800), (("サイズ", SIZES), ("カラー", COLORS)), "shirt"),
    _kind(
        "アパレル",
        "靴下",
        "socks",
        (580, 1480),
        (("サイズ", _weights(("22-24cm", 1.0), ("25-27cm", 1.0))), ("カラー", COLORS)),
        "sock",
    ),
    _kind("アパレル", "ストール", "stole", (3980, 29800), (("カラー", COLORS),), "cloth"),
    _kind("アパレル", "トートバッグ", "tote-bag", (1980, 6980), (("カラー", COLORS),), "bag"),
    _kind(
        "食品",
        "緑茶",
        "green-tea",
        (680, 3240),
        (("内容量", _weights(("100g", 1.0), ("200g", 1.8))),),
        "pouch",
        True,
        first=(("静岡県産", "shizuoka"), ("宇治", "uji"), ("八女", "yame"), ("知覧", "chiran")),
        second=(("深蒸し", "fukamushi"), ("有機", "organic"), ("一番摘み", "first-flush"), ("水出し", "cold-brew")),
        **_TEA,
    ),
    _kind(
        "食品",
        "ほうじ茶",
        "hojicha",
        (580, 2480),
        (("内容量", _weights(("100g", 1.0), ("200g", 1.8))),),
        "pouch",
        True,
        first=(("加賀", "kaga"), ("京都", "kyoto"), ("静岡県産", "shizuoka")),
        second=(("焙じたて", "fresh-roast"), ("有機", "organic"), ("茎", "stem"), ("深煎り", "dark")),
        **_TEA,
    ),
    _kind(
        "食品",
        "抹茶",
        "matcha",
        (1280, 4980),
        (("内容量", _weights(("30g", 1.0), ("100g", 2.8))),),
        "pouch",
        True,
        first=(("宇治", "uji"), ("西尾", "nishio"), ("八女", "yame")),
        second=(("有機", "organic"), ("薄茶用", "usucha"), ("濃茶用", "koicha"), ("製菓用", "baking")),
        **_TEA,
    ),
    _kind(
        "食品",
        "コーヒー豆",
        "coffee-beans",
        (1180, 3980),
        (("内容量", _weights(("200g", 1.0), ("500g", 2.2), ("1kg", 4.0))),),
        "pouch",
        True,
        first=(
            ("エチオピア", "ethiopia"),
            ("ブラジル", "brazil"),
            ("グアテマラ", "guatemala"),
            ("コロンビア", "colombia"),
            ("ケニア", "kenya"),
        ),
        second=(("深煎り", "dark"), ("中煎り", "medium"), ("浅煎り", "light"), ("ORGANIC", "organic")),
        **_COFFEE,
    ),
    _kind(
        "食品",
        "米",
        "rice",
        (2480, 4980),
        (("内容量", _weights(("2kg", 1.0), ("5kg", 2.2), ("10kg", 4.2))),),
        "pouch",
        True,
        first=(("新潟県産", "niigata"), ("北海道産", "hokkaido"), ("秋田県産", "akita"), ("山形県産", "yamagata")),
        second=(("特別栽培", "special"), ("無洗", "musenmai"), ("減農薬", "low-pesticide"), ("新", "new-crop")),
    ),
    _kind(
        "食品",
        "味噌",
        "miso",
        (580, 1680),
        (("内容量", _weights(("500g", 1.0), ("1kg", 1.8))),),
        "jar",
        True,
        first=(("信州", "shinshu"), ("仙台", "sendai"), ("九州", "kyushu")),
        second=(("麦", "barley"), ("合わせ", "awase"), ("白", "white"), ("赤", "red"), ("無添加", "additive-free")),
    ),
    _kind(
        "食品",
        "醤油",
        "soy-sauce",
        (380, 1280),
        (("内容量", _weights(("500ml", 1.0), ("1L", 1.7))),),
        "bottle",
        True,
        first=(("小豆島", "shodoshima"), ("湯浅", "yuasa"), ("九州", "kyushu")),
        second=(("濃口", "koikuchi"), ("薄口", "usukuchi"), ("再仕込み", "double-brewed"), ("木桶仕込み", "barrel")),
    ),
    _kind(
        "食品",
        "はちみつ",
        "honey",
        (1480, 3980),
        (("内容量", _weights(("150g", 1.0), ("300g", 1.8))),),
        "jar",
        True,
        first=(("国産", "domestic"), ("岐阜", "gifu"), ("熊本", "kumamoto")),
        second=(("れんげ", "renge"), ("アカシア", "acacia"), ("百花", "wildflower"), ("みかん", "mikan")),
    ),
    _kind("コスメ", "化粧水", "lotion", (1480, 5980), (("タイプ", REFILL),), "bottle", True),
    _kind("コスメ", "日焼け止め", "sunscreen", (980, 3280), (), "bottle"),
    _kind("コスメ", "シャンプー", "shampoo", (1280, 3980), (("タイプ", REFILL),), "bottle", True),
    _kind("コスメ", "ハンドクリーム", "hand-cream", (680, 1980), (("香り", SCENTS),), "jar"),
    _kind("コスメ", "石鹸", "soap", (480, 1480), (("香り", SCENTS),), "soap", True),
    _kind("雑貨", "手ぬぐい", "tenugui", (880, 1980), (), "cloth"),
    _kind("雑貨", "マグカップ", "mug", (1480, 3980), (("カラー", COLORS),), "mug"),
    _kind(
        "雑貨",
        "風呂敷",
        "furoshiki",
        (1980, 6980),
        (("サイズ", _weights(("50cm", 1.0), ("70cm", 1.4), ("90cm", 1.9))),),
        "cloth",
    ),
    _kind("雑貨", "箸", "chopsticks", (980, 5980), (("長さ", _weights(("21cm", 1.0), ("23cm", 1.1))),), "sticks"),
    _kind(
        "雑貨",
        "鉄瓶",
        "tetsubin",
        (12800, 29800),
        (),
        "mug",
        first=(("伝統", "traditional"), ("モダン", "modern"), ("小ぶり", "compact")),
        second=(("あられ", "arare"), ("丸形", "round"), ("平形", "flat")),
    ),
    _kind("雑貨", "湯呑み", "yunomi", (1280, 3980), (("カラー", COLORS),), "mug"),
    _kind(
        "ペット",
        "ドッグフード",
        "dog-food",
        (1480, 6980),
        (("内容量", _weights(("1kg", 1.0), ("3kg", 2.6), ("6kg", 4.2))),),
        "paw",
        True,
    ),
    _kind(
        "ペット",
        "キャットフード",
        "cat-food",
        (980, 4980),
        (("内容量", _weights(("500g", 1.0), ("2kg", 3.2))),),
        "paw",
        True,
    ),
    _kind(
        "ペット",
        "猫砂",
        "cat-litter",
        (980, 2980),
        (("容量", _weights(("6L", 1.0), ("12L", 1.8))),),
        "pouch",
        True,
        first=(("固まる", "clumping"), ("流せる", "flushable"), ("消臭", "odor-control")),
        second=(("ひのき", "hinoki"), ("おから", "okara"), ("紙", "paper"), ("ベントナイト", "bentonite")),
    ),
    _kind("ペット", "ペットおやつ", "pet-treats", (380, 1280), (), "paw", True),
    _kind(
        "ペット",
        "首輪",
        "collar",
        (1480, 4980),
        (("サイズ", SIZES[:3]),),
        "paw",
        first=(("レザー", "leather"), ("反射", "reflective"), ("軽量", "light")),
        second=(("和柄", "wagara"), ("ナイロン", "nylon"), ("帆布", "canvas")),
    ),
)

KIND_BY_TYPE: dict[str, dict] = {kind["type"]: kind for kind in KINDS}
CONSUMABLE_TYPES = frozenset(kind["type"] for kind in KINDS if kind["consumable"])
# Japan's reduced 8% consumption-tax rate applies to food; everything else is 10%.
REDUCED_TAX_TYPES = frozenset(kind["type"] for kind in KINDS if kind["category"] == "食品")
EXTRA_TAGS = ("ギフト", "送料無料", "新商品", "人気", "限定", "gift", "bestseller", "new")
