"""What the Home page shows of the dashboard: headline figures, per-flow rows and charts,
in the merchant's language and money."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from ..formatting import money
from . import charts
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


def tiles(f: Figures, t: Callable) -> list[Tile]:
    return [
        Tile(
            t("dash.friends"), f"{f.friends:,}", t("dash.friends.sub", follows=f"{f.follows:,}", blocks=f"{f.blocks:,}")
        ),
        Tile(t("dash.net"), f"{f.net:+,}", tone="good" if f.net > 0 else "bad" if f.net < 0 else ""),
        Tile(t("dash.block_rate"), percent(f.block_rate), t("dash.block_rate.sub", blocks=f"{f.blocks:,}")),
        Tile(
            t("dash.linked"),
            f"{f.linked:,}",
            t("dash.linked.sub", customers=f"{f.customers:,}", share=percent(f.linked_share)),
        ),
        Tile(t("dash.sent"), f"{f.sent:,}"),
        Tile(t("dash.clicks"), f"{f.clicks:,}", t("dash.ctr.sub", ctr=percent(f.ctr))),
        Tile(t("dash.orders"), f"{f.orders:,}", t("dash.orders.sub", revenue=yen(f.revenue))),
        Tile(t("dash.recovered"), f"{f.recovered:,}", t("dash.recovered.sub", revenue=yen(f.recovered_revenue))),
    ]


def flow_name(flow: str, t: Callable) -> str:
    return t("dash.flow.other") if flow == "other" else t(f"flow.{flow}")


def _texts(t: Callable, key: str, y: str, **values) -> charts.Texts:
    return charts.Texts(
        title=t(f"chart.{key}"),
        description=t(f"chart.{key}.desc", **values),
        x_axis=t("chart.x"),
        y_axis=t(y),
        empty=t("chart.empty"),
        table=t("chart.table"),
        date=t("chart.x"),
    )


def chart_set(f: Figures, t: Callable) -> list[Markup]:
    labels = [d.strftime("%m/%d") for d in f.window.days]
    days = f.period
    sent = [charts.Series(flow_name(flow, t), values) for flow, values in f.sent_by_day.items()]
    return [
        charts.stacked_bars(
            _texts(t, "messages", "chart.y.messages", days=days, total=f"{f.sent:,}"),
            labels,
            sent or [charts.Series(t("dash.sent"), [0] * len(labels))],
        ),
        charts.stacked_bars(
            _texts(t, "revenue", "chart.y.revenue", days=days, total=yen(f.revenue)),
            labels,
            [charts.Series(t("chart.revenue.series"), [int(v) for v in f.revenue_by_day])],
            fmt=yen,
        ),
        charts.lines(
            _texts(t, "friends", "chart.y.people", days=days, follows=f"{f.follows:,}", blocks=f"{f.blocks:,}"),
            labels,
            [charts.Series(t("chart.follows"), f.follows_by_day), charts.Series(t("chart.blocks"), f.blocks_by_day)],
        ),
    ]


def quota_lines(u: Usage, t: Callable) -> dict:
    used = (
        t("quota.used", used=f"{u.used:,}", limit=f"{u.limit:,}")
        if u.limit is not None
        else t("quota.unlimited", used=f"{u.used:,}")
    )
    extra = max(0, u.used - u.plan["included"])
    return {
        "used": used,
        "share": min(100, round(100 * u.used / u.limit)) if u.limit else 0,
        "note": t(f"quota.{u.source}"),
        "cost": yen(u.cost),
        "cost_detail": t(
            "quota.cost_detail",
            fee=yen(u.plan["monthly_fee"]),
            extra=f"{extra:,}",
            per=yen(u.plan["extra_per_message"]),
        )
        if u.plan["extra_per_message"]
        else t("quota.cost_fixed", fee=yen(u.plan["monthly_fee"]), included=f"{u.plan['included']:,}"),
    }


def page(f: Figures, u: Usage, t: Callable) -> dict:
    return {
        "figures": f,
        "usage": u,
        "periods": PERIODS,
        "tiles": tiles(f, t),
        "charts": chart_set(f, t),
        "quota": quota_lines(u, t),
        "flow_name": lambda flow: flow_name(flow, t),
        "percent": percent,
        "yen": yen,
        "range": t(
            "dash.range",
            start=f.window.days[0].strftime("%Y/%m/%d"),
            end=f.window.days[-1].strftime("%Y/%m/%d"),
            tz=f.window.tz,
        ),
    }
