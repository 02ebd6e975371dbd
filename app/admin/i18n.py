"""Admin texts in Japanese (default) and English, chosen by the shop's locale."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "app_name": {"ja": "Tsunagu", "en": "Tsunagu"},
    "nav.home": {"ja": "ホーム", "en": "Home"},
    "nav.flows": {"ja": "自動配信", "en": "Flows"},
    "nav.customers": {"ja": "顧客", "en": "Customers"},
    "nav.messages": {"ja": "配信履歴", "en": "Messages"},
    "nav.keywords": {"ja": "キーワード応答", "en": "Keyword replies"},
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
    "check.catalog.ok": {"ja": "{count} 件の商品（うち販売中 {active} 件）", "en": "{count} products ({active} active)"},
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
    "soon.keywords": {
        "ja": "トークで送られたキーワードに商品やテキストで自動応答するルールをここで設定します。",
        "en": "Set rules that answer chat keywords with products or a fixed text.",
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
    "line.login_optional": {"ja": "LINE ログイン（任意：ストアから連携ボタンを使う場合）",
                            "en": "LINE Login (optional: for the store's link button)"},
    "line.login_channel_id": {"ja": "LINE ログインのチャネル ID", "en": "LINE Login channel ID"},
    "line.login_channel_secret": {"ja": "LINE ログインのチャネルシークレット", "en": "LINE Login channel secret"},
    "line.connect": {"ja": "接続する", "en": "Connect"},
    "line.greeting_title": {"ja": "あいさつメッセージ", "en": "Greeting"},
    "line.greeting": {"ja": "友だち追加時のメッセージ", "en": "Message when someone adds you"},
    "line.welcome_back": {"ja": "ブロック解除時のメッセージ", "en": "Message when someone unblocks you"},
    "line.variables": {"ja": "使える変数：", "en": "Variables:"},
    "line.coupon": {"ja": "友だち限定クーポンコード（任意）", "en": "Friends-only coupon code (optional)"},
    "line.english": {"ja": "LINE の言語が英語の友だちには英語で返信する", "en": "Reply in English to friends whose LINE is in English"},
    "line.preview": {"ja": "プレビュー", "en": "Preview"},
    "line.store_link_title": {"ja": "ストアから LINE 連携", "en": "Link from the store"},
    "line.store_link_lead": {
        "ja": "テーマエディタで「LINEで通知を受け取る」ブロックを、商品ページやアカウントページなどテーマのセクションに追加できます。"
              "ボタンは次の URL に移動し、ログイン中のお客様の LINE を連携します（LINE ログインの設定が必要です）。"
              "サンクスページなどリンクを置ける場所なら、この URL を直接使うこともできます。",
        "en": "In the theme editor, add the \"Get updates on LINE\" block to a product page, the account page or "
              "any theme section. It opens this URL and links the logged-in customer's LINE (needs LINE Login). "
              "Anywhere you can place a link, such as the thank-you page, can use this URL directly.",
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
}


def language(locale: str | None) -> str:
    return "en" if (locale or "").lower().startswith("en") else "ja"


def translate(key: str, lang: str, **values) -> str:
    entry = TEXTS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["ja"]
    return text.format(**values) if values else text
