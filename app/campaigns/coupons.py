"""A campaign's coupon: one shared Shopify discount code, or a single-use code per recipient.

The composer's coupon block ({"type": "coupon", "mode": "shared" | "unique", "code",
"discount_id", "text"}) puts `{coupon_code}` into the messages; this module says what goes
there for each recipient.

- shared: the merchant's code, checked against Shopify (`codeDiscountNodeByCode`) when the
  draft is checked and again when sending starts. A discount deleted meanwhile fails the
  campaign with `coupon_gone`, before anything is sent or counted.
- unique: one code per recipient, added in Shopify onto the discount the merchant picked
  (`discountRedeemCodeBulkAdd`, at most 250 codes a call, asynchronous: the creation is
  polled until done) just before the recipient's push, then stored in campaign_codes before
  the push that carries it. The code is derived from the campaign's secret uid and the
  friend, so a restart asks Shopify for the same codes (its "taken" means an earlier attempt
  added it) and sends the stored one: never two codes for one person. Shopify is never
  called inside a write transaction. Shopify's discounts limit how often each code is used
  (the merchant's discount: "once per customer" and its usage limit); codes are unguessable.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
import uuid

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..db import insert_ignoring_conflict, session_scope
from ..ext import settings
from ..models import Campaign, CampaignCode, Shop
from ..shopify import client as shopify_client
from ..shopify.client import ShopifyError
from ..shopify.queries import COUPON_BY_CODE, COUPON_CODES_ADD, COUPON_CODES_CREATION, COUPON_DISCOUNT

log = logging.getLogger("tsunagu.campaigns")
SHARED, UNIQUE = "shared", "unique"
BULK_MAX = 250  # discountRedeemCodeBulkAdd: "Maximum: 250 codes"
POLL_S = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)  # waits between polls of the bulk creation


class CouponError(RuntimeError):
    """Shopify did not make the codes (the chunk is retried; the message says why)."""


class CouponGone(LookupError):
    """The coupon's discount no longer exists in Shopify."""


def coupon_of(campaign: Campaign) -> dict | None:
    """The campaign's coupon block, if its composer blocks have one."""
    return coupon_in(getattr(campaign, "blocks", None))


def coupon_in(blocks) -> dict | None:
    """The coupon block among composer blocks (a request body's or a campaign's)."""
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "coupon":
            return block
    return None


def draft_errors(shop: Shop, coupon: dict | None) -> dict[str, tuple[str, dict]]:
    """field -> (catalog key, values) when the draft's coupon is not usable in Shopify now.
    Asks Shopify: call it before the request opens its write transaction."""
    if not coupon:
        return {}
    if coupon.get("mode") not in (SHARED, UNIQUE):
        return {"coupon.mode": ("campaigns.err.coupon_mode", {})}
    if not str(coupon.get("discount_id" if is_unique(coupon) else "code") or "").strip():
        return {"coupon": ("campaigns.err.coupon_missing", {})}
    try:
        check(shop, coupon)
    except CouponGone:
        return {"coupon": ("campaigns.err.coupon_gone", {"code": str(coupon.get("code") or "")})}
    except ShopifyError as exc:
        log.warning("campaign coupon not checked shop=%s: %s", shop.id, exc)
        return {"coupon": ("campaigns.err.coupon_unchecked", {})}
    return {}


def discount_gid(coupon: dict) -> str:
    """The discount's GraphQL id; the composer also takes the number shown in Shopify's admin."""
    value = str(coupon.get("discount_id") or "").strip()
    return f"gid://shopify/DiscountCodeNode/{value}" if value.isdigit() else value


def is_unique(coupon: dict | None) -> bool:
    return bool(coupon) and coupon.get("mode") == UNIQUE


def check(shop: Shop, coupon: dict | None) -> None:
    """Raise CouponGone unless the coupon's discount exists in Shopify now (shared: its code;
    unique: the discount the codes go onto). Call with no transaction open."""
    if not coupon:
        return
    api = shopify_client.for_shop(shop)
    if is_unique(coupon):
        found = api.query(COUPON_DISCOUNT, {"id": discount_gid(coupon)}).get("codeDiscountNode")
    else:
        found = api.query(COUPON_BY_CODE, {"code": str(coupon.get("code") or "")}).get("codeDiscountNodeByCode")
    if not found:
        raise CouponGone(str(coupon.get("code") or coupon.get("discount_id")))


