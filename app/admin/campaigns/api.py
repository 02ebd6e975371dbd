"""Campaigns (配信) as JSON (session token, scoped to its shop): drafts, the forecast,
confirm-and-send (now or scheduled), cancel, pause, resume and progress. The pages come later;
the composer posts LINE message objects as they are.

Routes are thin: the checks, the forecast and the state changes live in app/campaigns. The
forecast reads LINE's quota before any write (no HTTP call inside a write transaction).
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from sqlmodel import select

from ... import db
from ...campaigns import control
from ...campaigns import forecast as forecasting
from ...campaigns.audience import AudienceGone
from ...formatting import local_time
from ...i18n import has, language, t
from ...models import Campaign, Shop
from ...shopify.auth import embedded
from ...timeutil import utcnow
from ..http import invalid, read_json

bp = Blueprint("campaigns_api", __name__, url_prefix="/api")
LIST_LIMIT = 100


def _owned(session, shop: Shop, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.shop_id != shop.id:
        abort(404)
    return campaign


def _errors(found: control.Errors, lang: str) -> dict[str, str]:
    return {field: t(key, lang, **values) for field, (key, values) in found.items()}


def describe(campaign: Campaign, shop: Shop, lang: str) -> dict:
    reason_key = f"campaigns.reason.{campaign.reason}" if campaign.reason else ""
    return {
        "id": campaign.id,
        "name": campaign.name,
        "status": campaign.status,
        "audience": campaign.audience,
        "messages": campaign.messages,
        "scheduled_at": campaign.scheduled_at.isoformat() if campaign.scheduled_at else None,
        "scheduled_local": local_time(campaign.scheduled_at, shop.timezone),
        "exempt_from_cap": campaign.exempt_from_cap,
        "transport": campaign.transport,
        "recipients": campaign.recipients,
        "excluded": campaign.excluded,
        "chunks_total": campaign.chunks_total,
        "chunks_done": campaign.chunks_done,
        "sent": campaign.sent_count,
        "reason": campaign.reason,
        "reason_text": t(reason_key, lang) if reason_key and has(reason_key) else "",
        "forecast": campaign.forecast,
        "variants": campaign.variants,
        "test_share": campaign.test_share,
        "holdout_share": campaign.holdout_share,
        "winner_metric": campaign.winner_metric,
        "winner_after_hours": campaign.winner_after_hours,
        "winner": campaign.winner,
    }


@bp.get("/campaigns")
@embedded
def campaigns_list(shop: Shop):
    session, lang = db.session(), language(shop=shop)
    rows = session.exec(
        select(Campaign).where(Campaign.shop_id == shop.id).order_by(Campaign.id.desc()).limit(LIST_LIMIT)
    )
    return jsonify(campaigns=[describe(c, shop, lang) for c in rows])


@bp.post("/campaigns")
@embedded
def campaign_create(shop: Shop):
    body, lang = read_json(), language(shop=shop)
    session = db.session(write=True)
    values, found = control.check_draft(body, session=session, shop=shop, now=utcnow())
    if found:
        return invalid(_errors(found, lang))
    campaign = control.create(session=session, shop=shop, values=values)
    session.commit()
    return jsonify(ok=True, errors={}, message="", campaign=describe(campaign, shop, lang)), 201


@bp.get("/campaigns/<int:campaign_id>")
@embedded
def campaign_get(shop: Shop, campaign_id: int):
    return jsonify(campaign=describe(_owned(db.session(), shop, campaign_id), shop, language(shop=shop)))


@bp.put("/campaigns/<int:campaign_id>")
@embedded
def campaign_update(shop: Shop, campaign_id: int):
    body, lang = read_json(), language(shop=shop)
    session = db.session(write=True)
    campaign = _owned(session, shop, campaign_id)
    values, found = control.check_draft(body, session=session, shop=shop, now=utcnow())
    if found:
        return invalid(_errors(found, lang))
    if not control.update_draft(session=session, campaign=campaign, values=values):
        return invalid({}, status=409, message=t("campaigns.refused.state", lang, status=campaign.status))
    session.commit()
    return jsonify(ok=True, errors={}, message="", campaign=describe(campaign, shop, lang))


def _forecast(shop: Shop, campaign_id: int, lang: str) -> tuple[Campaign, forecasting.Forecast]:
    session = db.session()  # a read: LINE's quota is asked with no write transaction open
    campaign = _owned(session, shop, campaign_id)
    quota = forecasting.read_quota(session=session, shop=shop)
    try:
        fresh = forecasting.forecast(
            session=session, shop=shop, campaign=campaign, now=utcnow(), quota=quota, lang=lang
        )
    except AudienceGone:
        session.rollback()
        abort(invalid({"audience": t("campaigns.reason.segment_gone", lang)}))
    session.rollback()  # end the read before any write
    return campaign, fresh


@bp.post("/campaigns/<int:campaign_id>/forecast")
@embedded
def campaign_forecast(shop: Shop, campaign_id: int):
    _campaign, fresh = _forecast(shop, campaign_id, language(shop=shop))
    return jsonify(forecast=fresh.to_dict(), confirm=fresh.confirmation())


def _confirm(shop: Shop, campaign_id: int, *, need_time: bool):
    body, lang = read_json(), language(shop=shop)
    _owned(db.session(), shop, campaign_id)  # another shop's id is 404 before any field is judged
    seen = body.get("confirm")
    when, errors = None, {}
    if not isinstance(seen, dict):
        errors["confirm"] = t("admin.campaigns.err.confirm", lang)
    if body.get("scheduled_at") not in (None, "") or need_time:
        try:
            when = control.parse_local(body.get("scheduled_at"), shop)
        except (ValueError, TypeError, OverflowError):
            errors["scheduled_at"] = t("campaigns.err.time", lang)
        else:
            if when <= utcnow():
                errors["scheduled_at"] = t("campaigns.err.time_past", lang)
    if errors:
        return invalid(errors)
    campaign, fresh = _forecast(shop, campaign_id, lang)
    session = db.session(write=True)
    stored = _owned(session, shop, campaign_id)
    refused = control.confirm(session=session, campaign=stored, seen=seen, fresh=fresh, when=when, now=utcnow())
    if refused:
        session.rollback()
        return invalid({}, status=409, message=t(refused.reason, lang, **refused.values), forecast=fresh.to_dict())
    session.commit()
    session.refresh(stored)
    return jsonify(ok=True, errors={}, message="", campaign=describe(stored, shop, lang))


@bp.post("/campaigns/<int:campaign_id>/send")
@embedded
def campaign_send(shop: Shop, campaign_id: int):
    """Confirm the forecast's figures (echoed back) and send now, or at `scheduled_at`."""
    return _confirm(shop, campaign_id, need_time=False)


