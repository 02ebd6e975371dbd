"""The Flows editor: a flow's settings and texts as the admin sees them, checked whole
before anything is saved (errors by field), and saved in one write.

Settings live in `shop.settings["flows"][flow]`, texts in `shop.settings["line_texts"]
["flow:<key>"][lang]`; a text equal to the default is not stored, so improved defaults
reach shops that never changed them.
"""

from __future__ import annotations

import copy
import math
import string
from urllib.parse import urlparse

from sqlmodel import Session

from ..flows import templates
from ..flows.config import DEFAULTS, MARKETING, flow_settings
from ..line import messages as line
from ..line import texts as line_texts
from ..models import Shop
from . import flows_preview
from .flows_preview import SHIPPING_STATUSES, template_keys
from .i18n import translate

FLOWS = tuple(DEFAULTS)
LANGS = ("ja", "en")
MAX_STEPS = 3
DELAY_MIN = (1, 7 * 24 * 60)  # a minute to a week
FIRST_VARIABLES = ("customer_name", "shop_name")


def variables(flow: str) -> list[str]:
    names = templates.VARIABLES[flow]
    return [n for n in FIRST_VARIABLES if n in names] + sorted(names - set(FIRST_VARIABLES))


def describe(shop: Shop, flow: str) -> dict:
    """A flow as the editor shows it: settings, current and default texts, variables."""
    keys = template_keys(flow)
    return {
        "flow": flow,
        "marketing": flow in MARKETING,
        "settings": flow_settings(shop, flow),
        "templates": {
            k: {
                lang: line_texts.template(shop, templates.key(k), lang, {templates.key(k): templates.DEFAULTS[k]})
                for lang in LANGS
            }
            for k in keys
        },
        "defaults": {
            k: {lang: templates.DEFAULTS[k].get(lang, templates.DEFAULTS[k]["ja"]) for lang in LANGS} for k in keys
        },
        "variables": variables(flow),
    }


class Checker:
    """Collects field errors in the merchant's language."""

    def __init__(self, lang: str):
        self.lang = lang
        self.errors: dict[str, str] = {}

    def fail(self, field: str, key: str, **values) -> None:
        self.errors.setdefault(field, translate(f"fe.err.{key}", self.lang, **values))

    def integer(self, field: str, value, lo: int, hi: int) -> int | None:
        number = _number(value)
        if number is None or number != int(number) or not lo <= number <= hi:
            self.fail(field, "int_range", lo=f"{lo:,}", hi=f"{hi:,}")
            return None
        return int(number)

    def amount(self, field: str, value, lo: float, hi: float) -> int | float | None:
        number = _number(value)
        if number is None or not lo <= number <= hi or round(number, 2) != number:
            self.fail(field, "number_range", lo=f"{lo:,}", hi=f"{hi:,}")
            return None
        return int(number) if number == int(number) else number


def _number(value) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", ""))
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def check_settings(flow: str, body: dict, check: Checker, current: dict) -> dict:
    """The flow's settings from the body (an option left out keeps its current value), or errors in `check`."""
    body = body if isinstance(body, dict) else {}
    result = copy.deepcopy(current)
    enabled = body.get("enabled", current["enabled"])
    if not isinstance(enabled, bool):
        check.fail("enabled", "bool")
    result["enabled"] = enabled
    if flow in ("abandoned_checkout", "abandoned_cart"):
        result["steps"] = _steps(body.get("steps", current["steps"]), check)
        result["min_total"] = check.amount("min_total", body.get("min_total", current["min_total"]), 0, 10_000_000)
        result["skip_if_ordered_within_h"] = check.integer(
            "skip_if_ordered_within_h",
            body.get("skip_if_ordered_within_h", current["skip_if_ordered_within_h"]),
            0,
            720,
        )
    elif flow == "shipping_update":
        statuses = body.get("statuses") if isinstance(body.get("statuses"), dict) else {}
        result["statuses"] = dict(result["statuses"])
        for status in SHIPPING_STATUSES:
            value = statuses.get(status, current["statuses"].get(status, True))
            if not isinstance(value, bool):
                check.fail(f"statuses.{status}", "bool")
            result["statuses"][status] = value
    elif flow == "after_delivery":
        result["delay_days"] = check.integer("delay_days", body.get("delay_days", current["delay_days"]), 1, 90)
        url = str(body.get("review_url", current["review_url"]) or "").strip()
        parsed = urlparse(url)
        if url and (parsed.scheme != "https" or not parsed.netloc or len(url) > 1000 or " " in url):
            check.fail("review_url", "https")
        result["review_url"] = url
    elif flow == "repurchase":
        result["cycles"] = _cycles(body.get("cycles", current["cycles"]), check)
    return result


