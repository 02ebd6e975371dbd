"""Accessors for what create_app() binds to the app (settings, vault, HTTP clients)."""

from __future__ import annotations

from flask import current_app

from .config import Settings
from .crypto import Vault


def settings() -> Settings:
    return current_app.extensions["tsunagu.settings"]


def vault() -> Vault:
    return current_app.extensions["tsunagu.vault"]
