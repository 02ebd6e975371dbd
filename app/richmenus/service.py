"""Saving menus: a single menu or a 2–3 tab set, checked against LINE's limits first, the
drawn image rendered once and stored, so the preview and LINE get the same bytes."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from ..models import RichMenu, RichMenuRule, Shop
from .assign import KINDS, local_period
from .draw import draw
from .validate import SIZES, Problem, check_drawing, check_image, check_menu, image_type

FIELDS = ("name", "size", "chat_bar_text", "areas", "alias_id", "is_default")


def save_menus(
    *, session: Session, shop: Shop, specs: list[dict], tab_set: str | None = None, menus: list[RichMenu] | None = None
) -> tuple[list[RichMenu], list[Problem]]:
    """Create (or, given `menus`, update) one menu or the tabs of a set from the editor's
    specs: name, size, chat_bar_text, areas, alias_id, is_default, and either `drawing` or
    `image` (bytes). Nothing is written when any spec has a problem."""
    if tab_set and not 2 <= len(specs) <= 3:
        return [], [Problem("tabs", "tabs")]
    if not specs or not all(isinstance(s, dict) for s in specs):
        return [], [Problem("menus", "name")]
    own = {s.get("alias_id") for s in specs if s.get("alias_id")}
    others = _aliases(session=session, shop=shop, excluding=[m.id for m in menus or []])
    problems = [Problem("alias_id", "alias_taken", {"alias": a}) for a in sorted(own & others)]
    rows = []
    for i, spec in enumerate(specs):
        found = check_menu(spec, aliases=own | others)
        drawing = spec.get("drawing")
        found += check_drawing(drawing) if drawing is not None else []
        image, content_type = (None, None) if found else _image(spec)
        found += [] if found and drawing is not None else check_image(image, _size(spec))
        prefix = f"tabs[{i}]." if tab_set else ""
        problems += [Problem(prefix + p.field, p.key, p.values) for p in found]
        row = (menus[i] if menus else None) or RichMenu(shop_id=shop.id, name="", chat_bar_text="")
        for key in FIELDS:
            if key in spec:
                setattr(row, key, spec[key])
        row.image, row.image_type, row.drawing = image, content_type, spec.get("drawing")
        row.tab_set, row.tab_index = tab_set, i
        rows.append(row)
    if problems:
        return [], problems
    if any(r.is_default for r in rows):
        _clear_default(session=session, shop=shop, keep=[r.id for r in rows])
    session.add_all(rows)
    session.flush()
    return rows, []


def _size(spec: dict) -> str:
    return spec.get("size") if spec.get("size") in SIZES else "large"


def _image(spec: dict) -> tuple[bytes | None, str | None]:
    if spec.get("drawing") is not None:
        drawn = draw(size=_size(spec), areas=spec.get("areas") or [], drawing=spec["drawing"])
        return drawn.data, drawn.content_type
    data = spec.get("image")
    return (data, image_type(data)) if data else (None, None)


def _aliases(*, session: Session, shop: Shop, excluding: list[int]) -> set[str]:
    query = select(RichMenu.alias_id).where(RichMenu.shop_id == shop.id, RichMenu.alias_id.is_not(None))
    if excluding:
        query = query.where(RichMenu.id.not_in(excluding))
    return set(session.execute(query).scalars())


def _clear_default(*, session: Session, shop: Shop, keep: list) -> None:
    for menu in session.execute(select(RichMenu).where(RichMenu.shop_id == shop.id, RichMenu.is_default)).scalars():
        if menu.id not in keep:
            menu.is_default = False
            session.add(menu)


def save_rule(*, session: Session, shop: Shop, spec: dict) -> tuple[RichMenuRule | None, list[Problem]]:
    """A rule: menu_id, priority, kind (linked | unlinked | segment) with segment_id, and an
    optional period as local times in the shop's time zone (start, end)."""
    from ..audiences.service import segment_of

    problems = []
    menu = session.get(RichMenu, spec.get("menu_id") or 0)
    if menu is None or menu.shop_id != shop.id:
        problems.append(Problem("menu_id", "name"))
    kind = spec.get("kind")
    if kind not in KINDS:
        problems.append(Problem("kind", "rule_kind"))
    if kind == "segment" and segment_of(session=session, shop=shop, segment_id=spec.get("segment_id") or 0) is None:
        problems.append(Problem("segment_id", "rule_segment"))
    starts, ends = local_period(spec.get("starts_at"), spec.get("ends_at"), shop.timezone)
    if starts and ends and ends <= starts:
        problems.append(Problem("ends_at", "rule_period"))
    if problems:
        return None, problems
    rule = RichMenuRule(
        shop_id=shop.id,
        menu_id=menu.id,
        priority=int(spec.get("priority") or 0),
        kind=kind,
        segment_id=spec.get("segment_id") if kind == "segment" else None,
        starts_at=starts,
        ends_at=ends,
    )
    session.add(rule)
    session.flush()
    return rule, []