def _steps(value, check: Checker) -> list[dict]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_STEPS:
        check.fail("steps", "steps_count", n=MAX_STEPS)
        return []
    steps, previous = [], 0
    for i, step in enumerate(value):
        step = step if isinstance(step, dict) else {}
        delay = check.integer(f"steps.{i}.delay_min", step.get("delay_min"), *DELAY_MIN)
        if delay is not None and delay <= previous:
            check.fail(f"steps.{i}.delay_min", "steps_order")
        previous = delay or previous
        steps.append({"delay_min": delay, "discount": _discount(step.get("discount"), f"steps.{i}.discount", check)})
    return steps


def _discount(value, field: str, check: Checker) -> dict | None:
    if not value:
        return None
    if not isinstance(value, dict) or value.get("type") not in ("percentage", "fixed_amount"):
        check.fail(f"{field}.type", "discount_type")
        return None
    if value["type"] == "percentage":
        amount = check.integer(f"{field}.value", value.get("value"), 1, 90)
    else:
        amount = check.amount(f"{field}.value", value.get("value"), 1, 1_000_000)
    expires = check.integer(f"{field}.expires_days", value.get("expires_days"), 1, 30)
    return {"type": value["type"], "value": amount, "expires_days": expires}


def _cycles(value, check: Checker) -> dict:
    value = value if isinstance(value, dict) else {}
    cycles = {"products": {}, "types": {}, "tags": {}}
    for kind, found in cycles.items():
        entries = value.get(kind) or {}
        rows = (
            entries.items()
            if isinstance(entries, dict)
            else [(r.get("name"), r.get("days")) if isinstance(r, dict) else (None, None) for r in entries]
        )
        for i, (name, days) in enumerate(rows):
            field = f"cycles.{kind}.{i}"
            name = str(name or "").strip()
            if not name or len(name) > 255 or (kind == "products" and not name.isdigit()):
                check.fail(f"{field}.name", "cycle_name")
            number = check.integer(f"{field}.days", days, 1, 365)
            if name and number:
                found[name] = number
    return cycles


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
        check.fail(
            field,
            "unknown",
            names="、".join("{" + n + "}" for n in sorted(names - templates.VARIABLES[flow])),
            known="、".join("{" + n + "}" for n in variables(flow)),
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


def check_flow(session: Session, shop: Shop, flow: str, body: dict, lang: str) -> tuple[dict, dict, dict]:
    """(settings, texts, errors) from a whole flow as the editor sends it."""
    check = Checker(lang)
    settings = check_settings(flow, body.get("settings"), check, flow_settings(shop, flow))
    given = body.get("templates") if isinstance(body.get("templates"), dict) else {}
    current = describe(shop, flow)["templates"]
    texts = {}
    for key in template_keys(flow):
        langs = given.get(key) if isinstance(given.get(key), dict) else {}
        texts[key] = {
            lg: check_text(flow, langs.get(lg, current[key][lg]), check, f"templates.{key}.{lg}") for lg in LANGS
        }
    if check.errors:
        return settings, texts, check.errors
    view = flows_preview.with_templates(shop, settings, texts)
    data = flows_preview.sample(session, shop)
    for key in template_keys(flow):
        for lg in LANGS:
            for step in range(max(1, len(settings.get("steps") or []))):
                built = flows_preview.build(
                    view, flow=flow, template_key=key, lang=lg, data=data, config=settings, step=step
                )
                check_limits(built, check, f"templates.{key}.{lg}")
    return settings, texts, check.errors


def save(session: Session, shop_id: int, flow: str, settings: dict, texts: dict) -> Shop:
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


def switch(session: Session, shop_id: int, flow: str, enabled: bool) -> Shop:
    stored = session.get(Shop, shop_id)
    current = dict(stored.settings or {})
    flows = dict(current.get("flows") or {})
    flows[flow] = {**(flows.get(flow) or {}), "enabled": enabled}
    current["flows"] = flows
    stored.settings = current
    session.add(stored)
    return stored
