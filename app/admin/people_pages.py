"""Customers and Messages pages."""

from __future__ import annotations

from .views import bp, coming_soon

bp.add_url_rule("/customers", view_func=coming_soon("customers", "customers"))
bp.add_url_rule("/messages", view_func=coming_soon("messages", "messages"))
