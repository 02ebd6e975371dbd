"""Who gets what in an A/B test: held out, in the test (and which variant), or the rest that
waits for the winner. A pure, stable function of (campaign uid, friend id).

sha256 of the pair gives a fraction in [0, 1), the same on every run, worker and database.
The fraction is laid out over the audience in one line: [0, holdout) is held out (sent
nothing), the next `test_share` percent is the test, split evenly across the variants by
where in that band the fraction falls, and the rest gets the winner once it is chosen.
A test share of 100 (or a campaign without variants) is a plain split with no winner phase.
"""

from __future__ import annotations

import hashlib
import uuid

from sqlmodel import Session, select

from ..models import Campaign, CampaignHoldout

HOLDOUT = "holdout"
TEST = "test"
REST = "rest"
_SCALE = float(2**64)


def fraction(uid: uuid.UUID, friend_id: int) -> float:
    """Where the friend falls in [0, 1) for this campaign: uint64 of sha256, scaled."""
    digest = hashlib.sha256(f"{uid}:{friend_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def variant_count(campaign: Campaign) -> int:
    return len(campaign.variants or []) or 1


def has_winner_phase(campaign: Campaign) -> bool:
    """A test on part of the audience first, then the winner to the rest."""
    return variant_count(campaign) > 1 and (campaign.test_share or 100) < 100


def bands(campaign: Campaign) -> tuple[float, float]:
    """(end of the holdout band, end of the test band) as fractions."""
    held = min(max(campaign.holdout_share or 0, 0), 100) / 100
    tested = 1.0 if not has_winner_phase(campaign) else min(held + campaign.test_share / 100, 1.0)
    return held, tested


def group_of(campaign: Campaign, friend_id: int) -> tuple[str, int | None]:
    """(holdout | test | rest, the variant index in the test) of one friend."""
    held, tested = bands(campaign)
    f = fraction(campaign.uid, friend_id)
    if f < held:
        return HOLDOUT, None
    if f < tested:
        n = variant_count(campaign)
        return TEST, min(int((f - held) / (tested - held) * n), n - 1)
    return REST, None


def variant_of(campaign: Campaign, friend_id: int) -> int | None:
    """The variant the friend receives (the winner for the rest once chosen); None when the
    friend is held out, or waits for a winner not chosen yet."""
    group, variant = group_of(campaign, friend_id)
    if group == TEST:
        return variant
    if group == REST:
        return campaign.winner
    return None


def messages_of(campaign: Campaign, variant: int) -> list:
    """The LINE message objects of a variant (the campaign's own when it has no variants)."""
    if not campaign.variants:
        return campaign.messages
    return campaign.variants[variant]["messages"]


def all_messages(campaign: Campaign) -> list:
    """Every variant's messages in one list (what per-person variables are looked for in)."""
    if not campaign.variants:
        return campaign.messages
    return [m for v in campaign.variants for m in v.get("messages") or []]


def holdout_friend_ids(session: Session, campaign: Campaign) -> list[int]:
    """The friends held out of the campaign, recorded when it was planned (ascending)."""
    return list(
        session.scalars(
            select(CampaignHoldout.friend_id)
            .where(CampaignHoldout.campaign_id == campaign.id)
            .order_by(CampaignHoldout.friend_id)
        )
    )


def divide(campaign: Campaign, friend_ids) -> tuple[list[int], list[list[int]], list[int]]:
    """(held out, one list per variant in the test, the rest) of ascending friend ids."""
    held, tested = bands(campaign)
    n = variant_count(campaign)
    out: list[int] = []
    rest: list[int] = []
    tests: list[list[int]] = [[] for _ in range(n)]
    uid, width = campaign.uid, tested - held
    for fid in friend_ids:
        f = fraction(uid, fid)
        if f < held:
            out.append(fid)
        elif f < tested:
            tests[min(int((f - held) / width * n), n - 1)].append(fid)
        else:
            rest.append(fid)
    return out, tests, rest
