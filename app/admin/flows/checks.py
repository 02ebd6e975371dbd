"""A flow's settings as the editor sends them, checked field by field before anything is
saved: the numbers, steps, discounts, statuses, review URL and repurchase cycles, each
wrong one with a message in the merchant's language (admin.flows.err.*)."""

from __future__ import annotations

import copy
import math
from urllib.parse import urlparse

from ...flows.registry import Flow, automations, spec
from ...i18n import t

MAX_STEPS = max(spec(flow).max_steps for flow in automations())
DELAY_MIN = (1, 7 * 24 * 60)  # a minute to a week
FACTOR = (1, 10)  # back in stock: notices per unit restocked
EXPIRY_DAYS = (7, 365)  # back in stock: how long a request waits


class Checker:
    """Collects field errors in the merchant's language."""

    def __init__(self, lang: str):
        self.lang = lang
        self.errors: dict[str, str] = {}

    def fail(self, field: str, key: str, **values) -> None:
        self.errors.setdefault(field, t(f"admin.flows.err.{key}", self.lang, **values))

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
    if spec(flow).max_steps > 1:  # reminders in steps
        result["steps"] = _steps(body.get("steps", current["steps"]), check)
        result["min_total"] = check.amount("min_total", body.get("min_total", current["min_total"]), 0, 10_000_000)
        result["skip_if_ordered_within_h"] = check.integer(
            "skip_if_ordered_within_h",
            body.get("skip_if_ordered_within_h", current["skip_if_ordered_within_h"]),
            0,
            720,
        )
    elif flow == Flow.SHIPPING_UPDATE:
        statuses = body.get("statuses") if isinstance(body.get("statuses"), dict) else {}
        result["statuses"] = dict(result["statuses"])
        for status in spec(flow).parts:
            value = statuses.get(status, current["statuses"].get(status, True))
            if not isinstance(value, bool):
                check.fail(f"statuses.{status}", "bool")
            result["statuses"][status] = value
    elif flow == Flow.AFTER_DELIVERY:
        result["delay_days"] = check.integer("delay_days", body.get("delay_days", current["delay_days"]), 1, 90)
        url = str(body.get("review_url", current["review_url"]) or "").strip()
        parsed = urlparse(url)
        if url and (parsed.scheme != "https" or not parsed.netloc or len(url) > 1000 or " " in url):
            check.fail("review_url", "https")
        result["review_url"] = url
    elif flow == Flow.REPURCHASE:
        result["cycles"] = _cycles(body.get("cycles", current["cycles"]), check)
    elif flow == Flow.BACK_IN_STOCK:
        result["factor"] = check.integer("factor", body.get("factor", current["factor"]), *FACTOR)
        result["expiry_days"] = check.integer(
            "expiry_days", body.get("expiry_days", current["expiry_days"]), *EXPIRY_DAYS
        )
    elif flow == Flow.BROWSE_ABANDONMENT:
        result["delay_hours"] = check.integer("delay_hours", body.get("delay_hours", current["delay_hours"]), 1, 72)
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
