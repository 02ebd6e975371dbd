"""Campaign pages (配信): the list with each campaign's state and progress, the composer
(message blocks with a live LINE preview and a test send), and the forecast the merchant
confirms before sending, now or at a time in the shop's zone."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from sqlmodel import select

from ... import db
from ...campaigns import compose
from ...ext import settings
from ...i18n import language
from ...models import Campaign, Segment, Shop
from ...models import CampaignStatus as CS
from ...shopify.auth import embedded
from ..blocks import editor_data
from ..pages import render

bp = Blueprint("campaigns", __name__)
LIST_LIMIT = 100
ACTIVE = "admin.campaigns.page"


def _segments(session, shop: Shop) -> dict[int, str]:
    rows = session.exec(select(Segment.id, Segment.name).where(Segment.shop_id == shop.id).order_by(Segment.name))
    return dict(rows.all())


def _owned(session, shop: Shop, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.shop_id != shop.id:
        abort(404)
    return campaign


def _row(campaign: Campaign, segments: dict[int, str]) -> dict:
    audience = campaign.audience or {}
    return {
        "id": campaign.id,
        "name": campaign.name,
        "status": campaign.status,
        "audience_kind": audience.get("kind", "all"),
        "segment": segments.get(audience.get("segment_id")),
        "listed": len(audience.get("ids") or []),
        "when": campaign.finished_at or campaign.started_at or campaign.scheduled_at,
        "recipients": campaign.recipients or (campaign.forecast or {}).get("recipients"),
        "percent": round(100 * campaign.chunks_done / campaign.chunks_total) if campaign.chunks_total else 0,
        "editable": campaign.status in CS.EDITABLE,
    }


def _blocks_of(campaign: Campaign) -> list[dict]:
    """The composer's blocks; a draft posted as LINE objects offers its texts to edit."""
    if campaign.blocks:
        return campaign.blocks
    return [{"type": "text", "text": m.get("text", "")} for m in campaign.messages if m.get("type") == "text"]


@bp.get("/campaigns", endpoint="page")
@embedded
def campaigns_page(shop: Shop):
    session = db.session()
    segments = _segments(session, shop)
    rows = session.exec(
        select(Campaign).where(Campaign.shop_id == shop.id).order_by(Campaign.id.desc()).limit(LIST_LIMIT)
    )
    listed = [_row(c, segments) for c in rows]
    return render(shop, "admin/campaigns/list.html", area="campaigns", active=ACTIVE, rows=listed)


@bp.get("/campaigns/new", endpoint="new")
@bp.get("/campaigns/<int:campaign_id>", endpoint="edit")
@embedded
def composer_page(shop: Shop, campaign_id: int | None = None):
    session = db.session()
    campaign = _owned(session, shop, campaign_id) if campaign_id is not None else None
    if campaign is not None and campaign.status not in CS.EDITABLE:
        return redirect(url_for("admin.campaigns.page"))
    blocks = _blocks_of(campaign) if campaign else []
    data = {
        "campaign": None
        if campaign is None
        else {
            "id": campaign.id,
            "name": campaign.name,
            "audience": campaign.audience,
            "blocks": blocks,
            "exempt_from_cap": campaign.exempt_from_cap,
        },
        "segments": [{"id": k, "name": v} for k, v in _segments(session, shop).items()],
        **editor_data(session=session, shop=shop, block_lists=[blocks]),
    }
    return render(
        shop,
        "admin/campaigns/composer.html",
        area="campaigns",
        active=ACTIVE,
        components=("blocks",),
        data=data,
        campaign=campaign,
    )


@bp.get("/campaigns/<int:campaign_id>/forecast", endpoint="forecast")
@embedded
def forecast_page(shop: Shop, campaign_id: int):
    campaign = _owned(db.session(), shop, campaign_id)
    if campaign.status not in CS.EDITABLE:
        return redirect(url_for("admin.campaigns.page"))
    return render(
        shop,
        "admin/campaigns/forecast.html",
        area="campaigns",
        active=ACTIVE,
        campaign=campaign,
        data={
            "id": campaign.id,
            "messages": compose.sample(campaign.messages, language(shop=shop)),
            "app_url": settings().app_url,
            "timezone": shop.timezone or "Asia/Tokyo",
        },
    )
