"""The public address LINE fetches a campaign's images from: `{APP_URL}/media/<token>.jpg|png`
(and `<token>-preview.jpg|png`). LINE's servers carry no session, so the random token is the
only key; an image's bytes never change, so it may be cached for a year."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from .. import db
from . import images

bp = Blueprint("media", __name__)
YEAR = 365 * 24 * 3600


@bp.get("/media/<string:name>.<string:extension>")
def campaign_image(name: str, extension: str):
    token, preview = (name[: -len("-preview")], True) if name.endswith("-preview") else (name, False)
    if not token or len(token) > 64:
        abort(404)
    image = images.by_token(session=db.session(), token=token)
    if image is None or images.extension_of(image) != extension:
        abort(404)
    response = Response(image.preview if preview else image.data, mimetype=image.content_type)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response
