"""What create_app() binds to the app, and one accessor for each: settings, vault, engine,
and the per-process caches.

The extension keys are spelled here only: create_app() calls bind(), everything else reads
through these functions. Each accessor takes the app explicitly where there is no app
context (the worker's jobs before they enter one, tests, benchmarks), else the current app.

The caches (`cache(kind)`) are what a process remembers between requests and jobs: the
webhook intake's shop ids, Shopify's throttle buckets, LINE quota readings, the push thread
pools, the pooled LINE API clients. Each kind is a small class next to the code that uses
it; the app holds one instance of each, made on first use. They live on the app, not in
module globals, so every app (every test) starts empty and nothing is reset by hand.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from .config import Settings
from .crypto import Vault

_SETTINGS = "tsunagu.settings"
_VAULT = "tsunagu.vault"
_ENGINE = "tsunagu.engine"
_CACHES = "tsunagu.caches"

T = TypeVar("T")


def bind(app: Flask, *, settings: Settings, vault: Vault, engine: Engine) -> None:
    """Attach the app's extensions (create_app, once per app)."""
    app.extensions[_SETTINGS] = settings
    app.extensions[_VAULT] = vault
    app.extensions[_ENGINE] = engine
    app.extensions[_CACHES] = {}


def use_settings(app: Flask, settings: Settings) -> None:
    """Swap the settings of a running app (tests that change one value mid-test)."""
    app.extensions[_SETTINGS] = settings


def settings(app: Flask | None = None) -> Settings:
    return _extensions(app)[_SETTINGS]


def vault(app: Flask | None = None) -> Vault:
    return _extensions(app)[_VAULT]


def engine(app: Flask | None = None) -> Engine:
    return _extensions(app)[_ENGINE]


def cache(kind: type[T], app: Flask | None = None) -> T:
    """The app's one `kind()`, made on first use and kept for the app's life."""
    caches = _extensions(app)[_CACHES]
    found = caches.get(kind)
    if found is None:
        # setdefault is atomic: two threads racing here keep the same instance.
        found = caches.setdefault(kind, kind())
    return found


def _extensions(app: Flask | None) -> dict:
    return (app if app is not None else current_app).extensions
