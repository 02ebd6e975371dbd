"""Dashboard figures as JSON (session token, scoped to its shop)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard_api", __name__, url_prefix="/api")
