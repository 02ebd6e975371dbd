"""Campaigns as Shopify marketing activities, so they appear in Shopify's own marketing
reports (Marketing → campaigns, sessions and sales by UTM).

When a campaign starts sending it is created as an external activity
(`marketingActivityCreateExternal`, ACTIVE) with the campaign's UTM (campaign: its slug,
source "line", medium "message"); when it is over (done, cancelled, failed after starting)
it is updated to INACTIVE with its end (`marketingActivityUpdateExternal`, by remote id).
Needs the `write_marketing_events` scope.

The worker reconciles: a campaign whose reported status differs from what it should be is
reported; Shopify is called with no transaction open, the outcome written after. A failure
waits (backing off) and is tried again, up to `MAX_ATTEMPTS`; a shop without the scope (not
re-authorised yet) fails like any other and is named in `error`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..db import session_scope
from ..ext import settings
from ..models import Campaign, CampaignMarketing, Shop
from ..models import CampaignStatus as CS
from .client import ShopifyError, for_shop

log = logging.getLogger("tsunagu.shopify.marketing")
ACTIVE, INACTIVE = "ACTIVE", "INACTIVE"
MAX_ATTEMPTS = 8
PER_RUN = 20
UTM_SOURCE, UTM_MEDIUM = "line", "message"
# Still going: "testing" is an A/B test's campaign waiting for its winner to go to the rest.
SENDING_STATES = (CS.PLANNING, CS.SENDING, CS.PAUSED, "testing")
# A create whose answer was lost and is sent again finds its own activity: already reported.
REMOTE_ID_TAKEN = "MARKETING_ACTIVITY_WITH_REMOTE_ID_ALREADY_EXISTS"

CREATE = """
mutation TsunaguMarketingActivityCreate($input: MarketingActivityCreateExternalInput!) {
  marketingActivityCreateExternal(input: $input) {
    marketingActivity { id }
    userErrors { field message code }
  }
}
"""

UPDATE = """
mutation TsunaguMarketingActivityUpdate($remoteId: String!, $input: MarketingActivityUpdateExternalInput!) {
  marketingActivityUpdateExternal(remoteId: $remoteId, input: $input) {
    marketingActivity { id }
    userErrors { field message code }
  }
}
"""


def campaign_slug(campaign_id: int, name: str) -> str:
    """utm_campaign of a campaign: the ASCII words of its name, kebab-cased, and its id (a
    name without an ASCII word, as most Japanese ones: "campaign-12"); the id keeps two
    same-named campaigns apart (Shopify refuses a UTM campaign used twice)."""
    ascii_name = unicodedata.normalize("NFKC", name or "").encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:40].strip("-")
    if not re.search(r"[a-z]{2}", words):  # "A/B" or "10%" alone say nothing
        words = "campaign"
    return f"{words}-{campaign_id}"


def remote_id(campaign: Campaign) -> str:
    return f"tsunagu-campaign-{campaign.uid}"


def wanted_status(campaign: Campaign) -> str | None:
    """What Shopify should show: nothing before sending starts, ACTIVE while it sends,
    INACTIVE once it is over."""
    if campaign.started_at is None:
        return None
    return ACTIVE if campaign.status in SENDING_STATES else INACTIVE


@dataclass
class Report:
    campaign_id: int
    shop_id: int
    status: str
    create: bool  # never reported: create it (else update it)
    variables: dict


def _iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None


def build(campaign: Campaign, status: str, *, create: bool) -> dict:
    """The mutation's variables for this campaign and status."""
    utm = {"campaign": campaign_slug(campaign.id, campaign.name), "source": UTM_SOURCE, "medium": UTM_MEDIUM}
    base = {"title": campaign.name[:255], "status": status, "start": _iso(campaign.started_at)}
    if status == INACTIVE:
        base["end"] = _iso(campaign.finished_at or campaign.updated_at)
    if not create:
        return {"remoteId": remote_id(campaign), "input": base}
    url = f"{settings().app_url}/campaigns/{campaign.id}/results"
    extra = {"remoteId": remote_id(campaign), "remoteUrl": url, "utm": utm, "referringDomain": "line.me"}
    return {"input": {**base, **extra, "tactic": "MESSAGE", "marketingChannelType": "SOCIAL"}}


def _due(s: Session, now: datetime) -> list[Report]:
    rows = s.execute(
        select(Campaign, CampaignMarketing)
        .outerjoin(CampaignMarketing, CampaignMarketing.campaign_id == Campaign.id)
        .where(
            Campaign.started_at.is_not(None),
            or_(  # behind: never reported, or reported as what it no longer is
                CampaignMarketing.reported.is_(None),
                and_(CampaignMarketing.reported == ACTIVE, Campaign.status.not_in(SENDING_STATES)),
                and_(CampaignMarketing.reported == INACTIVE, Campaign.status.in_(SENDING_STATES)),
            ),
            or_(CampaignMarketing.id.is_(None), CampaignMarketing.attempts < MAX_ATTEMPTS),
            or_(CampaignMarketing.next_at.is_(None), CampaignMarketing.next_at <= now),
        )
        .order_by(Campaign.id)
    ).all()
    due = []
    for campaign, marketing in rows:
        status = wanted_status(campaign)
        if status is None or (marketing is not None and marketing.reported == status):
            continue
        create = marketing is None or marketing.activity_id is None
        due.append(Report(campaign.id, campaign.shop_id, status, create, build(campaign, status, create=create)))
        if len(due) >= PER_RUN:
            break
    return due


def _send(shop: Shop, report: Report) -> str:
    """Call Shopify; the activity's id, or raise ShopifyError (user errors included)."""
    client = for_shop(shop)
    name = "marketingActivityCreateExternal" if report.create else "marketingActivityUpdateExternal"
    data = client.query(CREATE if report.create else UPDATE, report.variables).get(name) or {}
    problems = data.get("userErrors") or []
    if report.create and problems and all(p.get("code") == REMOTE_ID_TAKEN for p in problems):
        return ""
    if problems:
        raise ShopifyError("; ".join(str(p.get("message")) for p in problems), code="user_errors", errors=problems)
    return ((data.get("marketingActivity") or {}).get("id")) or ""


def report_due(*, engine: Engine, now: datetime) -> dict[str, int]:
    """Report every campaign whose Shopify activity is behind; retry failures later."""
    with Session(engine) as s:
        due = _due(s, now)
        shops = {r.shop_id: s.get(Shop, r.shop_id) for r in due}
        s.expunge_all()
    counts = {"reported": 0, "failed": 0}
    for report in due:
        try:
            activity, error = _send(shops[report.shop_id], report), None
        except Exception as exc:  # isolate: one shop's failure never stops the others
            activity, error = None, f"{type(exc).__name__}: {exc}"[:1000]
            log.warning("marketing activity failed campaign=%s error=%s", report.campaign_id, error)
        _record(engine, report, activity, error, now)
        counts["failed" if error else "reported"] += 1
    return {k: v for k, v in counts.items() if v}


def _record(engine: Engine, report: Report, activity: str | None, error: str | None, now: datetime) -> None:
    with session_scope(engine) as s:
        row = s.execute(
            select(CampaignMarketing).where(CampaignMarketing.campaign_id == report.campaign_id)
        ).scalar_one_or_none() or CampaignMarketing(shop_id=report.shop_id, campaign_id=report.campaign_id)
        if error is None:
            row.reported, row.attempts, row.next_at, row.error = report.status, 0, None, None
            row.activity_id = activity or row.activity_id
        else:
            row.attempts += 1
            row.error = error
            row.next_at = now + timedelta(minutes=min(2**row.attempts, 360))
        s.add(row)
