"""A 2–3 tab set made from menus the merchant already drew: each chosen menu becomes one tab
(a copy, so the menu itself stays as it was), its buttons laid out again below a tab strip
whose cells switch to the other tabs' aliases (richmenuswitch), and the strip drawn with the
tab labels, the tab's own one highlighted. Saved through `save_menus`, so every LINE limit
is checked the same way and nothing is written when any tab has a problem.

Also the rules' order: the page sends the rule ids top to bottom and they get priorities
0, 1, 2, … (the lowest number that matches wins)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from ..models import RichMenu, RichMenuRule, Shop
from .layouts import GRIDS, layout
from .service import save_menus
from .validate import ALIAS_RE, Problem

TAB_LABEL_MAX = 12


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _sources(session: Session, shop: Shop, tabs: list) -> tuple[list[RichMenu | None], list[Problem]]:
    problems, found, seen = [], [], set()
    for i, tab in enumerate(tabs):
        menu_id = tab.get("menu_id") if isinstance(tab, dict) else None
        menu = session.get(RichMenu, menu_id) if _is_id(menu_id) else None
        if menu is None or menu.shop_id != shop.id:
            problems.append(Problem(f"tabs[{i}].menu_id", "menu"))
            menu = None
        elif menu.id in seen:
            problems.append(Problem(f"tabs[{i}].menu_id", "tab_twice"))
        elif menu.tab_set or not menu.drawing or len(menu.areas or []) not in GRIDS:
            problems.append(Problem(f"tabs[{i}].menu_id", "tab_drawn"))
        if menu is not None:
            seen.add(menu.id)
        found.append(menu)
    return found, problems


def _labels_and_aliases(tabs: list, menus: list) -> tuple[list[str], list[str], list[Problem]]:
    labels, aliases, problems = [], [], []
    for i, (tab, menu) in enumerate(zip(tabs, menus, strict=True)):
        tab = tab if isinstance(tab, dict) else {}
        label = tab.get("label") if isinstance(tab.get("label"), str) else ""
        labels.append((label.strip() or (menu.name if menu else ""))[:TAB_LABEL_MAX])
        alias = tab.get("alias_id") if isinstance(tab.get("alias_id"), str) else ""
        aliases.append(alias.strip())
        if not ALIAS_RE.fullmatch(aliases[-1]):
            problems.append(Problem(f"tabs[{i}].alias_id", "alias_id"))
        elif aliases[-1] in aliases[:-1]:
            problems.append(Problem(f"tabs[{i}].alias_id", "alias_taken", {"alias": aliases[-1]}))
    return labels, aliases, problems


def _tab_spec(menu: RichMenu, index: int, labels: list[str], aliases: list[str], name: str, default: bool) -> dict:
    count = len(aliases)
    bounds = layout(menu.size, len(menu.areas), tabs=count)
    switches = [
        {
            "bounds": bounds[j],
            "action": {"type": "richmenuswitch", "richMenuAliasId": aliases[j], "data": f"tab={j}", "label": labels[j]},
        }
        for j in range(count)
    ]
    buttons = [{"bounds": bounds[count + k], "action": dict(a["action"])} for k, a in enumerate(menu.areas)]
    drawing = dict(menu.drawing) | {"tabs": {"labels": labels, "active": index}}
    return {
        "name": f"{name} · {labels[index]}"[:300],
        "size": menu.size,
        "chat_bar_text": menu.chat_bar_text,
        "areas": switches + buttons,
        "drawing": drawing,
        "alias_id": aliases[index],
        "is_default": default and index == 0,
    }


def tab_set_from(*, session: Session, shop: Shop, name, tabs) -> tuple[list[RichMenu], list[Problem]]:
    """{"name": set name, "tabs": [{"menu_id", "alias_id", "label"}, ...]} → the saved tabs."""
    problems = []
    name = name.strip()[:64] if isinstance(name, str) else ""
    if not name:
        problems.append(Problem("tab_set", "tab_name"))
    elif session.execute(select(RichMenu.id).where(RichMenu.shop_id == shop.id, RichMenu.tab_set == name)).first():
        problems.append(Problem("tab_set", "tab_name_taken"))
    if not isinstance(tabs, list) or not 2 <= len(tabs) <= 3:
        return [], problems + [Problem("tabs", "tabs")]
    menus, found = _sources(session, shop, tabs)
    labels, aliases, named = _labels_and_aliases(tabs, menus)
    problems += found + named
    if problems:
        return [], problems
    default = any(m.is_default for m in menus)
    specs = [_tab_spec(m, i, labels, aliases, name, default) for i, m in enumerate(menus)]
    return save_menus(session=session, shop=shop, specs=specs, tab_set=name)


def reorder_rules(*, session: Session, shop: Shop, rule_ids) -> list[Problem]:
    """Priorities 0, 1, 2, … in the order given; the ids must be exactly the shop's rules."""
    rules = {r.id: r for r in session.execute(select(RichMenuRule).where(RichMenuRule.shop_id == shop.id)).scalars()}
    if not isinstance(rule_ids, list) or not all(_is_id(i) for i in rule_ids):
        return [Problem("rule_ids", "rules_order")]
    if len(rule_ids) != len(set(rule_ids)) or set(rule_ids) != set(rules):
        return [Problem("rule_ids", "rules_order")]
    for priority, rule_id in enumerate(rule_ids):
        rules[rule_id].priority = priority
        session.add(rules[rule_id])
    session.flush()
    return []
