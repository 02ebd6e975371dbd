"""Store questions in the admin: the five ready-made rules as this shop has them (with the
policy that answers each), and the merchant's edits checked whole before anything is saved.

One form edits all five; its fields are flat (`shipping_keywords`, `shipping_text_ja`,
`shipping_text_en`, `shipping_enabled`, …) so each error lands beside its field. A topic
whose fields are all absent from the body is left as it is. An empty text means the
default text; keywords may not be emptied (switch the rule off instead)."""

from __future__ import annotations

import string

from sqlmodel import Session, select

from ...i18n import LANGUAGES, language, t
from ...models import Shop, ShopPolicy
from ...search import questions as store_questions
from ...search.normalize import normalize, words_of
from .rules import words

FIELDS = ("keywords", "text_ja", "text_en", "enabled")
MAX_KEYWORDS, MAX_KEYWORD, MAX_TEXT = 20, 50, 1000
VARIABLES = {"shop_name"}


def _error(key: str, shop: Shop) -> str:
    return t(f"admin.search.questions.err.{key}", language(shop=shop))


def _bad_template(value: str) -> bool:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError:
        return True
    return not names <= VARIABLES


def validate_questions(*, body: dict, shop: Shop) -> tuple[dict, dict[str, str]]:
    """The shop's store-question settings after these edits, or the errors per field."""
    saved = dict((shop.settings or {}).get(store_questions.SETTINGS_KEY) or {})
    errors: dict[str, str] = {}
    for name in store_questions.TOPICS:
        given = {f: body[f"{name}_{f}"] for f in FIELDS if f"{name}_{f}" in body}
        if not given:
            continue
        current = store_questions.question(shop, name)
        keywords = words(given["keywords"]) if "keywords" in given else current.keywords
        if (
            not 1 <= len(keywords) <= MAX_KEYWORDS
            or any(len(k) > MAX_KEYWORD for k in keywords)
            or not all(words_of(normalize(k)) for k in keywords)  # a keyword of punctuation alone
        ):
            errors[f"{name}_keywords"] = _error("keywords", shop)
        texts = dict(current.texts)
        for lang in LANGUAGES:
            if f"text_{lang}" in given:
                value = given[f"text_{lang}"]
                text = value.strip() if isinstance(value, str) else None
                if text is None or len(text) > MAX_TEXT or _bad_template(text):
                    errors[f"{name}_text_{lang}"] = _error("text", shop)
                else:
                    texts[lang] = text
        enabled = given.get("enabled", current.enabled)
        if not isinstance(enabled, bool):
            errors[f"{name}_enabled"] = _error("enabled", shop)
        saved[name] = {"enabled": enabled is not False, "keywords": keywords[:MAX_KEYWORDS], "text": texts}
    return saved, errors


def save_questions(*, shop: Shop, saved: dict) -> None:
    shop.settings = {**(shop.settings or {}), store_questions.SETTINGS_KEY: saved}


def questions_json(*, session: Session, shop: Shop) -> list[dict]:
    """Each topic as the shop has it, its defaults, and the policy that answers it (if any)."""
    held = {p.type: p for p in session.exec(select(ShopPolicy).where(ShopPolicy.shop_id == shop.id))}
    rows = []
    for item in store_questions.questions(shop):
        policy = next((held[k] for k in item.topic.policy_types if k in held), None)
        rows.append(
            {
                "topic": item.topic.name,
                "enabled": item.enabled,
                "keywords": item.keywords,
                "text": item.texts,
                "default_keywords": list(item.topic.keywords),
                "default_text": {lang: t(f"search.questions.{item.topic.name}.fallback", lang) for lang in LANGUAGES},
                "policy": None
                if policy is None
                else {"type": policy.type, "title": policy.title, "url": policy.url or None},
            }
        )
    return rows
