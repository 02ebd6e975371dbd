"""Sending a chunk of a personalised campaign: one LINE push per recipient, exactly once.

A push campaign's chunk (at most PUSH_CHUNK friends) is claimed like any other
(sending.py); its friends are then pushed one by one, each with the retry key
uuid5(campaign uid, "<chunk>:<friend id>"). The key is the same whoever sends it and however
often, so a crash, a restart or a second worker re-sends with it and LINE's 409 ("already
accepted") means the friend already has it. Correctness comes from the keys alone.

To spare a restart from re-sending a whole chunk, the claim writes how far it got
(`pushed`, with `delivered` and `skipped`) every PROGRESS_EVERY pushes, in a short
transaction of its own (never while LINE or Shopify is being called), and only while its
claim is current. A reclaim resumes there; the pushes after the last write are sent again
with their keys (409s, not second deliveries).

Each push carries the friend's own values: {customer_name} (the linked customer's name,
else the LINE display name, else the shop's fallback text) and {coupon_code} (the shared
code, or the friend's single-use code made and stored before the push: coupons.py).
A friend who blocked the account or opted out (配信停止) since planning is skipped and
counted. Pushes are paced by the client at LINE's push rate, in the same per-channel bucket
as the flows' pushes (app/line/pacing.py).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..db import session_scope
from ..i18n import language, t
from ..line.client import LineClient, LineError
from ..models import Campaign, CampaignChunk, Customer, LineFriend, Shop
from ..models import ChunkStatus as KS
from . import content, coupons
from .insight import unit_name

log = logging.getLogger("tsunagu.campaigns")
PUSH_CHUNK = 100  # friends a push chunk holds: ≤ 250, one bulk call of unique codes
PROGRESS_EVERY = 20  # pushes between progress writes


def retry_key(uid: uuid.UUID, chunk_number: int, friend_id: int) -> str:
    """X-Line-Retry-Key of one friend's push: the same on every attempt, by any worker."""
    return str(uuid.uuid5(uid, f"{chunk_number}:{friend_id}"))


@dataclass(frozen=True)
class Person:
    line_user_id: str
    name: str


@dataclass
class Progress:
    pushed: int = 0  # friend_ids[:pushed] are done
    delivered: int = 0
    skipped: int = 0


class Stop(Exception):
    """LINE refused a push in a way that ends this attempt at the chunk."""

    def __init__(self, error: LineError):
        super().__init__(str(error))
        self.error = error


def people(*, engine: Engine, shop_id: int, friend_ids: list[int]) -> dict[int, Person]:
    """The chunk's friends who may still receive marketing, with the name to greet them by."""
    with Session(engine) as s:
        shop = s.get(Shop, shop_id)
        rows = s.execute(
            select(LineFriend, Customer)
            .outerjoin(Customer, Customer.id == LineFriend.customer_id)
            .where(
                LineFriend.shop_id == shop_id,
                LineFriend.id.in_(friend_ids),
                LineFriend.is_blocked.is_(False),
                LineFriend.marketing_opt_out_at.is_(None),
            )
        ).all()
        found = {}
        for friend, customer in rows:
            fallback = friend.display_name or t("flows.recipient.fallback_name", language(shop=shop, friend=friend))
            name = customer.display_name(fallback) if customer else fallback
            found[friend.id] = Person(friend.line_user_id, name)
        return found


def fill(value, values: dict[str, str]):
    """The messages with each {variable} replaced in every string (Flex and alt texts too)."""
    if isinstance(value, str):
        for key, text in values.items():
            value = value.replace("{" + key + "}", text)
        return value
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    return value


def progress_of(engine: Engine, chunk_id: int) -> Progress:
    with Session(engine) as s:
        row = s.execute(
            select(CampaignChunk.pushed, CampaignChunk.delivered, CampaignChunk.skipped).where(
                CampaignChunk.id == chunk_id
            )
        ).one()
    return Progress(*row)


def save_progress(engine: Engine, chunk, done: Progress) -> bool:
    """Record how far this claim got; False when the chunk was reclaimed meanwhile."""
    with session_scope(engine) as s:
        return bool(
            s.execute(
                update(CampaignChunk)
                .where(
                    CampaignChunk.id == chunk.id,
                    CampaignChunk.attempts == chunk.attempts,
                    CampaignChunk.status == KS.SENDING,
                )
                .values(pushed=done.pushed, delivered=done.delivered, skipped=done.skipped)
                .execution_options(synchronize_session=False)
            ).rowcount
        )


def send_chunk(*, engine: Engine, chunk, campaign: Campaign, client: LineClient, messages: list) -> Progress:
    """Push `messages` (the chunk's variant, links tracked) to the chunk's friends from
    where the last claim got to; raises Stop (progress saved) when LINE refuses in a way
    that needs a retry or ends the attempt."""
    done = progress_of(engine, chunk.id)
    todo = chunk.friend_ids[done.pushed :]
    reachable = people(engine=engine, shop_id=chunk.shop_id, friend_ids=todo)
    personal = content.personal_variables(messages)
    codes = {}
    if "coupon_code" in personal and reachable:
        with Session(engine) as s:
            shop = s.get(Shop, chunk.shop_id)
            s.expunge(shop)
        codes = coupons.codes_for(engine=engine, shop=shop, campaign=campaign, friend_ids=sorted(reachable))
    for friend_id in todo:
        person = reachable.get(friend_id)
        if person is None:
            done.skipped += 1
        else:
            values = {"customer_name": person.name, "coupon_code": codes.get(friend_id, "")}
            try:
                client.push(
                    person.line_user_id,
                    fill(messages, values),
                    retry_key=retry_key(campaign.uid, chunk.number, friend_id),
                    aggregation_unit=unit_name(campaign.id, chunk.variant),
                )
                done.delivered += 1
            except LineError as exc:
                if exc.status != 400:  # 400: this one friend cannot be sent to; the rest can
                    save_progress(engine, chunk, done)
                    raise Stop(exc) from exc
                log.warning("campaign push refused campaign=%s friend=%s: %s", campaign.id, friend_id, exc)
                done.skipped += 1
        done.pushed += 1
        if done.pushed % PROGRESS_EVERY == 0 and not save_progress(engine, chunk, done):
            log.info("campaign chunk reclaimed meanwhile id=%s: this claim stops", chunk.id)
            raise Stop(LineError("chunk reclaimed by another worker", retryable=True))
    return done
