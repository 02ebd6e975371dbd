"""What the merchant does with a campaign: write a draft, confirm the forecast and send (now
or at a time), cancel, pause, resume; and how far it has got.

Every input is checked with a reason per field (catalog keys under `campaigns.err.`), and a
state change is one conditional UPDATE, so two clicks or a worker racing a click cannot both
win. Confirming compares the figures the merchant saw with a fresh forecast and refuses
when they changed, or when the campaign would not fit the month's quota.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session

from ..audiences import service as audiences
from ..formatting import zone
from ..models import Campaign, CampaignChunk, Shop
from ..models import CampaignStatus as CS
from ..models import ChunkStatus as KS
from ..timeutil import as_utc, utcnow
from . import audience, content, variants
from .forecast import Forecast

MAX_NAME = 255
MAX_LISTED = 10_000  # an explicit list of friends; segments come from the audience service
Errors = dict[str, tuple[str, dict]]  # field -> (catalog key, values)


def parse_local(value, shop: Shop) -> datetime | None:
    """An ISO time in the shop's zone (an offset, if given, wins) as aware UTC."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(shop.timezone))
    return as_utc(parsed)


def _own_segment(value, *, session: Session, shop: Shop) -> int | None:
    """A saved segment of this shop, by id (another shop's, or none, is None)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    found = audiences.segment_of(session=session, shop=shop, segment_id=value)
    return found.id if found is not None else None


def _audience(found, *, session: Session, shop: Shop) -> dict | None:
    """The audience as stored: everyone, listed friend ids, or one of the shop's own saved
    segments (each read once); None when it is none of these."""
    kind = found.get("kind") if isinstance(found, dict) else None
    if kind == audience.EVERYONE:
        return {"kind": audience.EVERYONE}
    if kind == audience.LISTED:
        ids = _friend_ids(found.get("ids"))
        return None if ids is None else {"kind": audience.LISTED, "ids": ids}
    if kind == audience.SEGMENT:
        segment_id = _own_segment(found.get("segment_id"), session=session, shop=shop)
        return None if segment_id is None else {"kind": audience.SEGMENT, "segment_id": segment_id}
    return None


def check_draft(body: dict, *, session: Session, shop: Shop, now: datetime) -> tuple[dict, Errors]:
    """The draft's fields from a request body, and what is wrong with them."""
    errors: Errors = {}
    values: dict = {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ("campaigns.err.name", {})
    elif len(name) > MAX_NAME:
        errors["name"] = ("campaigns.err.too_long", {"n": MAX_NAME})
    else:
        values["name"] = name.strip()
    tested, test_errors = variants.check(body)
    errors.update(test_errors)
    values.update(tested)
    messages = body.get("messages")
    if tested["variants"] and not messages:  # a test's first variant stands for the campaign
        messages = tested["variants"][0]["messages"]
    else:
        errors.update(content.errors(messages))
    values["messages"] = messages
    chosen = _audience(body.get("audience", {"kind": audience.EVERYONE}), session=session, shop=shop)
    if chosen is None:
        errors["audience"] = ("campaigns.err.audience", {"n": f"{MAX_LISTED:,}"})
    else:
        values["audience"] = chosen
    if body.get("scheduled_at") not in (None, ""):
        try:
            when = parse_local(body["scheduled_at"], shop)
        except (ValueError, TypeError, OverflowError):
            errors["scheduled_at"] = ("campaigns.err.time", {})
        else:
            if when <= now:
                errors["scheduled_at"] = ("campaigns.err.time_past", {})
            values["scheduled_at"] = when
    else:
        values["scheduled_at"] = None
    values["exempt_from_cap"] = bool(body.get("exempt_from_cap", False))
    return values, errors


def _friend_ids(ids) -> list[int] | None:
    if not isinstance(ids, list) or not ids or len(ids) > MAX_LISTED:
        return None
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids):
        return None
    return sorted(set(ids))


