"""Full catalog syncs: a bulk operation on Shopify, streamed into the local tables.

A sync moves pending → running (bulk operation started) → importing (JSONL streaming) →
completed | failed, one step per worker run, so the worker never waits on Shopify.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import session_scope
from ..models import CatalogSync, Shop
from ..shopify import client as shopify_client
from ..shopify.http import shared_client
from ..shopify.queries import BULK_RUN, BULK_STATUS, CATALOG_BULK_QUERY, PRODUCTS_COUNT
from ..timeutil import utcnow
from .bulk import Importer, analyze, parse_lines, remove_vanished

log = logging.getLogger("tsunagu.sync")
ACTIVE = ("pending", "running", "importing")
NIGHTLY_AFTER = timedelta(hours=24)
GIVE_UP_AFTER = timedelta(hours=6)


def request_sync(*, session: Session, shop: Shop, trigger: str) -> CatalogSync:
    """Start a sync unless one is already under way (then that one is the answer)."""
    current = session.exec(
        select(CatalogSync).where(CatalogSync.shop_id == shop.id, CatalogSync.status.in_(ACTIVE))
    ).first()
    if current is not None:
        return current
    sync = CatalogSync(shop_id=shop.id, trigger=trigger)
    session.add(sync)
    session.flush()
    return sync


def last_sync(*, session: Session, shop: Shop) -> CatalogSync | None:
    return session.exec(
        select(CatalogSync)
        .where(CatalogSync.shop_id == shop.id)
        .order_by(CatalogSync.started_at.desc(), CatalogSync.id.desc())
    ).first()


def advance_syncs(*, engine: Engine, now: datetime) -> dict[str, int]:
    """Worker job: move every unfinished sync one step."""
    with Session(engine) as s:
        ids = list(s.exec(select(CatalogSync.id).where(CatalogSync.status.in_(ACTIVE))))
    outcome: dict[str, int] = {}
    for sync_id in ids:
        try:
            status = advance_sync(engine, sync_id, now)
        except Exception as exc:  # one shop's failure never stops the others
            log.exception("catalog sync failed sync=%s", sync_id)
            status = _fail(engine, sync_id, f"{type(exc).__name__}: {exc}")
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def advance_sync(engine: Engine, sync_id: int, now: datetime) -> str:
    """One step of a sync: Shopify is asked with no transaction open, and what it answered
    is written in a short one afterwards."""
    with Session(engine, expire_on_commit=False) as s:  # a plain read: takes no write lock
        sync = s.get(CatalogSync, sync_id)
        shop = s.get(Shop, sync.shop_id)
    if now - sync.started_at > GIVE_UP_AFTER:
        raise RuntimeError("the bulk operation did not finish within 6 hours")
    client = shopify_client.for_shop(shop)
    if sync.status == "pending":
        return _start(engine, sync, client)
    operation = client.query(BULK_STATUS, {"id": sync.bulk_operation_id}).get("node") or {}
    if operation.get("status") in ("CREATED", "RUNNING", "CANCELING"):
        return sync.status
    if operation.get("status") != "COMPLETED":
        raise RuntimeError(f"bulk operation {operation.get('status')}: {operation.get('errorCode')}")
    _update(engine, sync_id, status="importing")
    url = operation.get("url")
    if url is None:  # an empty catalog yields no file
        return _import(engine, sync_id, [], now)
    with shared_client().stream("GET", url, timeout=120.0) as response:
        response.raise_for_status()
        return _import(engine, sync_id, response.iter_lines(), now)


def _update(engine: Engine, sync_id: int, **values) -> None:
    with session_scope(engine) as s:
        sync = s.get(CatalogSync, sync_id)
        for name, value in values.items():
            setattr(sync, name, value)


def _start(engine: Engine, sync: CatalogSync, client) -> str:
    total = (client.query(PRODUCTS_COUNT).get("productsCount") or {}).get("count")
    result = client.query(BULK_RUN, {"query": CATALOG_BULK_QUERY}).get("bulkOperationRunQuery") or {}
    errors = result.get("userErrors") or []
    if errors:  # e.g. another bulk operation of this app is running: try again next time
        log.warning("bulk operation not started: %s", "; ".join(e.get("message", "") for e in errors))
        _update(engine, sync.id, total=total)
        return sync.status
    _update(
        engine, sync.id, total=total, bulk_operation_id=(result.get("bulkOperation") or {}).get("id"), status="running"
    )
    return "running"


def _import(engine: Engine, sync_id: int, lines: Iterable, now: datetime) -> str:
    with session_scope(engine) as s:
        sync = s.get(CatalogSync, sync_id)
        shop, seen_at = s.get(Shop, sync.shop_id), sync.started_at

    def progress(done: int) -> None:
        with session_scope(engine) as s:
            s.get(CatalogSync, sync_id).done = done

    done = Importer(engine=engine, shop=shop, seen_at=seen_at, on_progress=progress).feed_all(parse_lines(lines))
    analyze(engine)
    with session_scope(engine) as s:
        sync = s.get(CatalogSync, sync_id)
        sync.removed = remove_vanished(session=s, shop=shop, seen_at=seen_at, now=utcnow())
        sync.done, sync.total = done, sync.total or done
        sync.status, sync.finished_at = "completed", utcnow()
    log.info("catalog synced shop=%s products=%s removed=%s", shop.id, done, sync.removed)
    return "completed"


def _fail(engine: Engine, sync_id: int, error: str) -> str:
    with session_scope(engine) as s:
        sync = s.get(CatalogSync, sync_id)
        sync.status, sync.error, sync.finished_at = "failed", error[:1000], utcnow()
    return "failed"


def nightly_syncs(*, engine: Engine, now: datetime) -> dict[str, int]:
    """Worker job: every installed shop gets a fresh sync once a day."""
    started = 0
    with session_scope(engine) as s:
        for shop in s.exec(select(Shop).where(Shop.uninstalled_at.is_(None), Shop.installed_at.is_not(None))):
            latest = last_sync(session=s, shop=shop)
            if latest is None or (latest.status not in ACTIVE and latest.started_at < now - NIGHTLY_AFTER):
                request_sync(session=s, shop=shop, trigger="nightly")
                started += 1
    return {"requested": started} if started else {}
