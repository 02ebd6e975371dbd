"""The forecast the merchant confirms before a campaign is sent.

Recipients after exclusions, the transport and why, messages LINE will count, this month's
use against the plan (LINE's quota and consumption endpoints), the cost in yen, the API
calls and how long they take at LINE's rates, and when it starts (quiet hours move it to
the next allowed time). A campaign that does not fit the month's quota is refused before
it starts, with how many friends it could reach (`fits`, `could_reach`).

The quota is read from LINE before any database write, and never inside one.
"""

from __future__ import annotations

import logging
import math
from array import array
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlmodel import Session

from .. import ext
from ..flows.config import policy_settings
from ..flows.policies import quiet_until
from ..i18n import t
from ..line import channels
from ..line.client import MULTICAST_MAX, MULTICAST_PER_S, PUSH_PER_S, LineError
from ..models import Campaign, Shop
from . import audience, content, pricing, split, transport

log = logging.getLogger("tsunagu.campaigns")
HEADROOM = 0.9  # the pacer's share of LINE's rate (app/line/pacing.py)


@dataclass(frozen=True)
class Quota:
    limit: int | None  # None: no monthly limit set on the account
    used: int


def read_quota(*, session: Session, shop: Shop) -> Quota | None:
    """This month's limit and use from LINE; None in dry run, without a channel or an answer."""
    channel = channels.for_shop(session=session, shop=shop)
    if channel is None:
        return None
    try:
        client = channels.client_for(channel, shop=shop)
        if client.dry_run:
            return None
        limit, used = client.quota()
    except (LineError, channels.ChannelUnavailable) as exc:
        log.warning("campaign forecast: LINE quota unreadable shop=%s: %s", shop.id, exc)
        return None
    return Quota(limit, used)


@dataclass
class Forecast:
    audience: int
    excluded: dict[str, int]
    recipients: int
    messages: int  # what LINE counts: one per recipient, however many message objects
    transport: str
    transport_reason: str
    plan: str
    quota_limit: int | None
    quota_used: int | None
    room: int | None  # marketing messages that still fit this month (None: no limit known)
    cost_yen: int
    api_calls: int
    duration_s: float
    starts_at: str
    quiet_hours: bool  # the start was moved out of quiet hours
    fits: bool
    could_reach: int
    held_out: int = 0  # the holdout: in the audience, sent nothing, not charged
    tested: int = 0  # recipients of the A/B test (all recipients when there is no winner phase)
    rest: int = 0  # recipients who get the winner once it is chosen
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def confirmation(self) -> dict:
        """The figures the merchant echoes back when confirming (control.confirm compares)."""
        return {"recipients": self.recipients, "messages": self.messages, "cost_yen": self.cost_yen}


def room_for(shop: Shop, quota: Quota | None) -> int | None:
    """Marketing messages left this month: LINE's limit (the plan's allowance, or the target
    the merchant set on the standard plan) less the share kept for order and shipping
    messages (policies' quota_reserve), less what was used. None: no limit known."""
    if quota is None or quota.limit is None:
        return None
    reserve = math.ceil(quota.limit * float(policy_settings(shop)["quota_reserve"]))
    return max(0, quota.limit - reserve - quota.used)


def calls_and_seconds(kind: str, recipients: int, share: float = 1.0) -> tuple[int, float]:
    """API requests and the time they take when paced under LINE's rate limits."""
    if recipients == 0:
        return 0, 0.0
    if kind == transport.BROADCAST:
        return 1, 1.0
    if kind == transport.PUSH:
        return recipients, recipients / (PUSH_PER_S * share * HEADROOM)
    calls = math.ceil(recipients / MULTICAST_MAX)
    return calls, calls / (MULTICAST_PER_S * share * HEADROOM)