def code_for(uid: uuid.UUID, friend_id: int) -> str:
    """The friend's code for this campaign: the same on every attempt, unguessable without
    the campaign's uid."""
    digest = hashlib.sha256(f"{uid}:{friend_id}".encode()).digest()
    return "LINE" + base64.b32encode(digest)[:12].decode()


def codes_for(*, engine: Engine, shop: Shop, campaign: Campaign, friend_ids: list[int]) -> dict[int, str]:
    """friend id -> the code to send: the stored one, else one made in Shopify and stored now."""
    coupon = coupon_of(campaign)
    if not is_unique(coupon):
        shared = str((coupon or {}).get("code") or "")
        return dict.fromkeys(friend_ids, shared)
    stored = _stored(engine, campaign.id, friend_ids)
    missing = [f for f in friend_ids if f not in stored]
    if missing:
        wanted = {f: code_for(campaign.uid, f) for f in missing}
        if settings().creates_discounts:
            _add_in_shopify(shop, discount_gid(coupon), list(wanted.values()))
        _store(engine, campaign, wanted)
        stored = _stored(engine, campaign.id, friend_ids)
    return stored


def _stored(engine: Engine, campaign_id: int, friend_ids: list[int]) -> dict[int, str]:
    with Session(engine) as s:
        rows = s.execute(
            select(CampaignCode.friend_id, CampaignCode.code).where(
                CampaignCode.campaign_id == campaign_id, CampaignCode.friend_id.in_(friend_ids)
            )
        )
        return dict(rows.all())


def _store(engine: Engine, campaign: Campaign, codes: dict[int, str]) -> None:
    table = CampaignCode.__table__
    with session_scope(engine) as s:
        statement = insert_ignoring_conflict(s.get_bind().dialect.name, table, ("campaign_id", "friend_id"))
        for friend_id, code in codes.items():  # a second worker's rows win: same codes anyway
            s.execute(
                statement,
                {"shop_id": campaign.shop_id, "campaign_id": campaign.id, "friend_id": friend_id, "code": code},
            )


def _add_in_shopify(shop: Shop, discount_id: str, codes: list[str]) -> None:
    api = shopify_client.for_shop(shop)
    for start in range(0, len(codes), BULK_MAX):
        batch = codes[start : start + BULK_MAX]
        answer = api.query(COUPON_CODES_ADD, {"discountId": discount_id, "codes": [{"code": c} for c in batch]})
        added = answer.get("discountRedeemCodeBulkAdd") or {}
        if added.get("userErrors"):
            if not _discount_exists(api, discount_id):
                raise CouponGone(discount_id)
            raise CouponError("; ".join(e.get("message", "") for e in added["userErrors"]))
        _wait_until_done(api, added["bulkCreation"]["id"])


def _discount_exists(api, discount_id: str) -> bool:
    return bool(api.query(COUPON_DISCOUNT, {"id": discount_id}).get("codeDiscountNode"))


def _wait_until_done(api, creation_id: str) -> None:
    """Poll the asynchronous creation; a code Shopify refused other than as already taken
    (an earlier attempt of ours added it) fails the chunk's attempt."""
    for wait in (0.0, *POLL_S):
        time.sleep(wait)
        creation = api.query(COUPON_CODES_CREATION, {"id": creation_id}).get("discountRedeemCodeBulkCreation") or {}
        if creation.get("done"):
            refused = [
                f"{node['code']}: {error.get('message')}"
                for node in creation["codes"]["nodes"]
                for error in node.get("errors") or []
                if error.get("code") != "TAKEN"
            ]
            if refused:
                raise CouponError("Shopify refused codes: " + "; ".join(refused[:3]))
            return
    raise CouponError(f"Shopify is still creating the codes ({creation_id})")
