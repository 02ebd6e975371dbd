"""The Flows editor: a flow's settings and texts as the admin sees them, checked whole
before anything is saved (errors by field), and saved in one write.

Settings live in `shop.settings["flows"][flow]`, texts in `shop.settings["line_texts"]
["flow:<key>"][lang]`; a text equal to the default is not stored, so improved defaults
reach shops that never changed them.
"""

from __future__ import annotations

import string

from sqlmodel import Session

from ...flows import templates
from ...flows.config import flow_settings
from ...flows.registry import spec
from ...i18n import LANGUAGES, t
from ...line import messages as line
from ...line import texts as line_texts
from ...models import Shop
from . import preview
from .checks import Checker, check_settings

FIRST_VARIABLES = ("customer_name", "shop_name")


def variables(flow: str) -> list[str]:
    names = templates.VARIABLES[flow]
    return [n for n in FIRST_VARIABLES if n in names] + sorted(names - set(FIRST_VARIABLES))


def describe(shop: Shop, flow: str) -> dict:
    """A flow as the editor shows it: settings, current and default texts, variables."""
    keys = spec(flow).templates
    return {
        "flow": flow,
        "marketing": spec(flow).marketing,
        "settings": flow_settings(shop, flow),
        "templates": {
            k: {
                lang: line_texts.template(shop, templates.key(k), lang, {templates.key(k): templates.DEFAULTS[k]})
                for lang in LANGUAGES
            }
            for k in keys
        },
        "defaults": {
            k: {lang: templates.DEFAULTS[k].get(lang, templates.DEFAULTS[k]["ja"]) for lang in LANGUAGES} for k in keys
        },
        "variables": variables(flow),
    }


def check_text(flow: str, text, check: Checker, field: str) -> str:
    text = text if isinstance(text, str) else ""
    reason = templates.validate(flow, text)
    if reason is None:
        return text
    if reason == "empty":
        check.fail(field, "empty")
    elif reason.startswith("longer"):
        check.fail(field, "too_long", n=f"{templates.TEXT_LIMIT:,}")
    elif reason.startswith("unbalanced"):
        check.fail(field, "braces")
    else:
        names = {n for _l, n, _s, _c in string.Formatter().parse(text) if n is not None}
        comma = t("admin.list_separator", check.lang)
        check.fail(
            field,
            "unknown",
            names=comma.join("{" + n + "}" for n in sorted(names - templates.VARIABLES[flow])),
            known=comma.join("{" + n + "}" for n in variables(flow)),
        )
    return text


def check_limits(built: list[dict], check: Checker, field: str) -> None:
    """What LINE would refuse once the variables are filled in (the builders shorten
    what is too long; here a shortened text means the merchant's text is too long)."""
    for message in built:
        if message.get("type") == "text" and _shortened(message["text"], line.TEXT_MAX):
            check.fail(field, "text_limit")
        if message.get("type") == "flex" and _shortened(message["altText"], line.ALT_TEXT_MAX):
            check.fail(field, "alt_limit")
        if any(len(label) > line.BUTTON_LABEL_MAX for label in _labels(message)):
            check.fail(field, "label_limit")


def _shortened(text: str, limit: int) -> bool:
    return len(text) >= limit and text.endswith("…")


def _labels(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["label"]] if node.get("type") in ("uri", "postback", "message") and "label" in node else []
        return found + [x for v in node.values() for x in _labels(v)]
    if isinstance(node, list):
        return [x for v in node for x in _labels(v)]
    return []


def check_flow(*, session: Session, shop: Shop, flow: str, body: dict, lang: str) -> tuple[dict, dict, dict]:
    """(settings, texts, errors) from a whole flow as the editor sends it."""
    check = Checker(lang)
    settings = check_settings(flow, body.get("settings"), check, flow_settings(shop, flow))
    given = body.get("templates") if isinstance(body.get("templates"), dict) else {}
    current = describe(shop, flow)["templates"]
    texts = {}
    for key in spec(flow).templates:
        langs = given.get(key) if isinstance(given.get(key), dict) else {}
        texts[key] = {
            lg: check_text(flow, langs.get(lg, current[key][lg]), check, f"templates.{key}.{lg}") for lg in LANGUAGES
        }
    if check.errors:
        return settings, texts, check.errors
    view = preview.with_templates(shop, settings, texts)
    for lg in LANGUAGES:
        data = preview.sample(session=session, shop=shop, lang=lg)
        for key in spec(flow).templates:
            for step in range(max(1, len(settings.get("steps") or []))):
                built = preview.build(view, flow=flow, template_key=key, lang=lg, data=data, config=settings, step=step)
                check_limits(built, check, f"templates.{key}.{lg}")
    return settings, texts, check.errors


def save(*, session: Session, shop_id: int, flow: str, settings: dict, texts: dict) -> Shop:
    """One write: the flow's settings and its texts (defaults are not stored)."""
    stored = session.get(Shop, shop_id)
    current = dict(stored.settings or {})
    flows = dict(current.get("flows") or {})
    flows[flow] = settings
    custom = dict(current.get("line_texts") or {})
    for key, langs in texts.items():
        mine = {
            lg: text
            for lg, text in langs.items()
            if text != templates.DEFAULTS[key].get(lg, templates.DEFAULTS[key]["ja"])
        }
        if mine:
            custom[templates.key(key)] = mine
        else:
            custom.pop(templates.key(key), None)
    current.update(flows=flows, line_texts=custom)
    stored.settings = current
    session.add(stored)
    return stored


def switch(*, session: Session, shop_id: int, flow: str, enabled: bool) -> Shop:
    stored = session.get(Shop, shop_id)
    current = dict(stored.settings or {})
    flows = dict(current.get("flows") or {})
    flows[flow] = {**(flows.get(flow) or {}), "enabled": enabled}
    current["flows"] = flows
    stored.settings = current
    session.add(stored)
    return stored
