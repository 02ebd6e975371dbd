"""Store questions answered, not searched: ready-made keyword rules for what shoppers ask
most (shipping, returns, payment, contact and hours, points), answered from the shop's own
policies with a link to the policy page, or with the merchant's fixed text where the shop
publishes no such policy.

The rules are defaults in code; a merchant's edits (keywords, texts, off) are kept in
`shop.settings["store_questions"][topic]` and read first. The chat tries them after the
merchant's own keyword rules and before product search, so "送料" is answered with the
shipping policy, not with products whose descriptions say 送料無料.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from sqlmodel import Session, select

from ..formatting import shorten
from ..i18n import LANGUAGES, t
from ..line import messages
from ..line.texts import fill
from ..models import Shop, ShopPolicy
from .normalize import normalize
from .reply import tracked

SETTINGS_KEY = "store_questions"
EXCERPT_MAX = 300  # characters of the policy shown in the chat; the link has the rest
UTM_CAMPAIGN = "store_question"


@dataclass(frozen=True)
class Topic:
    name: str
    policy_types: tuple[str, ...]  # the first one the shop publishes answers
    keywords: tuple[str, ...]  # default keywords, Japanese and English: a shopper may type either
    # The answer is one part of a longer policy (a legal notice's payment methods): the
    # excerpt starts at the first line naming a keyword rather than at the top.
    section: bool = False


TOPICS: dict[str, Topic] = {
    topic.name: topic
    for topic in (
        Topic("shipping", ("SHIPPING_POLICY",), ("送料", "配送", "発送", "配達", "shipping", "delivery")),
        Topic(
            "returns",
            ("REFUND_POLICY",),
            ("返品", "返金", "交換", "return", "returns", "refund", "refunds", "exchange"),
        ),
        # Japanese shops list payment methods in 特定商取引法に基づく表記 (the legal notice).
        Topic(
            "payment",
            ("LEGAL_NOTICE", "TERMS_OF_SALE"),
            ("支払", "支払い方法", "決済", "代引", "後払い", "payment", "payment methods"),
            section=True,
        ),
        Topic(
            "contact",
            ("CONTACT_INFORMATION",),
            ("問い合わせ", "問合せ", "連絡先", "営業時間", "電話番号", "contact", "business hours", "opening hours"),
        ),
        Topic("points", (), ("ポイント", "point", "points")),
    )
}


@dataclass(frozen=True)
class Question:
    """A topic as this shop has it: its keywords, its fixed texts, on or off."""

    topic: Topic
    enabled: bool
    keywords: list[str]
    texts: dict[str, str]  # lang -> the merchant's fixed text ("" = the default)


def question(shop: Shop, name: str) -> Question:
    topic = TOPICS[name]
    saved = ((shop.settings or {}).get(SETTINGS_KEY) or {}).get(name) or {}
    keywords = [str(k) for k in saved.get("keywords") or [] if str(k).strip()] or list(topic.keywords)
    texts = saved.get("text") if isinstance(saved.get("text"), dict) else {}
    own = {lang: str(texts.get(lang) or "") for lang in LANGUAGES}
    return Question(topic, bool(saved.get("enabled", True)), keywords, own)


def questions(shop: Shop) -> list[Question]:
    return [question(shop, name) for name in TOPICS]


def fixed_text(shop: Shop, item: Question, lang: str) -> str:
    """The merchant's text for a shop without the policy, else the catalog's default."""
    return item.texts.get(lang) or t(f"search.questions.{item.topic.name}.fallback", lang)


def _contains(query: str, keyword: str) -> bool:
    word = normalize(keyword)
    if not word:
        return False
    if word.isascii():  # a Latin word must be a word: "point" is not in "appointment"
        return re.search(rf"(?<![0-9a-z]){re.escape(word)}(?![0-9a-z])", query) is not None
    return word in query


def matching_question(*, shop: Shop, text: str) -> tuple[Question, str] | None:
    """The first enabled topic one of whose keywords is in the text, and that keyword."""
    query = normalize(text)
    if not query:
        return None
    for item in questions(shop):
        if item.enabled:
            for keyword in item.keywords:
                if _contains(query, keyword):
                    return item, keyword
    return None


_BREAKS = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|/dt|/dd)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def plain_lines(body_html: str) -> list[str]:
    """The policy's HTML as lines of plain text (tags dropped, entities decoded)."""
    text = html.unescape(_TAGS.sub(" ", _BREAKS.sub("\n", body_html or "")))
    return [line for line in (_SPACES.sub(" ", raw).strip() for raw in text.split("\n")) if line]


def excerpt(body_html: str, keywords: list[str], *, section: bool = False, limit: int = EXCERPT_MAX) -> str:
    """The first `limit` characters of the policy; for a section, from the first line that
    names one of the keywords (the policy's top when none does)."""
    lines = plain_lines(body_html)
    if section:
        words = [normalize(k) for k in keywords if normalize(k)]
        start = next((i for i, line in enumerate(lines) if any(w in normalize(line) for w in words)), 0)
        lines = lines[start:]
    return shorten("\n".join(lines), limit)


def _policy(*, session: Session, shop: Shop, topic: Topic) -> ShopPolicy | None:
    if not topic.policy_types:
        return None
    held = {
        p.type: p
        for p in session.exec(
            select(ShopPolicy).where(ShopPolicy.shop_id == shop.id, ShopPolicy.type.in_(topic.policy_types))
        )
    }
    for kind in topic.policy_types:
        policy = held.get(kind)
        if policy is not None and plain_lines(policy.body):
            return policy
    return None


def question_reply(*, session: Session, shop: Shop, item: Question, keyword: str, lang: str) -> list[dict]:
    """The policy's opening (or its part about the keyword) with a link to its page, or
    the fixed text when the shop publishes no such policy."""
    policy = _policy(session=session, shop=shop, topic=item.topic)
    if policy is None:
        return [messages.text(fill(fixed_text(shop, item, lang), shop, {}))]
    body = excerpt(policy.body, [keyword, *item.keywords], section=item.topic.section)
    title = policy.title or t(f"search.questions.{item.topic.name}.title", lang)
    buttons = []
    if policy.url:
        link = tracked(policy.url, utm_campaign=UTM_CAMPAIGN)
        buttons.append((t("search.questions.read_more", lang), messages.uri_action(link)))
    return [messages.card(body, buttons, title=title)]
