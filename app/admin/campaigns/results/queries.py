"""The results page's figures as the merchant reads them: counts with separators, yen, rates
in percent, "< 20" where LINE withholds, and the holdout sentences with their intervals."""

from __future__ import annotations

from sqlmodel import Session, select

from ....campaigns.results import CampaignResults, VariantResult, as_json, campaign_results
from ....campaigns.uplift import Difference
from ....formatting import local_time, money
from ....i18n import t
from ....models import Campaign, CampaignMarketing, Shop
from ....shopify.marketing_activity import campaign_slug

LETTERS = "ABCDEFGH"


def owned(session: Session, shop: Shop, campaign_id: int) -> Campaign | None:
    campaign = session.get(Campaign, campaign_id)
    return campaign if campaign is not None and campaign.shop_id == shop.id else None


def _count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _line_figure(v: VariantResult, value: int | None, lang: str) -> str:
    """LINE's figure; "< 20" once LINE answered null; "–" before LINE was asked."""
    if value is not None:
        return f"{value:,}"
    return t("admin.campaigns.results.withheld", lang) if v.insight_known else "–"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _label(v: VariantResult, many: bool, lang: str) -> str:
    if v.variant < 0:
        return t("admin.campaigns.results.total", lang)
    if not many:
        return t("admin.campaigns.results.single", lang)
    return t("admin.campaigns.results.variant_name", lang, letter=LETTERS[v.variant % len(LETTERS)])


def variant_row(v: VariantResult, *, many: bool, currency: str, lang: str) -> dict:
    return {
        "label": _label(v, many, lang),
        "winner": v.winner,
        "recipients": _count(v.recipients),
        "messages": _count(v.messages),
        "opened": _line_figure(v, v.opened, lang),
        "clicked": _line_figure(v, v.clicked, lang),
        "tracked": _count(v.tracked_clicks),
        "ctr": _percent(v.ctr),
        "orders": _count(v.orders),
        "revenue": money(v.revenue, currency),
        "blocks": _count(v.blocks),
        "cost": money(v.cost_yen, "JPY"),
        "revenue_per_message": "–" if v.revenue_per_message is None else money(v.revenue_per_message, currency),
    }


def _signed_points(value: float) -> str:
    return f"{value * 100:+.1f}".replace("-", "−")


def _signed_money(value: float, currency: str) -> str:
    return ("+" if value >= 0 else "−") + money(abs(value), currency)


def _sentence(diff: Difference | None, key: str, fmt, lang: str) -> dict:
    if diff is None:
        return {"text": t("admin.campaigns.results.too_few", lang), "significant": None, "verdict": ""}
    verdict = "significant" if diff.significant else "not_significant"
    return {
        "text": t(key, lang, estimate=fmt(diff.estimate), low=fmt(diff.low), high=fmt(diff.high)),
        "significant": diff.significant,
        "verdict": t(f"admin.campaigns.results.{verdict}", lang),
    }


def holdout_view(found: CampaignResults, currency: str, lang: str) -> dict | None:
    h = found.holdout
    if h is None:
        return None
    groups = []
    for key, g in (("group_sent", h.sent), ("group_holdout", h.holdout)):
        groups.append(
            {
                "label": t(f"admin.campaigns.results.{key}", lang),
                "people": _count(g.people),
                "converted": _count(g.converted),
                "conversion": _percent(g.conversion),
                "revenue_per_person": "–" if g.revenue_per_person is None else money(g.revenue_per_person, currency),
            }
        )
    return {
        "groups": groups,
        "conversion": _sentence(h.conversion, "admin.campaigns.results.conversion_diff", _signed_points, lang),
        "revenue": _sentence(
            h.revenue_per_person,
            "admin.campaigns.results.revenue_diff",
            lambda value: _signed_money(value, currency),
            lang,
        ),
    }


def shopify_view(session: Session, campaign: Campaign, lang: str) -> dict:
    row = session.exec(select(CampaignMarketing).where(CampaignMarketing.campaign_id == campaign.id)).first()
    utm = f"utm_campaign={campaign_slug(campaign.id, campaign.name)}&utm_source=line&utm_medium=message"
    if row is not None and row.reported:
        return {"state": "reported", "text": t("admin.campaigns.results.shopify_reported", lang, utm=utm)}
    if row is not None and row.error:
        return {"state": "failed", "text": t("admin.campaigns.results.shopify_failed", lang, error=row.error[:200])}
    return {"state": "pending", "text": t("admin.campaigns.results.shopify_pending", lang, utm=utm)}


def page(*, session: Session, shop: Shop, campaign: Campaign, lang: str) -> dict:
    """Everything the page shows, computed once."""
    found = campaign_results(session=session, shop=shop, campaign=campaign)
    currency = shop.currency or "JPY"
    many = len(found.variants) > 1
    rows = [variant_row(v, many=many, currency=currency, lang=lang) for v in found.variants]
    return {
        "campaign": campaign,
        "status": t(f"admin.campaigns.results.state.{campaign.status}", lang),
        "started": local_time(campaign.started_at, shop.timezone),
        "finished": local_time(campaign.finished_at, shop.timezone),
        "scheduled": local_time(campaign.scheduled_at, shop.timezone),
        "rows": rows,
        "total": variant_row(found.total, many=many, currency=currency, lang=lang) if many else None,
        "insight_at": local_time(found.insight_at, shop.timezone) if found.insight_at else None,
        "window_days": found.window_days,
        "holdout": holdout_view(found, currency, lang),
        "shopify": shopify_view(session, campaign, lang) if campaign.started_at else None,
        "json": as_json(found),
    }
