"""Seed the demo store through the same upserts the webhooks use.

To the app the demo shop is an ordinary installed shop: it holds an offline token that the
demo's fake Shopify (shopify_fake.py) accepts, and its catalog arrives the way any store's
full sync does, through a bulk operation and its JSONL.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .. import ext
from ..config import ROOT
from ..db import session_scope
from ..ext import settings, vault
from ..flows.registry import Flow
from ..models import CatalogSync, Shop
from ..search.index import refresh_best_sellers
from ..shopify.compliance import redact_shop
from ..shopify.lifecycle import mark_installed
from ..sync.catalog import ACTIVE, advance_sync, request_sync
from ..sync.customers import upsert_customer
from ..sync.fulfillments import upsert_fulfillment
from ..sync.orders import upsert_order
from ..sync.policies import refresh_policies, request_policies
from ..timeutil import utcnow
from .audiences import seed_segments
from .campaigns import seed_campaigns
from .catalog import DEMO_SHOP_DOMAIN, DEMO_SHOP_NAME, demo_customers, demo_products
from .history import seed_history
from .line import seed_line
from .orders import demo_fulfillments, demo_orders
from .placeholder import write_placeholders
from .richmenus import publish_rich_menus, seed_menu_results, seed_rich_menus
from .shopify_fake import DEMO_ACCESS_TOKEN
from .sources import seed_sources
from .words import CONSUMABLE_TYPES

log = logging.getLogger("tsunagu.demo")
IMAGE_DIR = ROOT / "static" / "demo" / "products"
SYNC_STEPS = 5  # the fake's bulk operation is done by its first poll: start, then import


def demo_shop(*, session: Session) -> Shop | None:
    return session.exec(select(Shop).where(Shop.domain == DEMO_SHOP_DOMAIN)).first()


def _demo_flow_settings(shop: Shop) -> None:
    """Consumables get a 30-day repurchase cycle, unless the merchant already chose."""
    flows = dict((shop.settings or {}).get("flows") or {})
    if Flow.REPURCHASE not in flows:
        flows[Flow.REPURCHASE] = {
            "enabled": True,
            "cycles": {"products": {}, "types": {kind: 30 for kind in sorted(CONSUMABLE_TYPES)}, "tags": {}},
        }
        shop.settings = {**(shop.settings or {}), "flows": flows}


def _install(shop: Shop) -> None:
    """Installed with a non-expiring offline token, as the fake Shopify knows it."""
    mark_installed(shop=shop)
    shop.access_token_enc = vault().encrypt(DEMO_ACCESS_TOKEN)
    shop.access_token_expires_at = shop.refresh_token_enc = shop.refresh_token_expires_at = None
    shop.scopes, shop.token_error = settings().shopify_scopes, None


def _sync_catalog(engine: Engine, sync_id: int) -> None:
    """The catalog comes through the bulk importer, the way a real store's full sync does."""
    for _step in range(SYNC_STEPS):
        if advance_sync(engine, sync_id, utcnow()) not in ACTIVE:
            return
    raise RuntimeError(f"the demo's catalog sync {sync_id} did not finish in {SYNC_STEPS} steps")


def seed_demo(app: Flask, *, reset: bool = False) -> dict:
    """Idempotent: running it twice leaves the same store (upserts, not inserts)."""
    engine = ext.engine(app)
    if reset:
        with session_scope(engine) as session:
            shop = demo_shop(session=session)
            if shop is not None:
                redact_shop(session=session, shop=shop)
    now = utcnow()
    products = demo_products()
    customers = demo_customers()
    orders = demo_orders(products=products, customers=customers, now=now)
    fulfillments = demo_fulfillments(orders=orders, now=now)
    images = write_placeholders(products, IMAGE_DIR)
    with session_scope(engine) as session:
        shop = demo_shop(session=session) or Shop(domain=DEMO_SHOP_DOMAIN)
        shop.name, shop.is_demo = DEMO_SHOP_NAME, True
        shop.timezone, shop.currency, shop.locale = "Asia/Tokyo", "JPY", "ja"
        _install(shop)
        session.add(shop)
        session.flush()
        sync_id = request_sync(session=session, shop=shop, trigger="demo").id
        request_policies(shop=shop, now=now)
        demo_id = shop.id
    _sync_catalog(engine, sync_id)
    refresh_policies(engine=engine, shop_id=demo_id, now=now)  # read from its Shopify, as at any install
    with session_scope(engine) as session:
        shop = demo_shop(session=session)
        for upsert, payloads in (
            (upsert_customer, customers),
            (upsert_order, orders),
            (upsert_fulfillment, fulfillments),
        ):
            for payload in payloads:
                upsert(session=session, shop=shop, payload=payload)
        line = seed_line(session=session, shop=shop)
        line.update(seed_history(session=session, shop=shop, now=now))
        line.update(seed_segments(session=session, shop=shop))
        line.update(seed_sources(session=session, shop=shop, now=now))
        rich_menus = seed_rich_menus(session=session, shop=shop)
        line.update(seed_campaigns(session=session, shop=shop, now=now))
        _demo_flow_settings(shop)
        refresh_best_sellers(session=session, now=now, shop_id=shop.id)
        synced = session.get(CatalogSync, sync_id)
        shop_id = shop.id
    line.update(publish_rich_menus(engine=engine, shop_id=shop_id, menu_ids=rich_menus))
    line.update(seed_menu_results(engine=engine, shop_id=shop_id, now=now))
    summary = {
        "shop": DEMO_SHOP_DOMAIN,
        "products": synced.done,
        "customers": len(customers),
        "orders": len(orders),
        "fulfillments": len(fulfillments),
        "images": images,
        **line,
    }
    log.info("demo store seeded %s", summary)
    return summary
