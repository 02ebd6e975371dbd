"""A step's LINE messages for one friend: the composer's blocks compiled by the campaigns'
own function (`compose.compile_blocks`), then the friend's name filled in, as a personal
push fills it. The preview and the worker call the same code."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from ..campaigns import compose, materials, push
from ..flows import templates
from ..flows.registry import Flow, spec
from ..i18n import t
from ..models import Customer, LineFriend, Shop

UTM = {"utm_medium": str(Flow.SEQUENCE), "utm_campaign": "line_step_sequence"}


def sources(*, session: Session, shop: Shop, blocks, lang: str) -> compose.Sources:
    found = materials.sources_for(session=session, shop=shop, blocks=blocks, lang=lang)
    return dataclasses.replace(found, utm=UTM)


def problems(*, session: Session, shop: Shop, blocks, lang: str) -> compose.Errors:
    """The composer's checks (empty when LINE will take the blocks)."""
    return compose.errors(blocks, sources(session=session, shop=shop, blocks=blocks, lang=lang))


def name_of(*, session: Session, friend: LineFriend, lang: str) -> str:
    fallback = friend.display_name or t("flows.recipient.fallback_name", lang)
    customer = session.get(Customer, friend.customer_id) if friend.customer_id else None
    return customer.display_name(fallback) if customer else fallback


def messages(*, session: Session, shop: Shop, blocks: list, lang: str, name: str) -> list[dict]:
    """The messages one friend gets (blocks already checked by `problems`)."""
    compiled = compose.compile_blocks(blocks, sources(session=session, shop=shop, blocks=blocks, lang=lang))
    return push.fill(compiled, {"customer_name": name})


def sample(
    shop: Shop, sample: object, *, lang: str, name: str, settings: dict, template: str | None = None, step: int = 0
) -> list[dict]:
    """The registry's builder: a stand-in step (a sequence's own steps are previewed by
    their blocks on the sequences page)."""
    text = templates.render(
        shop, template or spec(Flow.SEQUENCE).template(), lang, {"customer_name": name, "shop_name": shop.name}
    )
    return [{"type": "text", "text": text}]
