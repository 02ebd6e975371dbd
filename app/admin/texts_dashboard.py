"""Admin texts: Home / dashboard (Japanese default, English)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # Setup checklist (the store, LINE and catalog items keep their keys in i18n.py).
    "check.line.webhook_error": {
        "ja": "{name} に接続済みですが、Webhook が応答しません：{error}",
        "en": "Connected to {name}, but the webhook does not answer: {error}",
    },
    "check.line.webhook_unchecked": {
        "ja": "{name} に接続済み。設定 → LINE で Webhook をテストしてください。",
        "en": "Connected to {name}. Test the webhook in Settings → LINE.",
    },
    "check.catalog.running": {"ja": "同期中です（{count} 件取り込み済み）", "en": "Syncing ({count} products so far)"},
    "check.catalog.failed": {
        "ja": "前回の同期に失敗しました：{error}。商品検索ページから再同期できます。",
        "en": "The last sync failed: {error}. Sync again from Product search.",
    },
    "check.flows": {"ja": "自動配信", "en": "Flows"},
    "check.flows.ok": {"ja": "{count} 種類の配信がオン", "en": "{count} flows on"},
    "check.flows.todo": {
        "ja": "すべての配信がオフです。自動配信ページでオンにしてください。",
        "en": "Every flow is off. Switch one on in Flows.",
    },
    "check.link": {"ja": "ストアに LINE 連携ボタンを設置", "en": "LINE link button in the store"},
    "check.link.ok_login": {
        "ja": "ボタンから {count} 人のお客様が連携しました",
        "en": "{count} customers linked through the button",
    },
    "check.link.ok_tick": {
        "ja": "設置済み（まだボタンからの連携はありません）",
        "en": "Placed (no one has linked through it yet)",
    },
    "check.link.todo": {
        "ja": "テーマエディタで「LINEで通知を受け取る」ブロックを追加してください（設定 → LINE に手順があります）。",
        "en": 'Add the "Get updates on LINE" block in the theme editor (see Settings → LINE).',
    },
    "check.link.tick": {"ja": "ボタンを設置しました", "en": "I placed the button"},
    # Period and headline figures.
    "dash.title": {"ja": "LINE の成果", "en": "LINE results"},
    "dash.period": {"ja": "期間", "en": "Period"},
    "dash.days": {"ja": "{n}日間", "en": "{n} days"},
    "dash.range": {"ja": "{start}〜{end}（{tz}）", "en": "{start} – {end} ({tz})"},
    "dash.friends": {"ja": "LINE 友だち", "en": "LINE friends"},
    "dash.friends.sub": {
        "ja": "期間中 +{follows} 人追加・{blocks} 人ブロック",
        "en": "+{follows} added, {blocks} blocked in the period",
    },
    "dash.net": {"ja": "友だちの増減", "en": "Net change"},
    "dash.block_rate": {"ja": "ブロック率", "en": "Block rate"},
    "dash.block_rate.sub": {"ja": "ブロック {blocks} 人", "en": "{blocks} blocks"},
    "dash.linked": {"ja": "連携済み顧客", "en": "Linked customers"},
    "dash.linked.sub": {"ja": "顧客 {customers} 人の {share}", "en": "{share} of {customers} customers"},
    "dash.sent": {"ja": "送信メッセージ", "en": "Messages sent"},
    "dash.clicks": {"ja": "クリック", "en": "Clicks"},
    "dash.ctr.sub": {"ja": "クリック率 {ctr}", "en": "Click rate {ctr}"},
    "dash.orders": {"ja": "LINE 経由の注文", "en": "Orders from LINE"},
    "dash.orders.sub": {"ja": "売上 {revenue}", "en": "Revenue {revenue}"},
    "dash.recovered": {"ja": "回収したカゴ落ち", "en": "Recovered checkouts"},
    "dash.recovered.sub": {"ja": "売上 {revenue}", "en": "Revenue {revenue}"},
    "dash.none": {"ja": "—", "en": "—"},
    # By flow.
    "dash.by_flow": {"ja": "配信ごとの成果", "en": "By flow"},
    "dash.by_flow.lead": {
        "ja": "「配信後24時間のブロック」は、メッセージを受け取ってから24時間以内にブロックした人数です。多い配信は見直しを。",
        "en": '"Blocks within 24 h" counts friends who blocked you within a day of a message. Review flows where it is high.',
    },
    "dash.flow": {"ja": "配信", "en": "Flow"},
    "dash.col.sent": {"ja": "送信", "en": "Sent"},
    "dash.col.clicks": {"ja": "クリック", "en": "Clicks"},
    "dash.col.ctr": {"ja": "クリック率", "en": "Click rate"},
    "dash.col.orders": {"ja": "注文", "en": "Orders"},
    "dash.col.revenue": {"ja": "売上", "en": "Revenue"},
    "dash.col.blocks": {"ja": "配信後24時間のブロック", "en": "Blocks within 24 h"},
    "dash.col.block_rate": {"ja": "ブロック率", "en": "Block rate"},
    "dash.flow.other": {"ja": "その他", "en": "Other"},
    "dash.by_flow.none": {
        "ja": "この期間に送信したメッセージはありません。",
        "en": "No messages were sent in this period.",
    },
    # Charts.
    "dash.charts": {"ja": "推移", "en": "Trends"},
    "chart.messages": {"ja": "配信数（日別・配信ごと）", "en": "Messages per day, by flow"},
    "chart.messages.desc": {
        "ja": "{days}日間に送信したメッセージ {total} 通を、日ごと・配信ごとに積み上げた棒グラフ",
        "en": "Stacked bars of the {total} messages sent over {days} days, by day and flow",
    },
    "chart.revenue": {"ja": "LINE 経由の売上（日別）", "en": "Revenue from LINE per day"},
    "chart.revenue.desc": {
        "ja": "{days}日間の LINE 経由の売上 合計 {total} の日別の棒グラフ",
        "en": "Bars of the {total} revenue from LINE over {days} days, by day",
    },
    "chart.friends": {"ja": "友だち追加とブロック（日別）", "en": "Friends added and blocks per day"},
    "chart.friends.desc": {
        "ja": "{days}日間の友だち追加 {follows} 人とブロック {blocks} 人の日別の折れ線グラフ",
        "en": "Lines of {follows} friends added and {blocks} blocks over {days} days, by day",
    },
    "chart.x": {"ja": "日付", "en": "Date"},
    "chart.y.messages": {"ja": "通数", "en": "Messages"},
    "chart.y.revenue": {"ja": "売上（円）", "en": "Revenue (¥)"},
    "chart.y.people": {"ja": "人数", "en": "People"},
    "chart.follows": {"ja": "友だち追加", "en": "Added"},
    "chart.blocks": {"ja": "ブロック", "en": "Blocked"},
    "chart.revenue.series": {"ja": "売上", "en": "Revenue"},
    "chart.empty": {"ja": "この期間のデータはまだありません。", "en": "No data for this period yet."},
    "chart.table": {"ja": "数値を表で見る", "en": "Show the numbers"},
    # Messages used and what they cost.
    "quota.title": {"ja": "今月のメッセージ通数と費用", "en": "Messages this month and their cost"},
    "quota.used": {"ja": "{used} 通 / {limit} 通", "en": "{used} / {limit} messages"},
    "quota.unlimited": {"ja": "{used} 通（上限なし）", "en": "{used} messages (no limit)"},
    "quota.dry_run": {
        "ja": "ドライラン：LINE には送信していないため、今月送信したメッセージ数を表示しています。",
        "en": "Dry run: nothing reaches LINE, so this counts the messages sent this month.",
    },
    "quota.counted": {
        "ja": "LINE から通数を取得できなかったため、このアプリが送信した数を表示しています。",
        "en": "LINE's count could not be read; this is what the app sent.",
    },
    "quota.line": {"ja": "LINE 公式アカウントの通数（LINE から取得）", "en": "Counted by LINE"},
    "quota.cost": {"ja": "今月の費用（目安）", "en": "This month's cost (estimate)"},
    "quota.cost_detail": {"ja": "月額 {fee} ＋ 追加 {extra} 通 × {per}", "en": "{fee} a month + {extra} extra × {per}"},
    "quota.cost_fixed": {
        "ja": "月額 {fee}（{included} 通まで。追加メッセージは送れないプランです）",
        "en": "{fee} a month ({included} messages; this plan cannot send more)",
    },
    "quota.over": {"ja": "プランの無料メッセージ通数を超えています。", "en": "More than the plan includes."},
    "quota.plan": {"ja": "ご利用中の LINE 公式アカウントのプラン", "en": "Your LINE Official Account plan"},
    "plan.communication": {"ja": "コミュニケーションプラン（0円・200通）", "en": "Communication (¥0, 200 messages)"},
    "plan.light": {"ja": "ライトプラン（5,000円・5,000通）", "en": "Light (¥5,000, 5,000 messages)"},
    "plan.standard": {
        "ja": "スタンダードプラン（15,000円・30,000通・追加 約3円/通）",
        "en": "Standard (¥15,000, 30,000 messages, about ¥3 each extra)",
    },
}
