"""A keyword rule from the admin's form: keywords, how they match and what the bot answers
(a text, chosen products or a collection), checked whole; errors per field in the
merchant's language (admin.search.err.*). Nothing half-saves."""

from __future__ import annotations

from sqlmodel import select

from ...i18n import language, t
from ...models import Product, Shop
from ...search.normalize import normalize

ANSWERS = ("products", "collection", "text")


def message(key: str, shop: Shop) -> str:
    return t(f"admin.search.err.{key}", language(shop=shop))


def words(value) -> list[str]:
    """Words from a list, or from text separated by commas (Japanese 、 too)."""
    items = value if isinstance(value, list) else str(value or "").replace("、", ",").split(",")
    return [str(w).strip() for w in items if str(w).strip()]


def _product_ids(*, session, shop: Shop, typed: list[str]) -> list[int] | None:
    """Shopify product ids from ids or handles the merchant typed; None if any is unknown."""
    ids = []
    for word in typed:
        numeric = word.isascii() and word.isdigit() and len(word) < 19  # "²" is a digit, not a number
        column = Product.shopify_id if numeric else Product.handle
        value = int(word) if numeric else word
        found = session.exec(
            select(Product.shopify_id).where(Product.shop_id == shop.id, column == value, Product.deleted_at.is_(None))
        ).first()
        if found is None:
            return None
        ids.append(found)
    return ids


def validate_rule(*, session, body: dict, shop: Shop) -> tuple[dict, dict[str, str]]:
    """A rule from the form, or the reasons it cannot be saved (nothing half-saves)."""
    errors, answer = {}, body.get("answer") if body.get("answer") in ANSWERS else "text"
    keywords = words(body.get("keywords"))
    if not keywords or any(len(k) > 100 for k in keywords) or not all(normalize(k) for k in keywords):
        errors["keywords"] = message("keywords", shop)
    ids = _product_ids(session=session, shop=shop, typed=words(body.get("product_ids"))) if answer == "products" else []
    if answer == "products" and (ids is None or not 1 <= len(ids) <= 10):
        errors["product_ids"] = message("products", shop)
    handle = str(body.get("collection_handle") or "").strip().strip("/").split("/")[-1][:255]
    if answer == "collection" and not handle:
        errors["collection_handle"] = message("collection", shop)
    text = str(body.get("text") or "").strip()
    if answer == "text" and not 1 <= len(text) <= 5000:
        errors["text"] = message("text", shop)
    rule = {
        "keywords": keywords[:20],
        "match": "exact" if body.get("match") == "exact" else "contains",
        "answer": answer,
        "product_ids": (ids or [])[:10],
        "collection_handle": handle or None,
        "collection_title": str(body.get("collection_title") or "").strip()[:255] or None,
        "text": text or None,
        "enabled": bool(body.get("enabled", True)),
    }
    return rule, errors
