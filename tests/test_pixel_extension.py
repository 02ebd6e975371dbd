"""The web pixel extension (extensions/browse-pixel) is well formed, asks for the scopes it
needs, and its code, run in Node with Shopify's `register` stood in for, reports a logged-in
customer's product_viewed in the shape the app's endpoint takes, and nothing for a guest."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

from app.config import Settings
from app.models import ProductView
from tests.conftest import SHOP_DOMAIN
from tests.helpers import rows
from tests.plugins.flows import CUSTOMER_ID
from tests.plugins.search import product

ROOT = Path(__file__).resolve().parents[1]
EXT = ROOT / "extensions" / "browse-pixel"

RUN = """
import {registered} from "@shopify/web-pixels-extension";
const posted = [];
globalThis.fetch = (url, options) => { posted.push({url, ...options}); return Promise.resolve({ok: true}); };
const subscribed = {};
const init = JSON.parse(process.argv[2]);
registered({
  analytics: {subscribe: (name, handler) => { subscribed[name] = handler; }},
  browser: {}, init, settings: {endpoint: "https://tsunagu.test/pixel/product-viewed"},
});
subscribed.product_viewed({
  name: "product_viewed", timestamp: "2026-12-02T10:00:00.000Z",
  data: {productVariant: {id: "gid://shopify/ProductVariant/71", product: {id: "gid://shopify/Product/70"}}},
});
console.log(JSON.stringify({subscribed: Object.keys(subscribed), posted}));
"""

STUB = "let handler; export function register(h) { handler = h; } export function registered(api) { handler(api); }"


def run_pixel(tmp_path: Path, init: dict) -> dict:
    """Run src/index.js under Node with a stand-in for @shopify/web-pixels-extension."""
    stub = tmp_path / "node_modules" / "@shopify" / "web-pixels-extension"
    stub.mkdir(parents=True)
    (stub / "package.json").write_text(json.dumps({"name": "@shopify/web-pixels-extension", "type": "module"}))
    (stub / "index.js").write_text(STUB)
    (tmp_path / "package.json").write_text(json.dumps({"type": "module"}))
    shutil.copy(EXT / "src" / "index.js", tmp_path / "index.js")
    (tmp_path / "run.js").write_text('import "./index.js";\n' + RUN)
    done = subprocess.run(
        ["node", "run.js", json.dumps(init)], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)


def init_for(customer: dict | None) -> dict:
    return {"data": {"customer": customer, "shop": {"myshopifyDomain": SHOP_DOMAIN, "name": "Test"}}}


def test_extension_config_scopes_and_package():
    config = tomllib.loads((EXT / "shopify.extension.toml").read_text())
    assert config["type"] == "web_pixel_extension" and config["runtime_context"] == "strict"
    assert "endpoint" in config["settings"]["fields"]
    assert json.loads((EXT / "package.json").read_text())["dependencies"]["@shopify/web-pixels-extension"]
    assert "extensions/browse-pixel" in json.loads((ROOT / "package.json").read_text())["workspaces"]
    app_scopes = tomllib.loads((ROOT / "shopify.app.toml").read_text())["access_scopes"]["scopes"].split(",")
    for scopes in (app_scopes, Settings().shopify_scopes.split(",")):
        assert {"write_pixels", "read_customer_events"} <= set(scopes)
    assert sorted(app_scopes) == sorted(Settings().shopify_scopes.split(","))  # the two lists agree


def test_the_pixel_reports_a_logged_in_customers_view_in_the_endpoints_shape(
    tmp_path, client, db, shop, friend, catalog
):
    tea = product("煎茶")
    tea["id"] = 70
    catalog(tea)
    out = run_pixel(tmp_path, init_for({"id": f"gid://shopify/Customer/{CUSTOMER_ID}", "email": "x@example.jp"}))

    assert out["subscribed"] == ["product_viewed"]
    [post] = out["posted"]
    assert post["url"] == "https://tsunagu.test/pixel/product-viewed" and post["method"] == "POST"
    body = json.loads(post["body"])
    assert body == {
        "shop": SHOP_DOMAIN,
        "customer_id": f"gid://shopify/Customer/{CUSTOMER_ID}",
        "product_id": "gid://shopify/Product/70",
        "variant_id": "gid://shopify/ProductVariant/71",
        "timestamp": "2026-12-02T10:00:00.000Z",
    }  # ids and a time only: the e-mail stays in the browser

    response = client.post("/pixel/product-viewed", data=post["body"], headers=post["headers"])
    assert response.status_code == 204
    [view] = rows(db, ProductView)
    assert (view.product_shopify_id, view.variant_shopify_id) == (70, 71)


def test_the_pixel_sends_nothing_for_a_guest(tmp_path):
    assert run_pixel(tmp_path, init_for(None))["posted"] == []
