"""Discount codes in reminder steps: created in Shopify once, only when the step is really
sent, shown in the message, and the same code on every retry."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from app import ext
from app.flows.discounts import code_for
from app.models import Notification
from app.models import NotificationStatus as St
from app.shopify import queries
from app.timeutil import utcnow
from tests.helpers import rows
from tests.plugins.flows import CUSTOMER_ID, notes

LATER = "2026-11-25T01:30:00+00:00"  # step 1 of the fixture checkout is due 01:12 UTC (10:12 in Tokyo)
TEN_PERCENT = {"type": "percentage", "value": 10, "expires_days": 7}
TAKEN = {"field": ["basicCodeDiscount", "code"], "code": "TAKEN", "message": "Code must be unique."}


class ShopifyDiscounts:
    """discountCodeBasicCreate as Shopify answers it: a code exists once, then it is TAKEN."""

    def __init__(self):
        self.codes: dict[str, dict] = {}
        self.refuse: dict | None = None  # a userError to answer with instead

    def __call__(self, variables: dict) -> dict:
        code = variables["input"]["code"]
        errors = [self.refuse] if self.refuse else [TAKEN] if code in self.codes else []
        if not errors:
            self.codes[code] = variables["input"]
        node = None if errors else {"id": f"gid://shopify/DiscountCodeNode/{len(self.codes)}"}
        return {"discountCodeBasicCreate": {"codeDiscountNode": node, "userErrors": errors}}


@pytest.fixture
def discounts(db, app, shop, fake_shopify):
    """The shop has an Admin API token and step 1 of its checkout reminders carries 10% off."""
    shop.access_token_enc = ext.vault(app).encrypt("shpat_discounts")
    shop.access_token_expires_at = utcnow() + timedelta(hours=1)
    shop.settings = {
        "flows": {
            "abandoned_checkout": {
                "steps": [{"delay_min": 60, "discount": TEN_PERCENT}, {"delay_min": 23 * 60, "discount": None}]
            }
        }
    }
    db.add(shop)
    db.commit()
    fake_shopify.access_tokens["shpat_discounts"] = "test-shop"
    resolver = ShopifyDiscounts()
    fake_shopify.resolvers[queries.DISCOUNT_CREATE.strip()] = resolver
    return resolver


def creates(fake_shopify) -> list[dict]:
    """The variables of every discountCodeBasicCreate that reached Shopify."""
    return [
        r.body.get("variables") for r in fake_shopify.requests if "discountCodeBasicCreate" in r.body.get("query", "")
    ]


def first_step(db) -> Notification:
    return notes(db)[0]


def pushed_text(delivery) -> str:
    return json.dumps(delivery.messages, ensure_ascii=False)


def test_code_is_created_once_when_the_step_is_sent_and_shown_in_it(
    db, friend, discounts, send_webhook, payload, dispatch, fake_line, fake_shopify
):
    send_webhook("checkouts/create", payload("checkouts_create"))
    assert creates(fake_shopify) == []  # scheduling creates nothing
    step = first_step(db)
    assert dispatch(LATER) == {"sent": 1}

    code = code_for(step.id)
    [sent] = creates(fake_shopify)
    given = sent["input"]
    assert given["code"] == code and code in discounts.codes
    assert given["usageLimit"] == 1 and given["appliesOncePerCustomer"] is True
    assert given["context"] == {"customers": {"add": [f"gid://shopify/Customer/{CUSTOMER_ID}"]}}
    assert given["customerGets"]["value"] == {"percentage": 0.1}
    assert datetime.fromisoformat(given["endsAt"]) == datetime.fromisoformat(LATER) + timedelta(days=7)

    [push] = fake_line.pushes()
    text = pushed_text(push)
    assert code in text and "2026/12/02" in text  # expires 7 days on, in Tokyo's calendar
    assert "\u27e6" not in text and "\u27e7" not in text
    assert push.retry_key == str(step.id)
    assert first_step(db).context["discount_issued"]["code"] == code

    assert dispatch(LATER) == {}
    assert len(creates(fake_shopify)) == 1


@pytest.mark.parametrize(("locale", "title"), [("ja", "Tsunagu LINE リマインダー"), ("en-US", "Tsunagu LINE reminder")])
def test_the_discount_is_named_in_the_merchants_language(
    db, shop, friend, discounts, send_webhook, payload, dispatch, fake_shopify, locale, title
):
    shop.locale = locale
    db.add(shop)
    db.commit()
    send_webhook("checkouts/create", payload("checkouts_create"))
    dispatch(LATER)

    [sent] = creates(fake_shopify)
    assert sent["input"]["title"] == f"{title} {code_for(first_step(db).id)}"


def test_a_cancelled_step_creates_no_code(
    db, friend, discounts, send_webhook, payload, dispatch, fake_line, fake_shopify
):
    send_webhook("checkouts/create", payload("checkouts_create"))
    send_webhook("orders/create", payload("orders_create"))
    assert (first_step(db).status, first_step(db).reason) == (St.CANCELLED, "ordered")
    dispatch(LATER)
    dispatch("2026-11-26T02:00:00+00:00")
    assert creates(fake_shopify) == []
    assert all("LINE-" not in pushed_text(p) for p in fake_line.pushes())


def test_a_step_held_by_quiet_hours_creates_its_code_only_when_it_goes(
    db, shop, friend, discounts, send_webhook, payload, dispatch, fake_line, fake_shopify
):
    shop.settings = {"flows": {"abandoned_checkout": {"steps": [{"delay_min": 60, "discount": TEN_PERCENT}]}}}
    db.add(shop)
    db.commit()
    send_webhook("checkouts/create", payload("checkouts_create"))
    assert dispatch("2026-11-25T13:00:00+00:00") == {"quiet_hours": 1}  # 22:00 in Tokyo
    assert creates(fake_shopify) == []
    assert "discount_issued" not in first_step(db).context
    assert dispatch("2026-11-26T00:00:00+00:00") == {"sent": 1}
    assert [c["input"]["code"] for c in creates(fake_shopify)] == [code_for(first_step(db).id)]
    assert code_for(first_step(db).id) in pushed_text(fake_line.pushes()[0])


@pytest.mark.parametrize("failure", ["fail_next", "fail_after_accept_next"])
def test_a_line_failure_after_the_code_was_created_resends_the_same_code(
    db, friend, discounts, send_webhook, payload, dispatch, fake_line, fake_shopify, monkeypatch, failure
):
    monkeypatch.setattr("app.line.client.MAX_ATTEMPTS", 1)  # the dispatcher retries, not the client
    send_webhook("checkouts/create", payload("checkouts_create"))
    getattr(fake_line, failure)(1, 500, path="/v2/bot/message/push")
    assert dispatch(LATER) == {"retrying": 1}
    waiting = first_step(db)
    code = code_for(waiting.id)
    assert (waiting.status, waiting.reason) == (St.SCHEDULED, "retrying")
    assert "500" in waiting.last_error and waiting.context["discount_issued"]["code"] == code

    assert dispatch(waiting.due_at) == {"sent": 1}
    assert len(creates(fake_shopify)) == 1  # Shopify is not asked again
    [push] = fake_line.pushes()  # once, whether LINE had accepted the first try or not
    assert code in pushed_text(push)
    assert first_step(db).status == St.SENT


def test_a_code_created_before_a_crash_is_taken_and_reused(
    db, friend, discounts, send_webhook, payload, dispatch, fake_line, fake_shopify, monkeypatch
):
    monkeypatch.setattr("app.line.client.MAX_ATTEMPTS", 1)
    send_webhook("checkouts/create", payload("checkouts_create"))
    fake_line.fail_next(1, 500, path="/v2/bot/message/push")
    dispatch(LATER)
    step = first_step(db)
    # As if the worker died after Shopify created the code but before the row recorded it.
    step.context = {k: v for k, v in step.context.items() if k != "discount_issued"}
    db.add(step)
    db.commit()

    assert dispatch(step.due_at) == {"sent": 1}
    code = code_for(step.id)
    assert [c["input"]["code"] for c in creates(fake_shopify)] == [code, code]  # the 2nd answered TAKEN
    assert list(discounts.codes) == [code]
    [push] = fake_line.pushes()
    assert code in pushed_text(push)


def test_shopify_refusing_the_code_retries_then_fails_and_sends_nothing(
    db, friend, discounts, send_webhook, payload, dispatch, fake_line, fake_shopify
):
    discounts.refuse = {
        "field": ["basicCodeDiscount", "customerSelection"],
        "code": "INVALID",
        "message": "Customer selection is invalid",
    }
    send_webhook("checkouts/create", payload("checkouts_create"))
    assert dispatch(LATER) == {"retrying": 1}
    step = first_step(db)
    assert (step.status, step.reason) == (St.SCHEDULED, "retrying")
    assert "Customer selection is invalid" in step.last_error
    assert step.context["discount_issued"]["created"] is False  # code fixed, not yet made in Shopify

    for _ in range(10):
        step = first_step(db)
        if step.status != St.SCHEDULED:
            break
        dispatch(step.due_at)
    assert (step.status, step.attempts) == (St.FAILED, 5)
    assert "Customer selection is invalid" in step.last_error
    assert len(creates(fake_shopify)) == 5
    assert fake_line.pushes() == []
    assert rows(db, Notification, Notification.status == St.SENT) == []
