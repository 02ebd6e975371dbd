"""What messages cost at the shop's LINE plan (LINE公式アカウント, Japan, from June 2023).

Plans, per month before tax: コミュニケーション (free) 200 messages, no more can be sent;
ライト ¥5,000 for 5,000, no more; スタンダード ¥15,000 for 30,000, then additional messages
at a falling rate per message (¥3 up to 50,000 in the month, ¥2.8 up to 100,000). Sources:
https://www.lycbiz.com/jp/service/line-official-account/plan/ (LINEヤフー for Business, the
plan page), as summarised on https://mico-inc.com/blog/line-official-account-price and
https://kinz0.com/?p=1790. Past 100,000 LINE's table keeps falling; we charge ¥2.8 there,
so the forecast is a ceiling, never an underestimate. A message is one per recipient,
however many message objects (up to 5) a request carries; replies are free.

The shop's plan is a setting (`shop.settings["line_plan"]`: free, light or standard).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    name: str
    monthly_yen: int
    included: int
    extra_allowed: bool


PLANS = {
    "free": Plan("free", 0, 200, False),
    "light": Plan("light", 5_000, 5_000, False),
    "standard": Plan("standard", 15_000, 30_000, True),
}
DEFAULT_PLAN = "free"
# (messages in the month up to, yen per additional message); the last rate holds beyond.
EXTRA_TIERS = ((50_000, 3.0), (100_000, 2.8))


def plan_of(shop) -> Plan:
    return PLANS.get(str((shop.settings or {}).get("line_plan") or DEFAULT_PLAN), PLANS[DEFAULT_PLAN])


def _extra_cost(total: int) -> float:
    """Yen for additional messages when `total` were sent this month on the standard plan."""
    cost, floor = 0.0, PLANS["standard"].included
    for ceiling, rate in EXTRA_TIERS:
        if total > floor:
            cost += (min(total, ceiling) - floor) * rate
        floor = ceiling
    if total > floor:
        cost += (total - floor) * EXTRA_TIERS[-1][1]
    return cost


def cost_yen(plan: Plan, *, used: int, messages: int) -> int:
    """What sending `messages` more adds to this month's bill (the monthly fee is paid anyway).
    Free and light plans cannot send past their allowance: that is the quota's refusal."""
    if not plan.extra_allowed:
        return 0
    return round(_extra_cost(used + messages) - _extra_cost(used))


def allowance_left(plan: Plan, *, used: int) -> int | None:
    """Messages this plan can still send this month (None: standard, paid per message)."""
    return None if plan.extra_allowed else max(0, plan.included - used)
