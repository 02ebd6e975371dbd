"""What the shared message-block editor (static/blocks.js) needs from the page it is on: the
composer's limits, the titles of the products the blocks already name (so a reopened draft
or sequence step shows names, not ids), and the app's URL (the preview's /media/ images are
read from the page's own origin). The campaign composer and the sequence editor both use it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from ..campaigns import compose, images, materials
from ..ext import settings
from ..line.messages import BUTTON_LABEL_MAX
from ..models import Shop


def limits() -> dict[str, int]:
    return {
        "blocks": compose.MAX_BLOCKS,
        "products": compose.MAX_PRODUCTS,
        "label": BUTTON_LABEL_MAX,
        "image_bytes": images.MAX_ORIGINAL,
    }


def product_titles(*, session: Session, shop: Shop, block_lists: Iterable[list]) -> dict[int, str]:
    """The shop's live products named by any of the block lists, by id."""
    ids: set[int] = set()
    for blocks in block_lists:
        ids |= compose.wanted(blocks)[1]
    return {i: found.product.title for i, found in materials.products(session=session, shop=shop, ids=ids).items()}


def editor_data(*, session: Session, shop: Shop, block_lists: Iterable[list]) -> dict:
    return {
        "limits": limits(),
        "product_titles": product_titles(session=session, shop=shop, block_lists=block_lists),
        "app_url": settings().app_url,
    }
