"""Word lists for the demo store's shoppers and their orders: names (with ASCII slugs for
emails), customer tags, addresses, carriers and discount codes. All invented."""

from __future__ import annotations

SURNAMES = (
    ("佐藤", "sato"),
    ("鈴木", "suzuki"),
    ("高橋", "takahashi"),
    ("田中", "tanaka"),
    ("伊藤", "ito"),
    ("渡辺", "watanabe"),
    ("山本", "yamamoto"),
    ("中村", "nakamura"),
    ("小林", "kobayashi"),
    ("加藤", "kato"),
    ("吉田", "yoshida"),
    ("山田", "yamada"),
    ("佐々木", "sasaki"),
    ("山口", "yamaguchi"),
    ("松本", "matsumoto"),
    ("井上", "inoue"),
    ("木村", "kimura"),
    ("林", "hayashi"),
    ("清水", "shimizu"),
    ("森", "mori"),
)
GIVEN_NAMES = (
    ("花子", "hanako"),
    ("陽菜", "hina"),
    ("結衣", "yui"),
    ("美咲", "misaki"),
    ("さくら", "sakura"),
    ("葵", "aoi"),
    ("直子", "naoko"),
    ("由美", "yumi"),
    ("恵", "megumi"),
    ("彩", "aya"),
    ("翔太", "shota"),
    ("大輔", "daisuke"),
    ("健太", "kenta"),
    ("蓮", "ren"),
    ("大翔", "hiroto"),
    ("拓也", "takuya"),
    ("誠", "makoto"),
    ("浩二", "koji"),
    ("悠真", "yuma"),
    ("隆", "takashi"),
)
CUSTOMER_TAGS = ("VIP", "リピーター", "メルマガ登録", "LINE友だち", "newsletter", "ギフト購入")

# (province, province_code, city, town, zip) — generic districts, house numbers are made up.
ADDRESSES = (
    ("東京都", "JP-13", "渋谷区", "神宮前", "150-0001"),
    ("東京都", "JP-13", "世田谷区", "三軒茶屋", "154-0024"),
    ("東京都", "JP-13", "武蔵野市", "吉祥寺本町", "180-0004"),
    ("神奈川県", "JP-14", "横浜市中区", "山下町", "231-0023"),
    ("神奈川県", "JP-14", "川崎市中原区", "小杉町", "211-0063"),
    ("埼玉県", "JP-11", "さいたま市浦和区", "高砂", "330-0063"),
    ("千葉県", "JP-12", "千葉市中央区", "中央", "260-0013"),
    ("大阪府", "JP-27", "大阪市北区", "梅田", "530-0001"),
    ("京都府", "JP-26", "京都市中京区", "烏丸通", "604-8166"),
    ("兵庫県", "JP-28", "神戸市中央区", "三宮町", "650-0021"),
    ("愛知県", "JP-23", "名古屋市中区", "栄", "460-0008"),
    ("福岡県", "JP-40", "福岡市中央区", "天神", "810-0001"),
    ("北海道", "JP-01", "札幌市中央区", "北一条西", "060-0001"),
    ("宮城県", "JP-04", "仙台市青葉区", "一番町", "980-0811"),
    ("広島県", "JP-34", "広島市中区", "紙屋町", "730-0031"),
    ("静岡県", "JP-22", "静岡市葵区", "追手町", "420-0853"),
    ("長野県", "JP-20", "松本市", "中央", "390-0811"),
    ("沖縄県", "JP-47", "那覇市", "久茂地", "900-0015"),
)
BUILDINGS = ("メゾン青葉", "コーポ桜", "ハイツ若葉", "グランレジデンス", "サンライズ")

CARRIERS = (
    ("ヤマト運輸", "https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010?id={number}", 50),
    ("佐川急便", "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo={number}", 30),
    (
        "日本郵便",
        "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1={number}&searchKind=S002&locale=ja",
        20,
    ),
)

# (code, kind, value): percentage or fixed yen; LINE500 is the kind of coupon a LINE push carries.
DISCOUNT_CODES = (("WELCOME10", "percentage", 10), ("LINE500", "fixed_amount", 500), ("SPRING15", "percentage", 15))