def forecast(
    *, session: Session, shop: Shop, campaign: Campaign, now: datetime, quota: Quota | None, lang: str = "ja"
) -> Forecast:
    if not campaign.variants and not campaign.holdout_share:
        counted = audience.tally(session=session, shop=shop, campaign=campaign, now=now)
        return build(shop=shop, campaign=campaign, counted=counted, now=now, quota=quota, lang=lang)
    kept = array("q")
    counted = audience.tally(session=session, shop=shop, campaign=campaign, now=now, keep=kept.extend)
    held, tests, rest = split.divide(campaign, kept)
    groups = (len(held), sum(len(ids) for ids in tests), len(rest))
    return build(shop=shop, campaign=campaign, counted=counted, now=now, quota=quota, lang=lang, groups=groups)


def choose_transport(*, shop: Shop, campaign: Campaign, counted: audience.Tally) -> transport.Transport:
    chosen = transport.choose(
        personal=content.personal_variables(split.all_messages(campaign)),
        everyone=audience.is_everyone(campaign),
        excluded=counted.left_out_by_choice,
        followers_complete=bool((shop.settings or {}).get("followers_complete")),
    )
    if chosen.kind == transport.BROADCAST and (campaign.variants or campaign.holdout_share):
        # A broadcast reaches every friend: no holdout, no variant per friend.
        return transport.Transport(transport.MULTICAST, "split")
    return chosen


def build(
    *,
    shop: Shop,
    campaign: Campaign,
    counted: audience.Tally,
    now: datetime,
    quota: Quota | None,
    lang: str = "ja",
    groups: tuple[int, int, int] | None = None,
) -> Forecast:
    """`groups`: (held out, in the test, the rest) when the campaign splits its audience."""
    held, tested, rest = groups or (0, counted.recipients, 0)
    chosen = choose_transport(shop=shop, campaign=campaign, counted=counted)
    plan = pricing.plan_of(shop)
    start = max(now, campaign.scheduled_at or now)
    moved = quiet_until(shop, start)
    room = room_for(shop, quota)
    messages = tested + rest  # the holdout is never sent, never counted
    calls, seconds = calls_and_seconds(chosen.kind, messages, float(ext.settings().line_rate_share))
    fits = room is None or messages <= room
    result = Forecast(
        audience=counted.audience,
        excluded={k: int(counted.excluded[k]) for k in ("blocked", "opted_out", "capped")},
        recipients=messages,
        messages=messages,
        transport=chosen.kind,
        transport_reason=chosen.reason,
        plan=plan.name,
        quota_limit=quota.limit if quota else None,
        quota_used=quota.used if quota else None,
        room=room,
        cost_yen=pricing.cost_yen(plan, used=quota.used if quota else 0, messages=messages),
        api_calls=calls,
        duration_s=round(seconds, 1),
        starts_at=(moved or start).isoformat(),
        quiet_hours=moved is not None,
        fits=fits,
        could_reach=messages if fits else room,
        held_out=held,
        tested=tested,
        rest=rest,
    )
    result.notes = notes(result, lang)
    return result


def notes(f: Forecast, lang: str) -> list[str]:
    """The forecast in sentences, in the merchant's language."""
    said = [
        t("campaigns.forecast.recipients", lang, n=f"{f.recipients:,}", audience=f"{f.audience:,}"),
        t(f"campaigns.transport.{f.transport_reason}", lang),
        t("campaigns.forecast.calls", lang, calls=f"{f.api_calls:,}", seconds=f"{f.duration_s:,}"),
        t("campaigns.forecast.cost", lang, messages=f"{f.messages:,}", yen=f"{f.cost_yen:,}", plan=f.plan),
    ]
    if f.quota_limit is not None:
        said.append(t("campaigns.forecast.quota", lang, used=f"{f.quota_used:,}", limit=f"{f.quota_limit:,}"))
    elif f.quota_used is None:
        said.append(t("campaigns.forecast.quota_unknown", lang))
    if f.held_out:
        said.append(t("campaigns.forecast.holdout", lang, n=f"{f.held_out:,}"))
    if f.rest:
        said.append(t("campaigns.forecast.test", lang, tested=f"{f.tested:,}", rest=f"{f.rest:,}"))
    if f.quiet_hours:
        said.append(t("campaigns.forecast.quiet_hours", lang))
    if not f.fits:
        said.append(t("campaigns.forecast.over_quota", lang, room=f"{f.could_reach:,}", n=f"{f.messages:,}"))
    return said
