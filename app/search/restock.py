"""The carousel's "入荷したら知らせる" button on a sold-out product's bubble.

The button posts back the variant shown (the product's first sold-out variant); the chat
routes it (`line/commands.py`) to `app/flows/restock_requests.py`, which records the
request that `app/flows/back_in_stock.py` notifies when the variant is restocked.
"""

from __future__ import annotations

from ..formatting import shorten
from ..line import messages
from ..models import ProductVariant

ACTION = "restock"  # the postback's action (`action=restock&variant=<id>`)


def postback(variant: ProductVariant, label: str) -> dict:
    """The button's action: the label is also what the chat shows the shopper saying."""
    action = messages.postback_action(ACTION, label, variant=variant.shopify_id)
    return {**action, "label": shorten(label, messages.BUTTON_LABEL_MAX)}


def sold_out_variant(variants: list[ProductVariant]) -> ProductVariant | None:
    """The variant a product's button asks about: its first sold-out one."""
    return next((v for v in sorted(variants, key=lambda v: (v.position, v.id or 0)) if not v.available), None)
