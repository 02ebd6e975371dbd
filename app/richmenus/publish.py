"""Publishing a menu (or a whole tab set) on LINE so a failure never leaves friends without
one: create the new menus → upload their images → point the aliases and the default at
them → re-link the friends who had the old ones → delete the old ones. Until the switch,
nothing friends see has changed; if any step before it fails, the new menus are deleted
again, the old stay live, and the menu keeps what LINE answered (`publish_error`).

LINE is never called inside a write transaction: the menus are read, LINE is called, and
the outcome is written in short transactions after.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..db import session_scope
from ..i18n import language, t
from ..line import channels
from ..line import richmenus as line_menus
from ..line.client import LineClient, LineError
from ..models import LineFriend, RichMenu, RichMenuLink, Shop
from ..timeutil import utcnow
from . import assign, links
from .images import image_of
from .validate import MENUS_PER_CHANNEL, SIZES, Problem, check_image, check_menu

log = logging.getLogger("tsunagu.richmenus")


@dataclass
class Outcome:
    ok: bool
    problems: list[Problem] = field(default_factory=list)  # refused before calling LINE
    line_answer: str | None = None  # what LINE said when it refused


def tab_set_of(*, session: Session, menu: RichMenu) -> list[RichMenu]:
    """The menus published together: the menu's whole tab set, in tab order, or itself."""
    if not menu.tab_set:
        return [menu]
    rows = session.execute(
        select(RichMenu)
        .where(RichMenu.shop_id == menu.shop_id, RichMenu.tab_set == menu.tab_set)
        .order_by(RichMenu.tab_index, RichMenu.id)
    )
    return list(rows.scalars())


def aliases_of(*, session: Session, shop_id: int) -> set[str]:
    rows = session.execute(select(RichMenu.alias_id).where(RichMenu.shop_id == shop_id, RichMenu.alias_id.is_not(None)))
    return set(rows.scalars())


def check(*, session: Session, menus: list[RichMenu]) -> list[Problem]:
    """Every LINE limit for the menus about to be published (a tab set's problems carry
    the tab's index: `tabs[1].areas[0].action.uri`)."""
    aliases = aliases_of(session=session, shop_id=menus[0].shop_id)
    problems = []
    for i, menu in enumerate(menus):
        spec = {"name": menu.name, "size": menu.size, "chat_bar_text": menu.chat_bar_text, "areas": menu.areas}
        found = check_menu(spec | {"alias_id": menu.alias_id}, aliases=aliases)
        image, _type = image_of(menu)
        found += check_image(image, menu.size)
        prefix = f"tabs[{i}]." if len(menus) > 1 else ""
        problems += [Problem(prefix + p.field, p.key, p.values) for p in found]
    if menus[0].tab_set and not 2 <= len(menus) <= 3:
        problems.append(Problem("tab_set", "tabs"))
    return problems


def line_body(menu: RichMenu, tokens: dict[int, str] | None = None) -> dict:
    """What LINE is sent: the menu, its web buttons through /r/<token> (`tokens`: area → token)."""
    width, height = SIZES[menu.size]
    return {
        "size": {"width": width, "height": height},
        "selected": False,
        "name": menu.name,
        "chatBarText": menu.chat_bar_text,
        "areas": links.rewrite(menu.areas, tokens or {}),
    }


def publish(*, engine: Engine, shop_id: int, menu_id: int) -> Outcome:
    """Publish the menu (with its tab set); see the module docstring for the order."""
    with Session(engine, expire_on_commit=False) as session:
        shop = session.get(Shop, shop_id)
        menu = session.get(RichMenu, menu_id)
        if shop is None or menu is None or menu.shop_id != shop_id:
            return Outcome(False, [Problem("menu", "menu")])
        menus = tab_set_of(session=session, menu=menu)
        problems = check(session=session, menus=menus)
        channel = channels.for_shop(session=session, shop=shop)
        images = [image_of(m) for m in menus]
    if problems:
        return Outcome(False, problems)
    captured: list = []
    client = _client(channel, shop, captured)
    if client is None:
        return Outcome(False, [Problem("channel", "channel")])
    old = {m.id: m.line_rich_menu_id for m in menus}
    tokens = _record_links(engine, menus)
    try:
        new = _create_all(client, menus, images, tokens)
    except LineError as exc:
        return _failed(engine, menus, exc, lang=_lang(shop))
    try:
        _switch(client, menus, new, old)
    except LineError as exc:
        _delete_quietly(client, new.values())
        return _failed(engine, menus, exc, lang=_lang(shop))
    _record_published(engine, menus, new, captured, channel_id=channel.id)
    assign.keep_in_step(engine=engine, shop_id=shop_id)
    _delete_quietly(client, [line_id for line_id in old.values() if line_id])
    return Outcome(True)


def _record_links(engine: Engine, menus: list[RichMenu]) -> dict[int, dict[int, str]]:
    """menu id → (area → token) of each menu's tracked web buttons, written (and committed)
    before LINE is called."""
    with session_scope(engine) as session:
        return {menu.id: links.record(session, menu) for menu in menus}


