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
