"""Images merchants upload for campaigns: checked against LINE's limits before they are kept,
and a preview made for the chat list.

LINE takes JPEG or PNG over HTTPS: the original at most 10 MB, the preview at most 1 MB. The
format is judged by the file's first bytes (magic numbers), never by its name or the type the
browser claims, and then by Pillow actually reading it, so a renamed or broken file is
refused with its reason instead of failing at LINE when the campaign is sent. The bytes
live in the database (campaign_images, shop-scoped) behind a random token: the app needs no
file storage, and shop/redact deletes them with the shop's other rows.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session, select

from ..models import CampaignImage, Shop

MAX_ORIGINAL = 10 * 1024 * 1024  # LINE: originalContentUrl
MAX_PREVIEW = 1024 * 1024  # LINE: previewImageUrl
MAX_PIXELS = 50_000_000  # a 10 MB photo is well under; a "decompression bomb" is refused
PREVIEW_SIDE = 480
# magic bytes -> (content type, extension, Pillow's format name)
FORMATS = {
    b"\xff\xd8\xff": ("image/jpeg", "jpg", "JPEG"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png", "PNG"),
}
Problem = tuple[str, dict]  # (catalog key, values)


@dataclass(frozen=True)
class Checked:
    content_type: str
    extension: str
    width: int
    height: int
    preview: bytes


def _format_of(data: bytes) -> tuple[str, str, str] | None:
    return next((found for magic, found in FORMATS.items() if data.startswith(magic)), None)


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _preview(picture: Image.Image, pillow_format: str) -> bytes:
    """A smaller copy in the original's format, halved until it is under LINE's 1 MB."""
    side = PREVIEW_SIDE
    while True:
        small = picture.copy()
        small.thumbnail((side, side))
        if pillow_format == "JPEG" and small.mode not in ("RGB", "L"):
            small = small.convert("RGB")
        out = io.BytesIO()
        small.save(out, format=pillow_format, **({"quality": 85} if pillow_format == "JPEG" else {"optimize": True}))
        if out.tell() <= MAX_PREVIEW or side <= 60:
            return out.getvalue()
        side //= 2


def check(data: bytes) -> tuple[Checked | None, Problem | None]:
    """The image's facts and its preview, or why LINE would not take it."""
    if not data:
        return None, ("campaigns.err.image_empty", {})
    found = _format_of(data)
    if found is None:
        return None, ("campaigns.err.image_format", {})
    if len(data) > MAX_ORIGINAL:
        return None, ("campaigns.err.image_too_large", {"size": megabytes(len(data)), "max": megabytes(MAX_ORIGINAL)})
    content_type, extension, pillow_format = found
    try:
        with Image.open(io.BytesIO(data), formats=[pillow_format]) as picture:
            width, height = picture.size
            if width * height > MAX_PIXELS:
                return None, ("campaigns.err.image_pixels", {"n": f"{MAX_PIXELS // 1_000_000:,}"})
            if pillow_format == "JPEG":  # decode at a reduced scale: the preview is small
                picture.draft("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))
            picture.load()  # decodes every byte: a truncated or corrupt file fails here
            preview = _preview(picture, pillow_format)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None, ("campaigns.err.image_unreadable", {})
    if len(preview) > MAX_PREVIEW:
        return None, ("campaigns.err.image_unreadable", {})
    return Checked(content_type, extension, width, height, preview), None


def store(*, session: Session, shop: Shop, data: bytes, checked: Checked) -> CampaignImage:
    image = CampaignImage(
        shop_id=shop.id,
        token=secrets.token_urlsafe(24),
        content_type=checked.content_type,
        width=checked.width,
        height=checked.height,
        data=data,
        preview=checked.preview,
    )
    session.add(image)
    session.flush()
    return image


def extension_of(image: CampaignImage) -> str:
    return "png" if image.content_type == "image/png" else "jpg"


def by_token(*, session: Session, token: str) -> CampaignImage | None:
    return session.exec(select(CampaignImage).where(CampaignImage.token == token)).first()


def shop_tokens(*, session: Session, shop: Shop, tokens: set[str]) -> dict[str, str]:
    """token -> extension for the shop's own images among `tokens` (another shop's: absent)."""
    if not tokens:
        return {}
    rows = session.exec(
        select(CampaignImage.token, CampaignImage.content_type).where(
            CampaignImage.shop_id == shop.id, CampaignImage.token.in_(sorted(tokens))
        )
    )
    return {token: ("png" if kind == "image/png" else "jpg") for token, kind in rows}
