"""The image of a menu as stored when it was saved (uploaded, or drawn once by the app):
the preview and publishing both ask here, so LINE gets exactly the bytes the merchant saw."""

from __future__ import annotations

from ..models import RichMenu
from .validate import image_type


def image_of(menu: RichMenu) -> tuple[bytes | None, str | None]:
    """(bytes, content type), or (None, None) when the menu has no image yet."""
    if not menu.image:
        return None, None
    return menu.image, image_type(menu.image)
