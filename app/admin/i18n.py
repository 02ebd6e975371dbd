"""Admin texts in Japanese (default) and English, chosen by the shop's locale."""

from __future__ import annotations

from . import texts_dashboard, texts_flow_editor, texts_people

TEXTS: dict[str, dict[str, str]] = {
    "app_name": {"ja": "Tsunagu", "en": "Tsunagu"},
    "nav.home": {"ja": "ホーム", "en": "Home"},
    "nav.flows": {"ja": "自動配信", "en": "Flows"},
    "nav.customers": {"ja": "顧客", "en": "Customers"},
    "nav.messages": {"ja": "配信履歴", "en": "Messages"},
    "nav.keywords": {"ja": "商品検索", "en": "Product search"},
    "nav.simulator": {"ja": "チャットで試す", "en": "Try the chat"},
    "nav.settings": {"ja": "設定", "en": "Settings"},
    "nav.privacy": {"ja": "プライバシー", "en": "Privacy"},
    "home.title": {"ja": "はじめに", "en": "Get started"},
    "home.checklist": {"ja": "セットアップ", "en": "Setup"},
    "home.lead": {
        "ja": "ストアと LINE 公式アカウントをつなぎ、注文・発送・カゴ落ちのお知らせを LINE で届けます。",
        "en": "Connect your store to your LINE Official Account and send order, shipping and cart messages in LINE.",
    },
    "demo.banner": {
        "ja": "デモストアで表示しています。LINE への送信は行われません（ドライラン）。",
        "en": "You are viewing the demo store. Nothing is sent to LINE (dry run).",
    },
    "check.store": {"ja": "ストアの接続", "en": "Store connected"},
    "check.store.ok": {"ja": "{shop} に接続済み", "en": "Connected to {shop}"},
    "check.store.todo": {"ja": "アプリを開き直して接続してください", "en": "Open the app again to connect"},
    "check.line": {"ja": "LINE 公式アカウントの接続", "en": "LINE Official Account"},
    "check.line.ok": {"ja": "{name} に接続済み", "en": "Connected to {name}"},
    "check.line.todo": {
        "ja": "未接続です。設定 → LINE でチャネルシークレットとアクセストークンを登録します。",
        "en": "Not connected yet. Add the channel secret and access token in Settings → LINE.",
    },
    "check.catalog": {"ja": "商品カタログ", "en": "Product catalog"},
    "check.catalog.ok": {
        "ja": "{count} 件の商品（うち販売中 {active} 件）・最終同期 {at}",
        "en": "{count} products ({active} active) · last synced {at}",
    },
    "check.catalog.todo": {"ja": "まだ商品が同期されていません", "en": "No products synced yet"},
    "status.done": {"ja": "完了", "en": "Done"},
    "status.todo": {"ja": "未完了", "en": "To do"},
    "stats.title": {"ja": "ストアのデータ", "en": "Store data"},
    "stats.customers": {"ja": "顧客", "en": "Customers"},
    "stats.orders": {"ja": "注文", "en": "Orders"},
    "stats.friends": {"ja": "LINE 友だち", "en": "LINE friends"},
    "stats.linked": {"ja": "連携済み顧客", "en": "Linked customers"},
    "failed.title": {"ja": "処理できなかった Webhook", "en": "Webhooks that failed"},
    "failed.none": {"ja": "処理に失敗した Webhook はありません。", "en": "No webhook has failed."},
    "failed.topic": {"ja": "トピック", "en": "Topic"},
    "failed.received": {"ja": "受信日時", "en": "Received"},
    "failed.attempts": {"ja": "試行回数", "en": "Attempts"},
    "failed.next": {"ja": "次回の再試行", "en": "Next retry"},
    "failed.error": {"ja": "エラー", "en": "Error"},
    "failed.gave_up": {"ja": "自動再試行を終了", "en": "No more automatic retries"},
    "soon.title": {"ja": "準備中", "en": "Coming soon"},
    "soon.flows": {
        "ja": "カゴ落ち・注文確認・発送通知・再購入リマインドの配信を、ここでオン／オフし文面を編集します。",
        "en": "Switch abandoned cart, order, shipping and repurchase messages on or off and edit their texts here.",
    },
    "soon.customers": {
        "ja": "LINE と連携した顧客、友だち・ブロックの状態、配信停止の状況をここで確認します。",
        "en": "See which customers are linked to LINE, who follows or blocked you, and who opted out.",
    },
    "soon.messages": {
        "ja": "送信済み・予約中・失敗したメッセージを理由とともにここで確認します。",
        "en": "See every sent, scheduled and failed message with its reason.",
    },
    "soon.settings": {
        "ja": "LINE 公式アカウントの接続、配信しない時間帯、配信上限、言語をここで設定します。",
        "en": "Connect your LINE Official Account and set quiet hours, caps and language.",
    },
    "save": {"ja": "保存", "en": "Save"},
    "line.title": {"ja": "LINE 公式アカウント", "en": "LINE Official Account"},
    "line.connected": {"ja": "接続済み", "en": "Connected"},
    "line.dry_run": {"ja": "ドライラン", "en": "Dry run"},
    "line.basic_id": {"ja": "ベーシック ID", "en": "Basic ID"},
    "line.friends": {"ja": "友だち（ブロック除く）", "en": "Friends (not blocking)"},
    "line.webhook_ok": {"ja": "正常（{at} に確認）", "en": "Working (checked {at})"},
    "line.login": {"ja": "LINE ログイン", "en": "LINE Login"},
    "line.login_off": {"ja": "未設定", "en": "Not set"},
    "line.add_friend": {"ja": "友だち追加リンク", "en": "Add-friend link"},
    "line.qr": {"ja": "友だち追加 QR コード", "en": "Add-friend QR code"},
    "line.retest": {"ja": "Webhook を再テスト", "en": "Test the webhook again"},
    "line.disconnect": {"ja": "接続を解除", "en": "Disconnect"},
    "line.disconnect_confirm": {
        "ja": "LINE との接続を解除すると、すべての送信が止まります。よろしいですか？",
        "en": "Disconnecting stops every message. Continue?",
    },
    "line.demo_note": {
        "ja": "デモストアでは、ドライランの LINE アカウントを使います。実際の LINE には送信されません。",
        "en": "The demo store uses a dry-run LINE account: nothing reaches LINE.",
    },
    "line.was_disconnected": {"ja": "LINE との接続は解除されています。", "en": "LINE is disconnected."},
    "line.connect_lead": {
        "ja": "LINE Developers コンソールで Messaging API チャネルを開き、「チャネル基本設定」のチャネルシークレットと、"
        "「Messaging API設定」の長期チャネルアクセストークンを貼り付けてください。Webhook の設定はこのアプリが行います。",
        "en": "In the LINE Developers console, open your Messaging API channel and paste the channel secret "
        "(Basic settings) and a long-lived channel access token (Messaging API). This app sets the webhook.",
    },
    "line.channel_secret": {"ja": "チャネルシークレット", "en": "Channel secret"},
    "line.access_token": {"ja": "チャネルアクセストークン（長期）", "en": "Channel access token (long-lived)"},
    "line.login_optional": {
        "ja": "LINE ログイン（任意：ストアから連携ボタンを使う場合）",
        "en": "LINE Login (optional: for the store's link button)",
    },
    "line.login_channel_id": {"ja": "LINE ログインのチャネル ID", "en": "LINE Login channel ID"},
    "line.login_channel_secret": {"ja": "LINE ログインのチャネルシークレット", "en": "LINE Login channel secret"},
    "line.connect": {"ja": "接続する", "en": "Connect"},
    "line.greeting_title": {"ja": "あいさつメッセージ", "en": "Greeting"},
    "line.greeting": {"ja": "友だち追加時のメッセージ", "en": "Message when someone adds you"},
    "line.welcome_back": {"ja": "ブロック解除時のメッセージ", "en": "Message when someone unblocks you"},
    "line.variables": {"ja": "使える変数：", "en": "Variables:"},
    "line.coupon": {"ja": "友だち限定クーポンコード（任意）", "en": "Friends-only coupon code (optional)"},
    "line.english": {
        "ja": "LINE の言語が英語の友だちには英語で返信する",
        "en": "Reply in English to friends whose LINE is in English",
    },
    "line.preview": {"ja": "プレビュー", "en": "Preview"},
    "line.store_link_title": {"ja": "ストアから LINE 連携", "en": "Link from the store"},
    "line.store_link_lead": {
        "ja": "テーマエディタで「LINEで通知を受け取る」ブロックを、商品ページやアカウントページなどテーマのセクションに追加できます。"
        "ボタンは次の URL に移動し、ログイン中のお客様の LINE を連携します（LINE ログインの設定が必要です）。"
        "サンクスページなどリンクを置ける場所なら、この URL を直接使うこともできます。",
        "en": 'In the theme editor, add the "Get updates on LINE" block to a product page, the account page or '
        "any theme section. It opens this URL and links the logged-in customer's LINE (needs LINE Login). "
        "Anywhere you can place a link, such as the thank-you page, can use this URL directly.",
    },
    "search.lead": {
        "ja": "お客様がトークでキーワードを送ると、商品をカルーセルで返します。キーワードルールは検索より優先されます。",
        "en": "When a shopper sends a keyword in the chat, matching products come back as a carousel. Keyword rules answer first.",
    },
    "search.catalog": {"ja": "商品カタログ", "en": "Catalog"},
    "search.searchable": {
        "ja": "検索できる商品：{count} 件（販売中・オンラインストアで公開中）",
        "en": "Searchable products: {count} (active and on the online store)",
    },
    "search.sync_at": {"ja": "{at}", "en": "{at}"},
    "search.removed": {"ja": "削除された商品 {count} 件を除外", "en": "{count} removed products dropped"},
    "search.progress": {"ja": "同期の進み具合", "en": "Sync progress"},
    "search.sync_now": {"ja": "今すぐ同期", "en": "Sync now"},
    "sync.pending": {"ja": "同期待ち", "en": "Waiting"},
    "sync.running": {"ja": "Shopify で準備中", "en": "Preparing on Shopify"},
    "sync.importing": {"ja": "取り込み中", "en": "Importing"},
    "sync.completed": {"ja": "同期完了", "en": "Synced"},
    "sync.failed": {"ja": "同期失敗", "en": "Sync failed"},
    "rules.title": {"ja": "キーワードルール", "en": "Keyword rules"},
    "rules.lead": {
        "ja": "上から順に照合し、最初に一致したルールで返信します。",
        "en": "Checked top to bottom; the first match answers.",
    },
    "rules.order": {"ja": "順序", "en": "Order"},
    "rules.up": {"ja": "上へ", "en": "Move up"},
    "rules.down": {"ja": "下へ", "en": "Move down"},
    "rules.keywords": {"ja": "キーワード", "en": "Keywords"},
    "rules.keywords_hint": {"ja": "送料, 配送料（カンマ区切り）", "en": "shipping, delivery (comma separated)"},
    "rules.match": {"ja": "一致のしかた", "en": "Match"},
    "rules.match.contains": {"ja": "メッセージに含まれる", "en": "Message contains"},
    "rules.match.exact": {"ja": "メッセージと完全に一致", "en": "Message is exactly"},
    "rules.answer": {"ja": "返信", "en": "Answer"},
    "rules.answer.text": {"ja": "テキスト", "en": "Text"},
    "rules.answer.products": {"ja": "選んだ商品", "en": "Chosen products"},
    "rules.answer.collection": {"ja": "コレクション", "en": "Collection"},
    "rules.items": {"ja": "商品", "en": "products"},
    "rules.matches": {"ja": "30日間の一致", "en": "Matches (30 days)"},
    "rules.off": {"ja": "停止中", "en": "Off"},
    "rules.edit": {"ja": "編集", "en": "Edit"},
    "rules.delete": {"ja": "削除", "en": "Delete"},
    "rules.delete_confirm": {"ja": "このルールを削除しますか？", "en": "Delete this rule?"},
    "rules.none": {"ja": "ルールはまだありません。", "en": "No rules yet."},
    "rules.add": {"ja": "ルールを追加・編集", "en": "Add or edit a rule"},
    "rules.new": {"ja": "新しいルール", "en": "New rule"},
    "rules.text": {"ja": "返信テキスト", "en": "Reply text"},
    "rules.products": {"ja": "商品（ハンドルまたは ID、最大10件）", "en": "Products (handles or IDs, up to 10)"},
    "rules.products_hint": {
        "ja": "商品ページの URL の /products/ 以降がハンドルです。",
        "en": "The handle is what follows /products/ in the product's URL.",
    },
    "rules.collection": {"ja": "コレクションのハンドル", "en": "Collection handle"},
    "rules.collection_title": {"ja": "表示名（任意）", "en": "Title shown (optional)"},
    "rules.enabled": {"ja": "有効", "en": "On"},
    "synonyms.title": {"ja": "類義語", "en": "Synonyms"},
    "synonyms.lead": {
        "ja": "1行に1グループ、同じ意味の言葉をカンマで区切って入力します。",
        "en": "One group per line: words that mean the same, separated by commas.",
    },
    "misses.title": {"ja": "検索の状況（30日間）", "en": "Searches (30 days)"},
    "misses.searches": {"ja": "キーワード検索：{count} 回", "en": "Keyword searches: {count}"},
    "misses.query": {"ja": "見つからなかった検索", "en": "Searches that found nothing"},
    "misses.count": {"ja": "回数", "en": "Times"},
    "misses.make_rule": {"ja": "ルールを作る", "en": "Make a rule"},
    "misses.none": {"ja": "見つからなかった検索はありません。", "en": "Every search found something."},
    "simulator.lead": {
        "ja": "お客様になったつもりでメッセージを送ると、ボットが実際に返す内容をそのまま表示します（LINE には送信されません）。",
        "en": "Write as a shopper and see exactly what the bot would reply (nothing is sent to LINE).",
    },
    "simulator.placeholder": {"ja": "例：緑茶、送料、注文", "en": "e.g. green tea, shipping, order"},
    "simulator.language": {"ja": "お客様の言語", "en": "Shopper's language"},
    "simulator.send": {"ja": "送信", "en": "Send"},
    "simulator.hint": {
        "ja": "クイックリプライのボタンを押すと、その言葉を送ったときの返信を試せます。",
        "en": "Tap a quick reply to try what it sends.",
    },
    "privacy.title": {"ja": "プライバシー", "en": "Privacy"},
    "privacy.lead": {
        "ja": "Shopify から届いた顧客データの開示・削除リクエストと、その対応結果です。",
        "en": "Customer data requests and erasures received from Shopify, and what was done.",
    },
    "privacy.none": {"ja": "リクエストはまだありません。", "en": "No requests yet."},
    "privacy.kind": {"ja": "種類", "en": "Type"},
    "privacy.customer": {"ja": "顧客 ID", "en": "Customer ID"},
    "privacy.date": {"ja": "受信日時", "en": "Received"},
    "privacy.status": {"ja": "状態", "en": "Status"},
    "privacy.download": {"ja": "JSON をダウンロード", "en": "Download JSON"},
    "topic.customers/data_request": {"ja": "データ開示", "en": "Data request"},
    "topic.customers/redact": {"ja": "顧客データ削除", "en": "Customer erasure"},
    "status.completed": {"ja": "対応済み", "en": "Completed"},
    "status.redacted": {"ja": "削除済み", "en": "Erased"},
    "flows.title": {"ja": "自動配信", "en": "Flows"},
    "flows.lead": {
        "ja": "カゴ落ち・注文・発送・リピート購入のお知らせを、決まったタイミングで LINE に自動でお届けします。",
        "en": "Cart, order, shipping and repurchase messages sent to LINE automatically, at the right time.",
    },
    "flows.list": {"ja": "配信の種類（直近30日）", "en": "Flows (last 30 days)"},
    "flows.flow": {"ja": "配信", "en": "Flow"},
    "flows.state": {"ja": "状態", "en": "State"},
    "flows.kind": {"ja": "種類", "en": "Kind"},
    "flows.next": {"ja": "次の配信予定", "en": "Next due"},
    "flows.on": {"ja": "オン", "en": "On"},
    "flows.off": {"ja": "オフ", "en": "Off"},
    "flows.marketing": {"ja": "販促", "en": "Marketing"},
    "flows.transactional": {"ja": "取引連絡", "en": "Transactional"},
    "flows.policies": {
        "ja": "販促メッセージは配信停止時間（既定 21:00〜9:00）を避け、お一人につき1日1通・30日4通までに抑えます。注文・発送のお知らせはすぐに届きます。",
        "en": "Marketing messages avoid quiet hours (21:00–9:00 by default) and are capped at 1 a day and 4 in 30 days per person. Order and shipping messages go out at once.",
    },
    "flows.quota_held": {
        "ja": "今月の LINE メッセージ通数の上限が近いため、販促メッセージ {n} 件を保留しています。注文・発送のお知らせは引き続き届きます。LINE Official Account Manager でプランをご確認ください。",
        "en": "{n} marketing messages are on hold: this month's LINE message quota is nearly used. Order and shipping messages still go out. Check your plan in LINE Official Account Manager.",
    },
    "flows.cycles": {"ja": "リピート購入の周期の提案", "en": "Suggested repurchase cycles"},
    "flows.cycles_lead": {
        "ja": "同じお客様が同じ商品を買い直すまでの日数（中央値）を、ストアの注文から計算しました。",
        "en": "The median number of days before the same customer buys the same product again, from your orders.",
    },
    "flows.cycles_none": {
        "ja": "提案に十分なリピート購入がまだありません（1商品につき5回以上）。",
        "en": "Not enough repeat purchases yet (5 per product are needed).",
    },
    "flows.product": {"ja": "商品", "en": "Product"},
    "flows.suggested": {"ja": "提案", "en": "Suggested"},
    "flows.repeats": {"ja": "買い直し回数", "en": "Repeats"},
    "flows.current": {"ja": "現在の設定", "en": "Current"},
    "flows.days": {"ja": "{n}日", "en": "{n} days"},
    "flow.abandoned_checkout": {"ja": "カゴ落ち（チェックアウト）", "en": "Abandoned checkout"},
    "flow.abandoned_checkout.about": {
        "ja": "購入手続きを途中でやめたお客様に、1時間後と23時間後",
        "en": "1 h and 23 h after a checkout is left",
    },
    "flow.abandoned_cart": {"ja": "カゴ落ち（カート）", "en": "Abandoned cart"},
    "flow.abandoned_cart.about": {
        "ja": "ログイン中にカートに商品を残したお客様に",
        "en": "For logged-in customers who leave a cart",
    },
    "flow.order_confirmation": {"ja": "注文確認", "en": "Order confirmation"},
    "flow.order_confirmation.about": {"ja": "ご注文直後に", "en": "Right after an order"},
    "flow.shipping_update": {"ja": "発送・配達のお知らせ", "en": "Shipping updates"},
    "flow.shipping_update.about": {
        "ja": "発送、配達中、配達完了、不在、配送トラブル",
        "en": "Shipped, out for delivery, delivered, attempted, failure",
    },
    "flow.after_delivery": {"ja": "お届け後のフォロー", "en": "After delivery"},
    "flow.after_delivery.about": {
        "ja": "お届けの数日後にレビューのお願い",
        "en": "A review request days after delivery",
    },
    "flow.repurchase": {"ja": "リピート購入のお知らせ", "en": "Repurchase reminder"},
    "flow.repurchase.about": {
        "ja": "商品がなくなる頃に「もう一度購入」",
        "en": '"Buy again" when the product runs out',
    },
    "nstatus.scheduled": {"ja": "予定", "en": "Scheduled"},
    "nstatus.sent": {"ja": "送信済み", "en": "Sent"},
    "nstatus.skipped": {"ja": "見送り", "en": "Skipped"},
    "nstatus.cancelled": {"ja": "取消", "en": "Cancelled"},
    "nstatus.failed": {"ja": "失敗", "en": "Failed"},
}

# Each admin area keeps its texts in its own module.
for _area in (texts_dashboard, texts_flow_editor, texts_people):
    TEXTS.update(_area.TEXTS)


def language(locale: str | None) -> str:
    return "en" if (locale or "").lower().startswith("en") else "ja"


def translate(key: str, lang: str, **values) -> str:
    entry = TEXTS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["ja"]
    return text.format(**values) if values else text
