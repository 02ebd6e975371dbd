"""A rich menu's web buttons go through {APP_URL}/r/<token>, so a tap is counted per area.

At publish, every uri action that opens a web page gets the menu's UTM parameters
(utm_source=line, utm_medium=richmenu, utm_campaign=<menu slug>, utm_content=area-<n>) and
one TrackedLink per (menu, area, target) with flow="richmenu". Everyone linked to a menu
sees the same buttons, so a menu link cannot name a customer (like a campaign's multicast
link): it counts taps, and the UTM of the visit comes back on the order as its landing page,
which credits the order to the button (app/tracking/menu_landing.py reads what is written here).

The token is an HMAC of (menu id, area, target) under the app's secret: republishing an
unchanged menu keeps its links (the insert ignores rows already there); the body sent to
LINE reads the rows back rather than deriving tokens again, so a rotated SECRET_KEY cannot
break a published button. Area numbers start at 1, as the merchant counts the buttons.

Postback buttons (and tab switches, which LINE also answers with a postback) are counted the
same way: one TrackedLink per (menu, area, data) whose target is "postback:<data>" (never a
web address, so /r/ refuses it), and the data LINE gets is the merchant's data with
`&rm=<token>` added (STAMP). The chat's postback handler takes the stamp off before the
commands see the data (app/line/menu_taps.py, which owns the stamp's shape) and counts a tap. A button whose data would
pass LINE's 300 characters with the stamp is sent as it is, uncounted. Message buttons send
the friend's own text: nothing can be stamped, so they are never counted.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select
from sqlmodel import Session

from ..db import insert_ignoring_conflict
from ..ext import settings
from ..line.menu_taps import POSTBACK, stamp
from ..models import RichMenu, TrackedLink
from ..timeutil import utcnow
from ..tracking.menu_landing import UTM_MEDIUM, UTM_SOURCE
from ..tracking.tracked_urls import TOKEN_BYTES, is_web, short_url

FLOW = "richmenu"
DATA_MAX = 300  # LINE: postback data ≤ 300 characters
STAMPED = ("postback", "richmenuswitch")
_TABLE = TrackedLink.__table__


def menu_slug(menu: RichMenu) -> str:
    """utm_campaign of a menu: the ASCII words of its name, kebab-cased, and its id (a
    Japanese name alone: "richmenu-12"); the id keeps two same-named menus apart."""
    ascii_name = unicodedata.normalize("NFKC", menu.name or "").encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:40].strip("-")
    if not re.search(r"[a-z]{2}", words):
        words = "richmenu"
    return f"{words}-{menu.id}"


def with_utm(uri: str, menu: RichMenu, area: int) -> str:
    """The URI with the menu's UTM parameters (ours replace any utm_* already there)."""
    parts = urlsplit(uri)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    utm = [
        ("utm_source", UTM_SOURCE),
        ("utm_medium", UTM_MEDIUM),
        ("utm_campaign", menu_slug(menu)),
        ("utm_content", f"area-{area}"),
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept + utm), parts.fragment))


def web_areas(menu: RichMenu) -> dict[int, str]:
    """area number (1-based) → the web URI its uri action opens, UTM added."""
    found = {}
    for index, area in enumerate(menu.areas or []):
        action = area.get("action") or {}
        if action.get("type") == "uri" and is_web(action.get("uri")):
            found[index + 1] = with_utm(action["uri"].strip(), menu, index + 1)
    return found


def postback_areas(menu: RichMenu) -> dict[int, str]:
    """area number → the postback data of each postback/tab-switch button that can carry the
    stamp within LINE's limit (every token has the same length)."""
    token_length = len(token_for(menu, 1, "", "any secret"))
    found = {}
    for index, area in enumerate(menu.areas or []):
        action = area.get("action") or {}
        data = str(action.get("data") or "")
        if action.get("type") in STAMPED and data and len(stamp(data, "x" * token_length)) <= DATA_MAX:
            found[index + 1] = POSTBACK + data
    return found


def token_for(menu: RichMenu, area: int, target: str, secret: str) -> str:
    message = f"richmenu-link\n{menu.id}\n{area}\n{target}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode()


def record(session: Session, menu: RichMenu) -> dict[int, str]:
    """Write the menu's links not there yet (the caller commits); area → token to publish."""
    wanted = web_areas(menu) | postback_areas(menu)
    if not wanted:
        return {}
    secret, now = settings().secret_key, utcnow()
    insert = insert_ignoring_conflict(session.get_bind().dialect.name, _TABLE, ("token",))
    known = _tokens(session, menu.id)
    for area, target in wanted.items():
        if (area, target) in known:
            continue
        row = {
            "shop_id": menu.shop_id,
            "token": token_for(menu, area, target, secret),
            "rich_menu_id": menu.id,
            "area": area,
            "flow": FLOW,
            "target": target,
            "clicks": 0,
            "created_at": now,
        }
        session.execute(insert, row)
        known[(area, target)] = row["token"]
    return {area: known[(area, target)] for area, target in wanted.items()}


def _tokens(session: Session, menu_id: int) -> dict[tuple[int, str], str]:
    rows = session.execute(
        select(TrackedLink.area, TrackedLink.target, TrackedLink.token).where(TrackedLink.rich_menu_id == menu_id)
    )
    return {(area, target): token for area, target, token in rows}


def rewrite(areas: list, tokens: dict[int, str]) -> list:
    """The areas with each recorded web button sent through /r/<token> and each recorded
    postback button's data stamped with its token."""
    if not tokens:
        return areas
    rewritten = copy.deepcopy(areas)
    for area, token in tokens.items():
        action = rewritten[area - 1]["action"]
        if action.get("type") in STAMPED:
            action["data"] = stamp(str(action.get("data") or ""), token)
        else:
            action["uri"] = short_url(token)
    return rewritten
