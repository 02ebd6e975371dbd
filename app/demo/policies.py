"""The demo store's policies, as Shopify's `shop.shopPolicies` returns them: the chat's store
questions (送料, 返品, 支払い方法, 問い合わせ) are answered from them. The demo has no points
policy (Shopify has no such type), so ポイント gets the merchant's fixed text."""

from __future__ import annotations

from .catalog import DEMO_SHOP_DOMAIN

UPDATED_AT = "2026-11-01T09:00:00Z"


def _policy(kind: str, handle: str, title: str, body: str) -> dict:
    url = f"https://{DEMO_SHOP_DOMAIN}/policies/{handle}"
    return {"type": kind, "title": title, "body": body, "url": url, "updatedAt": UPDATED_AT}


def demo_policies() -> list[dict]:
    return [
        _policy(
            "SHIPPING_POLICY",
            "shipping-policy",
            "配送ポリシー",
            "<h2>送料</h2><p>全国一律660円（税込）。5,500円（税込）以上のご注文で送料無料です。"
            "沖縄・離島は別途1,100円を頂戴します。</p>"
            "<h2>お届け日数</h2><p>ご注文から2〜4営業日で発送します。日時指定は午前中・14〜16時・16〜18時・"
            "18〜20時・19〜21時からお選びいただけます。</p>",
        ),
        _policy(
            "REFUND_POLICY",
            "refund-policy",
            "返品・返金ポリシー",
            "<p>商品到着後8日以内にご連絡いただければ、未開封・未使用の商品に限り返品・交換を承ります。</p>"
            "<p>不良品・誤配送の場合の送料は当店が負担します。お客様のご都合による返品の送料はお客様のご負担です。"
            "返金はご返送品の到着確認後、5営業日以内にお支払い方法に応じて行います。</p>",
        ),
        _policy(
            "CONTACT_INFORMATION",
            "contact-information",
            "お問い合わせ",
            "<p>つなぐ デモストア（株式会社つなぐ商店）</p><p>営業時間：平日 10:00〜17:00（土日祝休み）</p>"
            "<p>電話：03-0000-0000　メール：support@tsunagu-demo.example</p>",
        ),
        _policy(
            "LEGAL_NOTICE",
            "legal-notice",
            "特定商取引法に基づく表記",
            "<p>販売業者：株式会社つなぐ商店</p><p>運営責任者：山田 太郎</p>"
            "<p>所在地：東京都千代田区丸の内0-0-0</p><p>電話番号：03-0000-0000</p>"
            "<p>商品代金以外の必要料金：送料（配送ポリシーをご覧ください）、代金引換手数料330円</p>"
            "<p>お支払い方法：クレジットカード（Visa・Mastercard・JCB・AMEX）、PayPay、コンビニ後払い、"
            "代金引換</p><p>お支払い時期：クレジットカードはご注文時、コンビニ後払いは請求書発行から14日以内</p>"
            "<p>引渡し時期：ご注文から2〜4営業日で発送</p>",
        ),
        _policy(
            "PRIVACY_POLICY",
            "privacy-policy",
            "プライバシーポリシー",
            "<p>当店は、お客様の個人情報を商品のお届けとご連絡のためにのみ利用します。</p>",
        ),
    ]
