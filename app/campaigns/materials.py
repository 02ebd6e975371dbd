"""What a campaign's blocks point at, read from the database before compiling them
(compose.py stays pure): the shop's uploaded images and its catalog's products."""

from __future__ import annotations

from sqlmodel import Session, select

from ..ext import settings
from ..models import Product, ProductVariant, Shop
from ..search.found import Found
from . import compose, images


def products(*, session: Session, shop: Shop, ids: set[int]) -> dict[int, Found]:
    """The shop's live products among `ids` (deleted or another shop's: absent)."""
    if not ids:
        return {}
    rows = session.exec(
        select(Product).where(Product.shop_id == shop.id, Product.id.in_(sorted(ids)), Product.deleted_at.is_(None))
    ).all()
    variants: dict[int, list[ProductVariant]] = {}
    for v in session.exec(
        select(ProductVariant)
        .where(ProductVariant.product_id.in_([p.id for p in rows]))
        .order_by(ProductVariant.position)
    ):
        variants.setdefault(v.product_id, []).append(v)
    return {p.id: Found(p, variants.get(p.id, []), any(v.available for v in variants.get(p.id, []))) for p in rows}


def sources_for(*, session: Session, shop: Shop, blocks, lang: str) -> compose.Sources:
    tokens, ids = compose.wanted(blocks)
    found_images = images.shop_tokens(session=session, shop=shop, tokens=tokens)
    return compose.Sources(
        shop=shop,
        lang=lang,
        app_url=settings().app_url,
        images={token: compose.Image(token, ext) for token, ext in found_images.items()},
        products=products(session=session, shop=shop, ids=ids),
    )
