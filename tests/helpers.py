"""Small helpers tests share for arranging rows and counting them."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from app.models import Shop
from app.timeutil import utcnow


def make_shop(db: Session, domain: str = "test-shop.myshopify.com", **fields) -> Shop:
    shop = Shop(domain=domain, name=fields.pop("name", "テストショップ"), installed_at=utcnow(), **fields)
    db.add(shop)
    db.commit()
    return shop


def fresh(db: Session) -> None:
    """End the test session's transaction so it sees what the app committed since."""
    db.commit()
    db.expire_all()


def count(db: Session, model, *where) -> int:
    fresh(db)
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def rows(db: Session, model, *where) -> list:
    fresh(db)
    return list(db.exec(select(model).where(*where)))


def proxy_query(params: dict, secret: str, *, timestamp: int | None = None) -> str:
    """A query string signed the way Shopify's app proxy signs it."""
    import hashlib
    import hmac
    import time
    from urllib.parse import urlencode

    params = {**params, "timestamp": str(timestamp if timestamp is not None else int(time.time()))}
    message = "".join(f"{k}={v}" for k, v in sorted(params.items()))
    params["signature"] = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return urlencode(params)
