"""What the audience pages read and write: saved segments with their sizes, the editor's
choices (the catalog's product types and vendors, the prefectures), and saving a segment
whole or not at all, with a reason per field."""

from __future__ import annotations

from flask import abort
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ...audiences import service
from ...audiences.definition import LANGUAGES, PREFECTURES, validate
from ...i18n import language, t
from ...models import FriendSource, Product, Segment, Shop
from ...timeutil import utcnow

NAME_LIMIT = 100
CHOICES_LIMIT = 500


def segment_json(segment: Segment) -> dict:
    return segment.model_dump(mode="json", exclude={"shop_id"})


def segments(*, session: Session, shop: Shop) -> list[Segment]:
    return list(session.exec(select(Segment).where(Segment.shop_id == shop.id).order_by(Segment.name, Segment.id)))


def editor_choices(*, session: Session, shop: Shop) -> dict:
    """What the editor offers in its lists (a merchant may still type any product type)."""
    lang = language(shop=shop)

    def distinct_values(column) -> list[str]:
        query = select(column).distinct().where(Product.shop_id == shop.id, Product.deleted_at.is_(None), column != "")
        return sorted(session.exec(query.limit(CHOICES_LIMIT)).all())

    return {
        "product_types": distinct_values(Product.product_type),
        "vendors": distinct_values(Product.vendor),
        "prefectures": [{"code": code, "name": t(f"audiences.prefecture.{code}", lang)} for code in PREFECTURES],
        "languages": list(LANGUAGES),
        "sources": [
            {"id": s.id, "name": s.name}
            for s in session.exec(select(FriendSource).where(FriendSource.shop_id == shop.id).order_by(FriendSource.id))
        ],
    }


def _name(body: dict, shop: Shop, errors: dict) -> str:
    name = str(body.get("name") or "").strip() if not isinstance(body.get("name"), dict | list) else ""
    if not 1 <= len(name) <= NAME_LIMIT:
        errors["name"] = t("admin.audiences.err.name", language(shop=shop), max=NAME_LIMIT)
    return name


def save_segment(
    *, read: Session, write: Session, shop: Shop, body: dict, segment_id: int | None = None
) -> tuple[Segment | None, dict[str, str]]:
    """Create (segment_id None) or replace a segment from the editor's body, counted as
    saved. Checking and counting run on the read session, before the write transaction
    starts (SQLite's write lock is not held through a count)."""
    errors: dict[str, str] = {}
    name = _name(body, shop, errors)
    definition, reasons = validate(body.get("definition"), session=read, shop=shop)
    errors.update(reasons)
    if errors:
        return None, errors
    now = utcnow()
    size = service.count(session=read, shop=shop, definition=definition, now=now)
    row = write.get(Segment, segment_id) if segment_id is not None else Segment(shop_id=shop.id, name=name)
    if row is None or row.shop_id != shop.id:  # deleted meanwhile
        abort(404)
    row.name, row.definition, row.updated_at = name, definition, now
    row.size_linked, row.size_unlinked, row.counted_at = size.linked, size.unlinked, now
    write.add(row)
    try:
        write.commit()
    except IntegrityError:  # the (shop, name) key: another segment has this name
        write.rollback()
        return None, {"name": t("admin.audiences.err.name_taken", language(shop=shop))}
    return row, {}
