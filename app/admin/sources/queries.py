"""What the sources page and API show of a source: its link, its QR code, its figures
over a period, and the chart of new friends per day."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from markupsafe import Markup
from sqlmodel import Session

from ...formatting import money
from ...i18n import language, t
from ...line import channels
from ...models import FriendSource, Shop
from ...sources import links, stats
from ...sources.public import login_ready
from ...sources.service import sources_of
from .. import charts
from ..home.dashboard import window


def source_json(shop: Shop, source: FriendSource, figures: stats.SourceFigures | None = None) -> dict:
    return {
        "id": source.id,
        "name": source.name,
        "slug": source.slug,
        "tag": source.tag,
        "greeting": source.greeting,
        "cost_yen": source.cost_yen,
        "sequence_id": source.sequence_id,
        "url": links.short_url(shop, source),
        "figures": figures.as_json() if figures else None,
    }


def _chart(shop: Shop, sources: list[FriendSource], days, by_source: dict, period: int) -> Markup:
    lang = language(shop=shop)

    def s(key: str, **values) -> str:
        return t(f"admin.sources.chart.{key}", lang, **values)

    total = sum(sum(v) for v in by_source.values())
    return charts.lines(
        charts.Texts(
            title=s("title"),
            description=s("desc", days=period, total=f"{total:,}"),
            x_axis=s("x"),
            y_axis=s("y"),
            empty=s("empty"),
            table=s("table"),
            date=s("x"),
        ),
        [d.strftime("%m/%d") for d in days],
        [charts.Series(source.name, by_source[source.id]) for source in sources],
    )


def page_data(*, session: Session, shop: Shop, period: int, now: datetime) -> dict:
    sources = sources_of(session=session, shop=shop)
    span = window(shop, period, now)
    figures = stats.figures(session=session, shop=shop, sources=sources, since=span.start, until=span.end)
    days, by_source = stats.new_friends_by_day(
        session=session, shop=shop, sources=sources, since=span.start, until=span.end
    )
    channel = channels.for_shop(session=session, shop=shop)
    rows = [source_json(shop, s, figures[s.id]) for s in sources]
    for row in rows:
        f = row["figures"]
        row["revenue_text"] = money(f["revenue"], "JPY")
        row["cost_text"] = money(f["cost_yen"], "JPY") if f["cost_yen"] is not None else "—"
        row["cost_per_friend_text"] = money(f["cost_per_friend"], "JPY") if f["cost_per_friend"] is not None else "—"
    return {
        "sources": rows,
        "chart": _chart(shop, sources, days, by_source, period) if sources else None,
        "login_ready": login_ready(channel),
        "add_friend": links.add_friend_url(channel),
        "callback_url": links.callback_url(),
        "period": period,
        "sizes": list(links.PRINT_SIZES_MM.items()),
    }


@lru_cache(maxsize=4096)
def _qr_preview(url: str) -> str:
    return links.qr(url).svg_inline(scale=3, dark="#111", border=2)


def qr_svg_inline(url: str) -> Markup:
    """A small preview drawn on the page (the downloads are full print size); a link's code
    never changes, so each is drawn once per process (about 8 ms each)."""
    return Markup(_qr_preview(url))
