"""Creating, changing and deleting a source: checked whole, a reason by each field, nothing
saved while one field is wrong."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from ..i18n import language, t
from ..line.texts import well_formed
from ..models import FriendSource, Sequence, Shop

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MAX_NAME = 100
MAX_TAG = 64
MAX_GREETING = 5000  # LINE's text message limit
MAX_COST = 100_000_000_000
FIELDS = ("name", "slug", "tag", "greeting", "cost_yen", "sequence_id")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.strip() if isinstance(value, str) else None


def _whole(value: Any) -> int | None | bool:
    """An integer ≥ 0 from a number or digits; None for empty; False for anything else."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value if value >= 0 else False
    if isinstance(value, str) and value.strip().replace(",", "").isdigit() and value.strip().isascii():
        return int(value.strip().replace(",", ""))
    return False


def check(
    body: dict, *, session: Session, shop: Shop, source: FriendSource | None = None
) -> tuple[dict, dict[str, str]]:
    """The fields as stored, and the reason for each wrong one (in the merchant's language)."""
    lang = language(shop=shop)
    errors: dict[str, str] = {}

    def fail(name: str, reason: str, **values) -> None:
        errors.setdefault(name, t(f"sources.err.{reason}", lang, **values))

    clean: dict[str, Any] = {}
    name = _text(body.get("name"))
    if not name:
        fail("name", "name_empty")
    elif len(name) > MAX_NAME:
        fail("name", "too_long", max=MAX_NAME)
    clean["name"] = name
    slug = (_text(body.get("slug")) or "").lower()
    if not SLUG.match(slug):
        fail("slug", "slug")
    elif session.exec(
        select(FriendSource.id).where(
            FriendSource.shop_id == shop.id,
            FriendSource.slug == slug,
            FriendSource.id != (source.id if source else -1),
        )
    ).first():
        fail("slug", "slug_taken")
    clean["slug"] = slug
    tag = _text(body.get("tag")) or None
    if tag is not None and (len(tag) > MAX_TAG or "," in tag):
        fail("tag", "tag", max=MAX_TAG)
    clean["tag"] = tag
    greeting = _text(body.get("greeting")) or None
    if greeting is not None and len(greeting) > MAX_GREETING:
        fail("greeting", "too_long", max=f"{MAX_GREETING:,}")
    elif greeting is not None and not well_formed(greeting):
        fail("greeting", "braces")
    clean["greeting"] = greeting
    for name_ in ("cost_yen", "sequence_id"):
        number = _whole(body.get(name_))
        if number is False or (number is not None and number > MAX_COST):
            fail(name_, "whole_number")
        clean[name_] = number if number is not False else None
    chosen = clean.get("sequence_id")
    if chosen is not None and "sequence_id" not in errors:
        sequence = session.get(Sequence, chosen)
        if sequence is None or sequence.shop_id != shop.id:
            fail("sequence_id", "unknown_sequence")
    return clean, errors


def save(
    body: dict, *, session: Session, shop: Shop, source: FriendSource | None = None
) -> tuple[FriendSource | None, dict[str, str]]:
    """Create (source None) or change a source; on errors nothing is added or changed."""
    clean, errors = check(body, session=session, shop=shop, source=source)
    if errors:
        return None, errors
    row = source or FriendSource(shop_id=shop.id, name=clean["name"], slug=clean["slug"])
    for key, value in clean.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    return row, {}


def sources_of(*, session: Session, shop: Shop) -> list[FriendSource]:
    return list(
        session.exec(select(FriendSource).where(FriendSource.shop_id == shop.id).order_by(FriendSource.id)).all()
    )
