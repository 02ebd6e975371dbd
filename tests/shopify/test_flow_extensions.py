"""The Shopify Flow extensions match the app: the action's URLs are routes the app serves,
every trigger the app fires has an extension declaring the customer reference and exactly
the payload fields the app sends, and the lifecycle callback goes to its route."""

from __future__ import annotations

import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.shopify_flow import triggers

EXTENSIONS = Path(__file__).resolve().parents[2] / "extensions"


def _extension(folder: str) -> tuple[dict, dict]:
    config = tomllib.loads((EXTENSIONS / folder / "shopify.extension.toml").read_text())
    (extension,) = config["extensions"]
    return extension, config


def _routes(client) -> set[str]:
    return {rule.rule for rule in client.application.url_map.iter_rules() if "POST" in rule.methods}


def test_action_fields_and_urls(client):
    action, config = _extension("shopify-flow-send-line-message")
    assert action["type"] == "flow_action" and action["handle"] == "send-line-message"
    assert len(action["handle"]) <= 30
    assert {urlsplit(action["runtime_url"]).path, urlsplit(action["validation_url"]).path} <= _routes(client)
    fields = config["settings"]["fields"]
    assert fields[0] == {"type": "customer_reference", "required": True}
    assert {f.get("key") for f in fields[1:]} == {"message", "template", "transactional"}


def test_lifecycle_callback_goes_to_its_route(client):
    callback, _config = _extension("shopify-flow-trigger-lifecycle")
    assert callback["type"] == "flow_trigger_lifecycle_callback"
    assert urlsplit(callback["url"]).path in _routes(client)


@pytest.mark.parametrize("handle", triggers.HANDLES)
def test_every_trigger_has_its_extension_with_the_fields_the_app_sends(handle):
    trigger, config = _extension("shopify-flow-" + handle.removeprefix("line-"))
    assert trigger["type"] == "flow_trigger" and trigger["handle"] == handle and len(handle) <= 30
    assert triggers.TITLES[trigger["name"]] == handle  # a lifecycle callback may name it by title
    fields = config["settings"]["fields"]
    assert fields[0]["type"] == "customer_reference"
    assert tuple(f["key"] for f in fields[1:]) == triggers.FIELDS[handle]
