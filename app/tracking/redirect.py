"""GET /r/<token>: record the click, then 302 to the link's recorded target (never elsewhere)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tracking", __name__)
