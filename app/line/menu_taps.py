"""Taps on a rich menu's postback buttons (and tab switches, which LINE answers with a
postback too). At publish each such button's data gets `&rm=<token>` added
(app/richmenus/links.py), the token of the TrackedLink row standing for (menu, area, data).
When the postback arrives, `take` removes the stamp, so the commands see exactly the data
the merchant wrote, and counts one tap on that row, in the chat's transaction: a webhook
event run twice (crash, retry) rolls back with it and is counted once. The tap names the
friend who made it (and their customer when linked): unlike a web button, a postback tells
who tapped, so a later order of theirs can be credited to the button.

The stamp is only recognised at the very end of the data and only with a token's shape;
a token this shop does not know (a menu deleted since) is removed but not counted.
"""

from __future__ import annotations

import re

from sqlmodel import Session, select

from ..models import LineFriend, TrackedLink
from ..tracking.menu_landing import POSTBACK  # the target prefix of a postback button's TrackedLink
from ..tracking.redirect import record_click

STAMP = "rm"
_STAMPED = re.compile(rf"(?:^|&){STAMP}=([A-Za-z0-9_-]{{16}})$")


def stamp(data: str, token: str) -> str:
    """The data LINE gets for a counted button."""
    return f"{data}&{STAMP}={token}" if data else f"{STAMP}={token}"


def take(*, session: Session, shop_id: int, data: str, friend: LineFriend | None = None) -> str:
    """The postback data without its stamp; the tap counted when the token is this shop's."""
    found = _STAMPED.search(data)
    if found is None:
        return data
    link = session.exec(
        select(TrackedLink).where(
            TrackedLink.token == found.group(1),
            TrackedLink.shop_id == shop_id,
            TrackedLink.rich_menu_id.is_not(None),
        )
    ).first()
    if link is not None and link.target.startswith(POSTBACK):
        record_click(session=session, link=link, friend=friend)
    return data[: found.start()]
