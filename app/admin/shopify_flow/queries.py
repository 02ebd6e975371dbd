"""What the Shopify Flow page shows: which of our triggers the shop's workflows use, the
trigger calls waiting or given up, the action's runs by outcome, and the ready-made recipes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from ...models import Shop, ShopifyFlowRun, ShopifyFlowTriggerCall
from ...shopify_flow import triggers

# The ready-made workflows, each a Shopify trigger (or ours), a condition and our action.
RECIPES = ("birthday_coupon", "vip_welcome", "win_back", "left_without_buying", "low_stock")


@dataclass(frozen=True)
class TriggerUse:
    handle: str
    enabled: bool
    pending: int
    failed: int
    sent_30d: int


def trigger_use(*, session: Session, shop: Shop, now: datetime) -> list[TriggerUse]:
    enabled = triggers.enabled_handles(session=session, shop_id=shop.id)
    counts: dict[tuple[str, str], int] = {}
    since = now - timedelta(days=30)
    calls = (
        select(ShopifyFlowTriggerCall.handle, ShopifyFlowTriggerCall.status, func.count())
        .where(ShopifyFlowTriggerCall.shop_id == shop.id, ShopifyFlowTriggerCall.created_at >= since)
        .group_by(ShopifyFlowTriggerCall.handle, ShopifyFlowTriggerCall.status)
    )
    for handle, status, n in session.execute(calls):
        counts[(handle, status)] = n
    return [
        TriggerUse(
            handle=h,
            enabled=h in enabled,
            pending=counts.get((h, "pending"), 0),
            failed=counts.get((h, "failed"), 0),
            sent_30d=counts.get((h, "sent"), 0),
        )
        for h in triggers.HANDLES
    ]


def action_outcomes(*, session: Session, shop: Shop, now: datetime) -> dict[str, int]:
    """Action runs of the last 30 days by outcome ("scheduled", "unlinked", …)."""
    rows = session.execute(
        select(ShopifyFlowRun.outcome, func.count())
        .where(ShopifyFlowRun.shop_id == shop.id, ShopifyFlowRun.created_at >= now - timedelta(days=30))
        .group_by(ShopifyFlowRun.outcome)
        .order_by(func.count().desc())
    )
    return {outcome: n for outcome, n in rows}