def _create_all(client: LineClient, menus: list[RichMenu], images: list[tuple], tokens) -> dict[int, str]:
    """Create and upload every menu; on a failure, delete the ones made so far and re-raise."""
    if line_menus.count(client) + len(menus) > MENUS_PER_CHANNEL:
        raise LineError(f"LINE holds at most {MENUS_PER_CHANNEL} rich menus", status=400)
    made: dict[int, str] = {}
    try:
        for menu, (data, content_type) in zip(menus, images, strict=True):
            made[menu.id] = line_menus.create(client, line_body(menu, tokens.get(menu.id)))
            line_menus.upload_image(client, made[menu.id], data, content_type)
    except LineError:
        _delete_quietly(client, made.values())
        raise
    return made


def _switch(client: LineClient, menus: list[RichMenu], new: dict[int, str], old: dict[int, str | None]) -> None:
    """Aliases, then the default, to the new menus; on a failure, aliases back to the old."""
    pointed = []
    try:
        for menu in menus:
            if menu.alias_id:
                line_menus.point_alias(client, menu.alias_id, new[menu.id], exists=bool(old[menu.id]))
                pointed.append(menu)
        default = next((m for m in menus if m.is_default), None)
        if default is not None:
            line_menus.set_default(client, new[default.id])
    except LineError:
        for menu in pointed:
            try:
                if old[menu.id]:
                    line_menus.point_alias(client, menu.alias_id, old[menu.id], exists=True)
                else:
                    line_menus.delete_alias(client, menu.alias_id)
            except LineError:
                log.warning("could not restore rich menu alias %s", menu.alias_id)
        raise


def _record_published(engine: Engine, menus: list[RichMenu], new: dict[int, str], captured, *, channel_id) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        for menu in menus:
            row = session.get(RichMenu, menu.id)
            row.line_rich_menu_id, row.status, row.published_at, row.publish_error = (
                new[menu.id],
                "published",
                now,
                None,
            )
            session.add(row)
        if captured:
            channels.store_captured(session=session, shop_id=menus[0].shop_id, channel_id=channel_id, captured=captured)


def _failed(engine: Engine, menus: list[RichMenu], exc: LineError, *, lang: str) -> Outcome:
    """Keep LINE's answer on the menus (the old ones stay live) and report it."""
    answer = str(exc)
    with session_scope(engine) as session:
        for menu in menus:
            row = session.get(RichMenu, menu.id)
            row.publish_error = t("richmenus.err.publish_failed", lang, answer=answer)
            if row.line_rich_menu_id is None:
                row.status = "failed"
            session.add(row)
    return Outcome(False, line_answer=answer)


def _delete_quietly(client: LineClient, line_ids) -> None:
    """Delete menus LINE should no longer hold; a failure only leaves an unused menu."""
    for line_id in list(line_ids):
        try:
            line_menus.delete(client, line_id)
        except LineError as exc:
            log.warning("could not delete rich menu %s: %s", line_id, exc)


def _client(channel, shop: Shop, captured: list | None) -> LineClient | None:
    """The channel's client, or None when no LINE account is connected."""
    if channel is None:
        return None
    try:
        return channels.client_for(channel, shop=shop, captured=captured)
    except channels.ChannelUnavailable:
        return None


def _lang(shop: Shop) -> str:
    return language(shop=shop)


def unpublish(*, engine: Engine, shop_id: int, menu_id: int) -> Outcome:
    """Take the menu (and its tab set) off LINE: its friends unlinked (they see the default),
    the default cancelled if it was, its aliases and menus deleted; the menus stay as drafts."""
    with Session(engine, expire_on_commit=False) as session:
        shop = session.get(Shop, shop_id)
        menu = session.get(RichMenu, menu_id)
        if shop is None or menu is None or menu.shop_id != shop_id:
            return Outcome(False, [Problem("menu", "menu")])
        menus = [m for m in tab_set_of(session=session, menu=menu) if m.line_rich_menu_id]
        channel = channels.for_shop(session=session, shop=shop)
        line_ids = {m.line_rich_menu_id for m in menus}
        rows = session.execute(
            select(RichMenuLink.friend_id, LineFriend.line_user_id)
            .join(LineFriend, LineFriend.id == RichMenuLink.friend_id)
            .where(RichMenuLink.shop_id == shop_id, RichMenuLink.line_rich_menu_id.in_(line_ids))
        ).all()
    if not menus:
        return Outcome(True)
    client = _client(channel, shop, None)
    if client is None:
        return Outcome(False, [Problem("channel", "channel")])
    try:
        line_menus.unlink(client, [r.line_user_id for r in rows])
        assign.record(engine=engine, shop_id=shop_id, friend_ids=[r.friend_id for r in rows], line_menu_id=None)
        if any(m.is_default for m in menus):
            line_menus.cancel_default(client)
        for m in menus:
            if m.alias_id:
                line_menus.delete_alias(client, m.alias_id)
            line_menus.delete(client, m.line_rich_menu_id)
    except LineError as exc:
        return Outcome(False, line_answer=str(exc))
    with session_scope(engine) as session:
        for m in menus:
            row = session.get(RichMenu, m.id)
            row.line_rich_menu_id, row.status, row.publish_error = None, "draft", None
            session.add(row)
    return Outcome(True)
