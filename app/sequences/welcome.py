"""The "welcome" sequence every shop gets, switched off: day 0 is the greeting LINE already
sends on follow (not sent twice), day 1 at 10:00 how to search by keyword and link the
account, day 3 at 10:00 the best sellers. Written in the shop's admin language (ja or en)
from the sequences catalog; the merchant may change it like any other."""

from __future__ import annotations

from sqlmodel import Session, select

from ..i18n import language, t
from ..models import Sequence, Shop, Trigger
from . import editor

PRESET = "welcome"


def payload(shop: Shop) -> dict:
    lang = language(shop=shop)
    best = f"https://{shop.domain}/collections/all?sort_by=best-selling"
    return {
        "name": t("sequences.welcome.name", lang),
        "trigger": {"kind": Trigger.FRIEND_ADDED},
        "exit_on_purchase": False,
        "reentry": False,
        "enabled": False,
        "cap_wait_days": 2,
        "steps": [
            {"greeting": True, "delay": {"amount": 0, "unit": "minutes", "from": "trigger"}},
            {
                "delay": {"amount": 1, "unit": "days", "from": "trigger", "at": "10:00"},
                "blocks": [{"type": "text", "text": t("sequences.welcome.day1", lang)}],
            },
            {
                "delay": {"amount": 3, "unit": "days", "from": "trigger", "at": "10:00"},
                "blocks": [
                    {
                        "type": "button",
                        "text": t("sequences.welcome.day3", lang),
                        "label": t("sequences.welcome.day3_label", lang),
                        "url": best,
                    }
                ],
            },
        ],
    }


def exists(*, session: Session, shop: Shop) -> bool:
    return (
        session.exec(select(Sequence.id).where(Sequence.shop_id == shop.id, Sequence.preset == PRESET)).first()
        is not None
    )


def ensure(*, session: Session, shop: Shop) -> Sequence | None:
    """The shop's welcome sequence, made (switched off) when the page first asks; None when
    its name is taken by one of the merchant's own."""
    found = session.exec(select(Sequence).where(Sequence.shop_id == shop.id, Sequence.preset == PRESET)).first()
    if found is not None:
        return found
    sequence, errors = editor.save(session=session, shop=shop, payload=payload(shop))
    if errors:  # a name the merchant already took: leave it to them
        return None
    sequence.preset = PRESET
    session.add(sequence)
    session.flush()
    return sequence
