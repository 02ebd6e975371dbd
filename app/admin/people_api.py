"""Customers and messages: the admin JSON API (session token, scoped to its shop)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("people_api", __name__, url_prefix="/api")
