"""Tsunagu: connects a Shopify store to its LINE Official Account."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import db, ext, web
from .config import ROOT, Settings
from .crypto import Vault


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web app. No work happens at import time; the scheduler never starts here."""
    settings = settings or Settings.from_env()
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder="templates",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.webhook_max_bytes,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    engine = db.make_engine(settings.database_url, strict=settings.env != "production")
    ext.bind(app, settings=settings, vault=Vault(settings.encryption_keys), engine=engine)
    if settings.demo_mode:  # the demo store's Shopify is a fake at the HTTP boundary
        from .demo.shopify_fake import serve_demo_shopify

        serve_demo_shopify(app)
    app.teardown_appcontext(db.close_session)
    web.install(app)  # bodies over the limit → 413, chunked or not; frame-ancestors 'self'
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    _configure_logging(settings)

    # <int:…> in any route matches only ids a database column can hold: a larger number
    # is "not found", never a database error.
    app.url_map.converters["int"] = RowId
    from .admin.blueprints import admin as admin_bp
    from .campaigns.media import bp as media_bp
    from .cli import register_cli
    from .line.login import bp as line_login_bp
    from .line.webhooks import bp as line_webhooks_bp
    from .shopify.auth import bp as auth_bp
    from .shopify.flow_action import bp as shopify_flow_bp
    from .shopify.pixel import bp as pixel_bp
    from .shopify.proxy import bp as proxy_bp
    from .shopify.webhooks import bp as webhooks_bp
    from .sources.public import bp as sources_bp
    from .tracking.redirect import bp as tracking_bp

    for blueprint in (
        webhooks_bp,
        shopify_flow_bp,
        auth_bp,
        admin_bp,
        proxy_bp,
        pixel_bp,
        line_webhooks_bp,
        line_login_bp,
        tracking_bp,
        media_bp,
        sources_bp,
    ):
        app.register_blueprint(blueprint)
    register_cli(app)
    return app


def _configure_logging(settings: Settings) -> None:
    level = getattr(logging, settings.log_level.upper(), logging.INFO)
    root = logging.getLogger("tsunagu")
    root.setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
        root.propagate = False


class RowId(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)