def create(*, session: Session, shop: Shop, values: dict) -> Campaign:
    campaign = Campaign(shop_id=shop.id, **values)
    session.add(campaign)
    session.flush()
    return campaign


def update_draft(*, session: Session, campaign: Campaign, values: dict) -> bool:
    if campaign.status not in CS.EDITABLE:
        return False
    for key, value in values.items():
        setattr(campaign, key, value)
    campaign.forecast = {}
    session.add(campaign)
    return True


@dataclass(frozen=True)
class Refusal:
    reason: str  # catalog key under campaigns.refused.
    values: dict


def confirm(
    *,
    session: Session,
    campaign: Campaign,
    seen: dict,
    fresh: Forecast,
    when: datetime | None,
    now: datetime,
) -> Refusal | None:
    """Schedule the campaign (now, or `when`) if the merchant saw today's figures and it fits."""
    if campaign.status not in CS.EDITABLE:
        return Refusal("campaigns.refused.state", {"status": campaign.status})
    expected = fresh.confirmation()
    if any(_number(seen.get(k)) != v for k, v in expected.items()):
        return Refusal("campaigns.refused.changed", expected)
    if not fresh.fits:
        return Refusal("campaigns.refused.quota", {"room": f"{fresh.could_reach:,}", "n": f"{fresh.messages:,}"})
    if fresh.recipients == 0:
        return Refusal("campaigns.refused.nobody", {})
    start = when or campaign.scheduled_at or now
    changed = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.status == CS.DRAFT)
        .values(
            status=CS.SCHEDULED,
            scheduled_at=max(start, now),
            forecast=fresh.to_dict(),
            transport=fresh.transport,
            reason=None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return None if changed else Refusal("campaigns.refused.state", {"status": campaign.status})


def _number(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


TRANSITIONS = {
    "cancel": ((CS.DRAFT, CS.SCHEDULED, CS.PLANNING, CS.SENDING, CS.PAUSED, CS.TESTING), CS.CANCELLED),
    "pause": ((CS.SENDING,), CS.PAUSED),
    "resume": ((CS.PAUSED,), CS.SENDING),
}


def transition(*, session: Session, campaign: Campaign, action: str) -> bool:
    """Cancel, pause or resume; False when the campaign is not in a state that allows it.
    Cancelling a started campaign stops the chunks not yet sent (those in flight finish)."""
    allowed, target = TRANSITIONS[action]
    values = {"status": target, "updated_at": utcnow()}
    if action == "cancel":
        values.update(reason="cancelled_by_merchant", finished_at=utcnow())
    if action == "resume":
        values["reason"] = None
    changed = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.status.in_(allowed))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed and action == "cancel":
        session.execute(
            update(CampaignChunk)
            .where(CampaignChunk.campaign_id == campaign.id, CampaignChunk.status == KS.PENDING)
            .values(status=KS.CANCELLED)
        )
    return bool(changed)


def progress(*, session: Session, campaign: Campaign) -> dict:
    """Chunks done of the total, recipients reached, and the chunks by status."""
    rows = session.execute(
        select(CampaignChunk.status, func.count(), func.sum(CampaignChunk.skipped))
        .where(CampaignChunk.campaign_id == campaign.id)
        .group_by(CampaignChunk.status)
    ).all()
    by_status = {status: count for status, count, _skipped in rows}
    total = campaign.chunks_total
    return {
        "status": campaign.status,
        "chunks_total": total,
        "chunks_done": campaign.chunks_done,
        "percent": round(100 * campaign.chunks_done / total, 1)
        if total
        else (100.0 if campaign.status == CS.DONE else 0.0),
        "recipients": campaign.recipients,
        "sent": campaign.sent_count,
        # left out when sent: blocked or opted out since the recipients were fixed
        "skipped": sum(int(skipped or 0) for _status, _count, skipped in rows),
        "chunks": {k: int(v) for k, v in by_status.items()},
        "reason": campaign.reason,
    }