@bp.post("/campaigns/<int:campaign_id>/schedule")
@embedded
def campaign_schedule(shop: Shop, campaign_id: int):
    """The same confirmation with a time (the shop's local time) that must be given."""
    return _confirm(shop, campaign_id, need_time=True)


def _transition(shop: Shop, campaign_id: int, action: str):
    lang = language(shop=shop)
    session = db.session(write=True)
    campaign = _owned(session, shop, campaign_id)
    if not control.transition(session=session, campaign=campaign, action=action):
        session.rollback()
        return invalid({}, status=409, message=t("campaigns.refused.state", lang, status=campaign.status))
    session.commit()
    session.refresh(campaign)
    return jsonify(ok=True, errors={}, message="", campaign=describe(campaign, shop, lang))


@bp.post("/campaigns/<int:campaign_id>/cancel")
@embedded
def campaign_cancel(shop: Shop, campaign_id: int):
    return _transition(shop, campaign_id, "cancel")


@bp.post("/campaigns/<int:campaign_id>/pause")
@embedded
def campaign_pause(shop: Shop, campaign_id: int):
    return _transition(shop, campaign_id, "pause")


@bp.post("/campaigns/<int:campaign_id>/resume")
@embedded
def campaign_resume(shop: Shop, campaign_id: int):
    return _transition(shop, campaign_id, "resume")


@bp.get("/campaigns/<int:campaign_id>/progress")
@embedded
def campaign_progress(shop: Shop, campaign_id: int):
    session = db.session()
    return jsonify(progress=control.progress(session=session, campaign=_owned(session, shop, campaign_id)))
