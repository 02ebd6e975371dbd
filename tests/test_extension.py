"""The theme app extension is well formed: valid schema JSON, locales for every t: key,
and the button points at the app proxy route the app serves."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

EXT = Path(__file__).resolve().parents[1] / "extensions" / "line-notify"


BLOCKS = ("line_button.liquid", "cart_reporter.liquid", "restock_button.liquid")


def _schema(block: str = "line_button.liquid") -> dict:
    liquid = (EXT / "blocks" / block).read_text()
    return json.loads(re.search(r"{% schema %}(.*){% endschema %}", liquid, re.S).group(1))


def test_extension_config_and_schema():
    config = tomllib.loads((EXT / "shopify.extension.toml").read_text())
    schema = _schema()

    assert config["type"] == "theme"
    assert schema["target"] == "section" and (EXT / "assets" / schema["stylesheet"]).exists()
    assert {s["id"] for s in schema["settings"]} == {"label", "note", "color"}


def test_every_translation_key_exists_in_both_locales():
    liquid = "".join((EXT / "blocks" / block).read_text() for block in BLOCKS)
    keys = set(re.findall(r"t:([a-z_.]+)", liquid)) | set(re.findall(r"'([a-z_.]+)' \| t", liquid))
    for locale in ("ja.json", "en.default.json"):
        table = json.loads((EXT / "locales" / locale).read_text())
        for key in keys:
            node = table
            for part in key.split("."):
                node = node[part]
            assert isinstance(node, str) and node, (locale, key)


def test_button_goes_to_the_proxy_login_route(client):
    liquid = (EXT / "blocks" / "line_button.liquid").read_text()
    assert "/apps/tsunagu/login" in liquid
    assert any(rule.rule == "/proxy/login" for rule in client.application.url_map.iter_rules())


def test_cart_reporter_is_an_app_embed_that_reports_to_the_proxy(client):
    liquid = (EXT / "blocks" / "cart_reporter.liquid").read_text()
    assert _schema("cart_reporter.liquid")["target"] == "body"
    assert "{%- if customer and cart.item_count > 0 -%}" in liquid  # guests send nothing
    assert "/apps/tsunagu/cart?token=" in liquid
    assert any(rule.rule == "/proxy/cart" for rule in client.application.url_map.iter_rules())


def test_restock_button_posts_to_the_proxy_for_logged_in_customers_only(client):
    liquid = (EXT / "blocks" / "restock_button.liquid").read_text()
    assert _schema("restock_button.liquid")["target"] == "section"
    assert "{%- if customer and product -%}" in liquid  # guests see nothing
    assert "{% if current.available %}hidden{% endif %}" in liquid  # only for a sold-out variant
    assert '"/apps/tsunagu/restock?variant="' in liquid and 'method: "POST"' in liquid
    assert any(
        rule.rule == "/proxy/restock" and "POST" in rule.methods for rule in client.application.url_map.iter_rules()
    )
