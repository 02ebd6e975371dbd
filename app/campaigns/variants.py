"""The A/B test and holdout settings of a draft, checked with a reason per field.

2-4 variants, each a name and its own one to five messages (checked like the campaign's);
the test share a whole percent from 1 to 100 (100: every recipient is in the test, no winner
phase); the holdout 0-50 %; together at most 100 %; the winner by clicks or revenue per
recipient, after 1 to 720 hours.
"""

from __future__ import annotations

from . import content

MIN_VARIANTS, MAX_VARIANTS = 2, 4
MAX_NAME = 100
MAX_HOLDOUT = 50
MIN_HOURS, MAX_HOURS = 1, 720
METRICS = ("clicks", "revenue")
DEFAULTS = {"variants": [], "test_share": 100, "holdout_share": 0, "winner_metric": "clicks", "winner_after_hours": 24}
Errors = dict[str, tuple[str, dict]]


def _whole(value, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def _variants(value) -> tuple[list, Errors]:
    if value in (None, []):
        return [], {}
    if not isinstance(value, list) or not MIN_VARIANTS <= len(value) <= MAX_VARIANTS:
        return [], {"variants": ("campaigns.err.variants", {"low": MIN_VARIANTS, "high": MAX_VARIANTS})}
    kept, errors = [], {}
    for i, variant in enumerate(value):
        variant = variant if isinstance(variant, dict) else {}
        name = variant.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            errors[f"variants[{i}].name"] = ("campaigns.err.variant_name", {"n": MAX_NAME})
        for field, reason in content.errors(variant.get("messages")).items():
            errors[f"variants[{i}].{field}"] = reason
        kept.append({"name": name.strip() if isinstance(name, str) else "", "messages": variant.get("messages")})
    return kept, errors


def check(body: dict) -> tuple[dict, Errors]:
    """The test's fields from a request body (defaults where absent), and what is wrong."""
    given = {key: body.get(key, default) for key, default in DEFAULTS.items()}
    values, errors = {}, {}
    values["variants"], errors = _variants(given["variants"])
    checks = (
        ("test_share", 1, 100, ("campaigns.err.test_share", {})),
        ("holdout_share", 0, MAX_HOLDOUT, ("campaigns.err.holdout_share", {"n": MAX_HOLDOUT})),
        ("winner_after_hours", MIN_HOURS, MAX_HOURS, ("campaigns.err.winner_after_hours", _hours())),
    )
    for key, low, high, reason in checks:
        values[key] = _whole(given[key], low, high)
        if values[key] is None:
            errors[key] = reason
    if given["winner_metric"] in METRICS:
        values["winner_metric"] = given["winner_metric"]
    else:
        errors["winner_metric"] = ("campaigns.err.winner_metric", {})
    tested, held = values["test_share"], values["holdout_share"]
    if values["variants"] and tested is not None and held is not None and tested < 100 and tested + held > 100:
        errors["test_share"] = ("campaigns.err.shares_sum", {})
    return values, errors


def _hours() -> dict:
    return {"low": MIN_HOURS, "high": MAX_HOURS}
