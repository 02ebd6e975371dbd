"""Asked by the worker right before sending: has the reason for this message gone away?

Webhooks arrive late and out of order, so a flow's own cancellation may not have run yet
when a reminder falls due (the order is still in the webhook queue, say). A flow whose
reason can go away names its re-check in the registry (`FlowSpec.recheck`, e.g.
`abandoned.recheck`); the checks read the same tables the flows write, so the answer is
right either way.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..models import Notification, Shop
from .registry import spec


def reason(*, session: Session, row: Notification, shop: Shop, now: datetime) -> str | None:
    return spec(row.flow).moot(session=session, row=row, shop=shop, now=now)
