"""Campaign images: judged by their bytes (not their name), within LINE's limits, with a
preview under 1 MB; served from the public /media/ route with the right type and caching,
never another token's bytes, and gone with the shop."""

from __future__ import annotations

import io
import os

from PIL import Image

from app.campaigns import images
from app.models import CampaignImage
from app.privacy.shop_erasure import erase_shop
from tests.helpers import count


def picture(fmt: str = "PNG", size: tuple[int, int] = (800, 600), noise: bool = False) -> bytes:
    if noise:
        made = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        made = Image.new("RGB", size, (6, 199, 85))
    out = io.BytesIO()
    made.save(out, format=fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    return out.getvalue()


def test_jpeg_and_png_are_taken_with_a_small_preview():
    for fmt, kind in (("JPEG", "image/jpeg"), ("PNG", "image/png")):
        checked, problem = images.check(picture(fmt, (2000, 1500)))
        assert problem is None
        assert (checked.content_type, checked.width, checked.height) == (kind, 2000, 1500)
        with Image.open(io.BytesIO(checked.preview)) as small:
            assert small.format == fmt and max(small.size) == images.PREVIEW_SIDE


def test_a_noisy_png_still_gets_a_preview_under_one_megabyte():
    data = picture("PNG", (1800, 1800), noise=True)  # ~9.7 MB: incompressible
    assert len(data) <= images.MAX_ORIGINAL
    checked, problem = images.check(data)
    assert problem is None and len(checked.preview) <= images.MAX_PREVIEW


def test_bad_files_are_refused_with_the_reason():
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    assert images.check(gif.getvalue()) == (None, ("campaigns.err.image_format", {}))
    assert images.check(b"%PDF-1.7 pretending.png") == (None, ("campaigns.err.image_format", {}))
    assert images.check(b"") == (None, ("campaigns.err.image_empty", {}))
    truncated = picture("JPEG", (400, 300), noise=True)[:5000]
    assert images.check(truncated) == (None, ("campaigns.err.image_unreadable", {}))
    png_header_then_junk = b"\x89PNG\r\n\x1a\n" + b"junk" * 100
    assert images.check(png_header_then_junk) == (None, ("campaigns.err.image_unreadable", {}))
    too_big = b"\xff\xd8\xff" + b"\0" * images.MAX_ORIGINAL
    assert images.check(too_big) == (None, ("campaigns.err.image_too_large", {"size": "10.0 MB", "max": "10.0 MB"}))


def _stored(db, shop, fmt="PNG") -> CampaignImage:
    data = picture(fmt)
    checked, _ = images.check(data)
    image = images.store(session=db, shop=shop, data=data, checked=checked)
    db.commit()
    return image


def test_the_media_route_serves_the_original_and_preview(client, db, shop):
    image = _stored(db, shop)
    original = client.get(f"/media/{image.token}.png")
    assert original.status_code == 200
    assert original.data == image.data and original.mimetype == "image/png"
    assert original.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert original.headers["X-Content-Type-Options"] == "nosniff"
    preview = client.get(f"/media/{image.token}-preview.png")
    assert preview.status_code == 200 and preview.data == image.preview
    assert client.get(f"/media/{image.token}.jpg").status_code == 404  # the wrong extension
    assert client.get("/media/no-such-token.png").status_code == 404
    assert client.get(f"/media/{image.token[:-1]}.png").status_code == 404


def test_shop_redact_deletes_the_images(client, db, shop):
    image = _stored(db, shop, "JPEG")
    assert client.get(f"/media/{image.token}.jpg").status_code == 200
    erase_shop(session=db, shop_id=shop.id)
    db.commit()
    assert count(db, CampaignImage) == 0
    assert client.get(f"/media/{image.token}.jpg").status_code == 404
