"""Flows: settings, templates, preview and test sends (session token, scoped to its shop)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("flows_api", __name__, url_prefix="/api")
