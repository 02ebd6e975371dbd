"""What the Home page shows of the dashboard: headline figures, per-flow rows and charts,
in the merchant's language and money."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ...formatting import money
from ...i18n import t
from .. import charts
from ..labels import flow_name
from .dashboard import PERIODS, Figures, Usage


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    sub: str = ""
    tone: str = ""  # "good" | "bad" | ""


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def yen(value) -> str:
    return money(value, "JPY")


def tiles(f: Figures, lang: str) -> list[Tile]:
    def d(key: str, **values) -> str:
        return t(f"admin.home.dash.{key}", lang, **values)

    return [
        Tile(d("friends"), f"{f.friends:,}", d("friends_sub", follows=f"{f.follows:,}", blocks=f"{f.blocks:,}")),
        Tile(d("net"), f"{f.net:+,}", tone="good" if f.net > 0 else "bad" if f.net < 0 else ""),
        Tile(d("block_rate"), percent(f.block_rate), d("block_rate_sub", blocks=f"{f.blocks:,}")),
        Tile(
            d("linked"), f"{f.linked:,}", d("linked_sub", customers=f"{f.customers:,}", share=percent(f.linked_share))
        ),
        Tile(d("sent"), f"{f.sent:,}"),
        Tile(d("clicks"), f"{f.clicks:,}", d("ctr_sub", ctr=percent(f.ctr))),
        Tile(d("orders"), f"{f.orders:,}", d("orders_sub", revenue=yen(f.revenue))),
        Tile(d("recovered"), f"{f.recovered:,}", d("recovered_sub", revenue=yen(f.recovered_revenue))),
    ]


def _texts(lang: str, key: str, y_axis: str, **values) -> charts.Texts:
    return charts.Texts(
        title=t(f"admin.home.chart.{key}", lang),
        description=t(f"admin.home.chart.{key}_desc", lang, **values),
        x_axis=t("admin.home.chart.x", lang),
        y_axis=t(f"admin.home.chart.y.{y_axis}", lang),
        empty=t("admin.home.chart.empty", lang),
        table=t("admin.home.chart.table", lang),
        date=t("admin.home.chart.x", lang),
    )


def chart_set(f: Figures, lang: str) -> list[Markup]:
    labels = [d.strftime("%m/%d") for d in f.window.days]
    days = f.period
    sent = [charts.Series(flow_name(flow, lang), values) for flow, values in f.sent_by_day.items()]
    follows, blocks = f"{f.follows:,}", f"{f.blocks:,}"
    return [
        charts.stacked_bars(
            _texts(lang, "messages", "messages", days=days, total=f"{f.sent:,}"),
            labels,
            sent or [charts.Series(t("admin.home.dash.sent", lang), [0] * len(labels))],
        ),
        charts.stacked_bars(
            _texts(lang, "revenue", "revenue", days=days, total=yen(f.revenue)),
            labels,
            [charts.Series(t("admin.home.chart.revenue_series", lang), [int(v) for v in f.revenue_by_day])],
            fmt=yen,
        ),
        charts.lines(
            _texts(lang, "friends", "people", days=days, follows=follows, blocks=blocks),
            labels,
            [
                charts.Series(t("admin.home.chart.follows", lang), f.follows_by_day),
                charts.Series(t("admin.home.chart.blocks", lang), f.blocks_by_day),
            ],
        ),
    ]


def quota_lines(u: Usage, lang: str) -> dict:
    def q(key: str, **values) -> str:
        return t(f"admin.home.quota.{key}", lang, **values)

    used = (
        q("used", used=f"{u.used:,}", limit=f"{u.limit:,}")
        if u.limit is not None
        else q("unlimited", used=f"{u.used:,}")
    )
    extra = max(0, u.used - u.plan["included"])
    fee = yen(u.plan["monthly_fee"])
    return {
        "used": used,
        "share": min(100, round(100 * u.used / u.limit)) if u.limit else 0,
        "note": q(u.source),
        "cost": yen(u.cost),
        "cost_detail": q("cost_detail", fee=fee, extra=f"{extra:,}", per=yen(u.plan["extra_per_message"]))
        if u.plan["extra_per_message"]
        else q("cost_fixed", fee=fee, included=f"{u.plan['included']:,}"),
    }


def page(f: Figures, u: Usage, lang: str) -> dict:
    return {
        "figures": f,
        "usage": u,
        "periods": PERIODS,
        "tiles": tiles(f, lang),
        "charts": chart_set(f, lang),
        "quota": quota_lines(u, lang),
        "flow_name": lambda flow: flow_name(flow, lang),
        "percent": percent,
        "yen": yen,
        "range": t(
            "admin.home.dash.range",
            lang,
            start=f.window.days[0].strftime("%Y/%m/%d"),
            end=f.window.days[-1].strftime("%Y/%m/%d"),
            tz=f.window.tz,
        ),
    }
