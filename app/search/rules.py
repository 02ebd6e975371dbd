"""The merchant's keyword rules: they answer before search does."""

from __future__ import annotations

from sqlmodel import Session, select

from ..line import messages
from ..models import KeywordRule, Product, ProductSearch, ProductVariant, Shop
from .found import Found
from .normalize import normalize
from .reply import carousel, collection_card


def matching_rule(*, session: Session, shop: Shop, text: str) -> KeywordRule | None:
    """The first enabled rule (by position) whose keyword equals or is contained in the text."""
    query = normalize(text)
    if not query:
        return None
    rules = session.exec(
        select(KeywordRule)
        .where(KeywordRule.shop_id == shop.id, KeywordRule.enabled.is_(True))
        .order_by(KeywordRule.position, KeywordRule.id)
    ).all()
    for rule in rules:
        for keyword in rule.keywords or []:
            word = normalize(str(keyword))
            if word and (query == word if rule.match == "exact" else word in query):
                return rule
    return None


def _chosen_products(*, session: Session, shop: Shop, shopify_ids: list) -> list[Found]:
    ids = [int(i) for i in shopify_ids if str(i).isdigit()]
    if not ids:
        return []
    rows = session.exec(
        select(Product, ProductSearch.in_stock)
        .join(ProductSearch, ProductSearch.product_id == Product.id)
        .where(Product.shop_id == shop.id, Product.shopify_id.in_(ids), ProductSearch.searchable.is_(True))
    ).all()
    by_id = {product.shopify_id: (product, in_stock) for product, in_stock in rows}
    found = []
    for shopify_id in ids:  # the merchant's order
        if shopify_id in by_id:
            product, in_stock = by_id[shopify_id]
            variants = list(
                session.exec(
                    select(ProductVariant)
                    .where(ProductVariant.product_id == product.id)
                    .order_by(ProductVariant.position)
                )
            )
            found.append(Found(product, variants, in_stock))
    return found


def rule_reply(*, session: Session, shop: Shop, rule: KeywordRule, text: str, lang: str) -> tuple[list[dict], int]:
    """The rule's answer and how many products it showed."""
    if rule.answer == "products":
        found = _chosen_products(session=session, shop=shop, shopify_ids=rule.product_ids or [])
        if found:
            return [carousel(shop, normalize(text), found, more=False, lang=lang)], len(found)
    if rule.answer == "collection" and rule.collection_handle:
        title = rule.collection_title or rule.collection_handle
        return [collection_card(shop, rule.collection_handle, title, lang)], 0
    if rule.text:
        return [messages.text(rule.text)], 0
    return [], 0
