"""Settings read once from the environment.

Everything configurable lives here so the rest of the app never reads ``os.environ``.
Production refuses to start with missing or placeholder secrets; development and the
demo generate a local key under ``instance/`` so a newcomer needs no setup.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

# Pinned Admin API / webhook version; shopify.app.toml pins the same one.
SHOPIFY_API_VERSION = "2026-10"

PLACEHOLDERS = {"", "changeme", "change-me", "secret", "dev", "test", "xxx", "todo"}

# The demo has no Shopify app, but `shopifyapp` wants a client id (demo webhooks are signed
# with the local secret).
DEMO_CLIENT_ID = "tsunagu-demo"


class SettingsError(RuntimeError):
    """Raised at start-up when the environment cannot make a safe app."""


@dataclasses.dataclass(frozen=True)
class Settings:
    env: str = "development"  # development | test | production
    database_url: str = f"sqlite:///{INSTANCE / 'tsunagu.db'}"
    secret_key: str = ""
    # Comma-separated Fernet keys; the first encrypts, all decrypt (key rotation).
    encryption_keys: tuple[str, ...] = ()
    app_url: str = "http://127.0.0.1:8000"
    shopify_api_key: str = ""
    shopify_api_secret: str = ""
    shopify_api_secret_old: str = ""
    shopify_api_version: str = SHOPIFY_API_VERSION
    # Where Admin API and token requests go; "{shop}" is the shop's subdomain.
    shopify_api_base: str = "https://{shop}.myshopify.com"
    shopify_scopes: str = (
        "read_products,read_inventory,read_customers,write_customers,read_orders,"
        "read_fulfillments,write_discounts,read_discounts,write_app_proxy,write_marketing_events,"
        "write_pixels,read_customer_events"
    )
    # LINE: Messaging API, its data API (content), and the browser-facing dialogs/Login.
    line_api_base: str = "https://api.line.me"
    line_data_api_base: str = "https://api-data.line.me"
    line_access_base: str = "https://access.line.me"
    # live | dry_run: dry_run records the exact request instead of sending (always in the demo)
    delivery_mode: str = "live"
    # Each process paces a channel at this share of LINE's rate (1/N with N sending workers).
    line_rate_share: float = 1.0
    # Pushes in flight at once per worker process (LINE answers in tens of ms: threads wait).
    line_push_threads: int = 16
    webhook_max_bytes: int = 5 * 1024 * 1024
    # Refresh an expiring offline token this long before it runs out.
    token_refresh_margin_s: int = 15 * 60
    # How long personal data is kept (days), see app/privacy/retention.py: raw webhook
    # bodies once handled, bodies whose handler failed, what shoppers wrote in the chat.
    retention_webhook_days: int = 7
    retention_failed_webhook_days: int = 30
    retention_chat_days: int = 90
    log_level: str = "INFO"
    # Behind Shopify CLI's tunnel or a load balancer, trust X-Forwarded-* for one hop.
    trust_proxy: bool = False

    @property
    def demo_mode(self) -> bool:
        """Demo when no Shopify credentials are configured (never in production)."""
        return not self.shopify_api_key and self.env != "production"

    @property
    def dry_run(self) -> bool:
        """LINE requests are recorded, not sent: by choice, and always in the demo."""
        return self.delivery_mode == "dry_run" or self.demo_mode

    @property
    def shopify_client_id(self) -> str:
        return self.shopify_api_key or (DEMO_CLIENT_ID if self.demo_mode else "")

    @property
    def creates_discounts(self) -> bool:
        """Reminder discount codes are created in Shopify, except in a dry run of a real store
        (nobody receives the message). The demo's Shopify is a fake, so the demo creates them."""
        return not self.dry_run or self.demo_mode

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        app_env = env.get("APP_ENV", "development")
        keys = tuple(k.strip() for k in env.get("ENCRYPTION_KEYS", "").split(",") if k.strip())
        settings = cls(
            env=app_env,
            database_url=env.get("DATABASE_URL") or cls.database_url,
            secret_key=env.get("SECRET_KEY", ""),
            encryption_keys=keys,
            app_url=env.get("APP_URL", cls.app_url).rstrip("/"),
            shopify_api_key=env.get("SHOPIFY_API_KEY", ""),
            shopify_api_secret=env.get("SHOPIFY_API_SECRET", ""),
            shopify_api_secret_old=env.get("SHOPIFY_API_SECRET_OLD", ""),
            shopify_api_version=env.get("SHOPIFY_API_VERSION", SHOPIFY_API_VERSION),
            shopify_api_base=env.get("SHOPIFY_API_BASE", cls.shopify_api_base).rstrip("/"),
            shopify_scopes=env.get("SCOPES", cls.shopify_scopes),
            line_api_base=env.get("LINE_API_BASE", cls.line_api_base).rstrip("/"),
            line_data_api_base=env.get("LINE_DATA_API_BASE", cls.line_data_api_base).rstrip("/"),
            line_access_base=env.get("LINE_ACCESS_BASE", cls.line_access_base).rstrip("/"),
            delivery_mode=env.get("DELIVERY_MODE", "live"),
            line_rate_share=_share(env.get("LINE_RATE_SHARE", "1")),
            line_push_threads=_threads(env.get("LINE_PUSH_THREADS", "16")),
            retention_webhook_days=_days(env, "RETENTION_WEBHOOK_DAYS", cls.retention_webhook_days),
            retention_failed_webhook_days=_days(
                env, "RETENTION_FAILED_WEBHOOK_DAYS", cls.retention_failed_webhook_days
            ),
            retention_chat_days=_days(env, "RETENTION_CHAT_DAYS", cls.retention_chat_days),
            log_level=env.get("LOG_LEVEL", "INFO"),
            trust_proxy=env.get("TRUST_PROXY", "1" if env.get("SHOPIFY_API_KEY") else "0") == "1",
        )
        return settings.completed()

    def completed(self) -> Settings:
        """Fill development defaults and refuse unsafe production settings."""
        if self.env == "production":
            self._check_production()
            return self
        if self.demo_mode and self.trust_proxy:
            # The demo admin opens to loopback clients only; a forwarded address must not pass.
            raise SettingsError("TRUST_PROXY cannot be used without Shopify credentials (demo mode)")
        changes = {}
        if not self.secret_key:
            changes["secret_key"] = _local_secret("secret_key", lambda: os.urandom(32).hex())
        if not self.shopify_api_secret:
            # Demo and development sign their own sample webhooks with a local secret.
            changes["shopify_api_secret"] = _local_secret("demo_api_secret", lambda: os.urandom(24).hex())
        if not self.encryption_keys:
            changes["encryption_keys"] = (_local_secret("encryption_key", lambda: Fernet.generate_key().decode()),)
        return self.with_(**changes) if changes else self

    def _check_production(self) -> None:
        problems = []
        if self.secret_key.lower() in PLACEHOLDERS or len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be a random string of at least 32 characters")
        if not self.encryption_keys:
            problems.append("ENCRYPTION_KEYS must hold at least one Fernet key")
        for key in self.encryption_keys:
            try:
                Fernet(key.encode())
            except (ValueError, TypeError):
                problems.append("ENCRYPTION_KEYS holds a value that is not a Fernet key")
        if not self.shopify_api_key or self.shopify_api_secret.lower() in PLACEHOLDERS:
            problems.append("SHOPIFY_API_KEY and SHOPIFY_API_SECRET are required")
        if self.delivery_mode not in ("live", "dry_run"):
            problems.append("DELIVERY_MODE must be live or dry_run")
        if not self.app_url.startswith("https://"):
            problems.append("APP_URL must be an https:// URL")
        if problems:
            raise SettingsError("refusing to start: " + "; ".join(problems))


def _share(value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        raise SettingsError("LINE_RATE_SHARE must be a number between 0 and 1") from None
    if not 0 < share <= 1:
        raise SettingsError("LINE_RATE_SHARE must be a number between 0 and 1")
    return share


def _threads(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 256:
        raise SettingsError("LINE_PUSH_THREADS must be a whole number from 1 to 256")
    return int(value)


def _days(env: dict[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip() or str(default)
    if not value.isdigit() or not 1 <= int(value) <= 3650:
        raise SettingsError(f"{name} must be a whole number of days from 1 to 3650")
    return int(value)


def _local_secret(name: str, make) -> str:
    """A per-checkout secret kept in instance/ (git-ignored) for development only.

    Written to a temporary file and hard-linked into place so that two processes
    starting at once agree on one value.
    """
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / name
    if not path.exists():
        tmp = INSTANCE / f".{name}.{os.getpid()}"
        tmp.write_text(make())
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
