"""Settings are read once and refuse unsafe production setups."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from app.config import Settings, SettingsError

GOOD = {
    "APP_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "SHOPIFY_API_KEY": "abc",
    "SHOPIFY_API_SECRET": "shpss_" + "x" * 32,
    "APP_URL": "https://tsunagu.example.com",
    "DATABASE_URL": "postgresql+psycopg://app@db/tsunagu",
}


def test_production_settings_load():
    s = Settings.from_env(GOOD)
    assert not s.demo_mode and s.trust_proxy and s.database_url.startswith("postgresql")


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("SECRET_KEY", "changeme", "SECRET_KEY"),
        ("ENCRYPTION_KEYS", "", "ENCRYPTION_KEYS"),
        ("ENCRYPTION_KEYS", "not-a-fernet-key", "not a Fernet key"),
        ("SHOPIFY_API_SECRET", "secret", "SHOPIFY_API_KEY and SHOPIFY_API_SECRET"),
        ("APP_URL", "http://tsunagu.example.com", "https://"),
    ],
)
def test_production_refuses_placeholder_or_missing_secrets(key, value, message):
    with pytest.raises(SettingsError, match=message) as err:
        Settings.from_env({**GOOD, key: value})
    assert GOOD["SECRET_KEY"] not in str(err.value) and GOOD["SHOPIFY_API_SECRET"] not in str(err.value)


def test_demo_cannot_trust_forwarded_headers():
    with pytest.raises(SettingsError, match="TRUST_PROXY"):
        Settings.from_env(
            {
                "TRUST_PROXY": "1",
                "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                "SECRET_KEY": "x" * 40,
                "SHOPIFY_API_SECRET": "y",
            }
        )


def test_without_shopify_credentials_it_is_the_demo():
    s = Settings.from_env(
        {"ENCRYPTION_KEYS": Fernet.generate_key().decode(), "SECRET_KEY": "x" * 40, "SHOPIFY_API_SECRET": "local"}
    )
    assert s.demo_mode and not s.trust_proxy


def test_line_rate_share_divides_the_pace_between_workers():
    base = {"ENCRYPTION_KEYS": Fernet.generate_key().decode(), "SECRET_KEY": "x" * 40, "SHOPIFY_API_SECRET": "l"}
    assert Settings.from_env({**base, "LINE_RATE_SHARE": "0.5"}).line_rate_share == 0.5
    for bad in ("0", "2", "half"):
        with pytest.raises(SettingsError, match="LINE_RATE_SHARE"):
            Settings.from_env({**base, "LINE_RATE_SHARE": bad})


def test_push_threads_must_be_a_sensible_number():
    import pytest

    from app.config import Settings, SettingsError

    assert Settings.from_env({"LINE_PUSH_THREADS": "32"}).line_push_threads == 32
    for bad in ("0", "-1", "many", "1000"):
        with pytest.raises(SettingsError, match="LINE_PUSH_THREADS"):
            Settings.from_env({"LINE_PUSH_THREADS": bad})
