"""Shopify Flow triggers: the lifecycle callback says which triggers a shop uses; LINE
events queue a flowTriggerReceive call only for those (with the customer reference when
the friend is linked), once per event; the worker sends them through the fake Shopify,
retrying after a 5xx; the document and answer are checked against Shopify's schema."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app import ext
from app.line import customer_links
from app.models import ShopifyFlowTrigger, ShopifyFlowTriggerCall
from app.shopify import flow_triggers as sending
from app.shopify.queries import FLOW_TRIGGER_RECEIVE
from app.shopify_flow import triggers
from app.timeutil import utcnow
from tests.conftest import sign
from tests.fakes.line_events import follow_event, text_event, unfollow_event
from tests.fakes.shopify_schema import as_shopify_answers
from tests.helpers import count, fresh, rows
from tests.plugins.flows import CUSTOMER_ID

TOKEN = "shpat_flow_triggers"
LIFECYCLE = "/flow/triggers/lifecycle"


@pytest.fixture
def post(client):
    def send(body: dict, *, secret: str | None = None):
        raw = json.dumps(body).encode()
        signature = sign(raw, secret) if secret else sign(raw)
        return client.post(LIFECYCLE, data=raw, headers={"X-Shopify-Hmac-Sha256": signature})

    return send


def _lifecycle(shop, handle: str, enabled: bool, at: str = "2026-12-01T00:00:00Z") -> dict:
    return {
        "flow_trigger_definition_id": handle,
        "has_enabled_flow": enabled,
        "shop_id": 1,
        "shopify_domain": shop.domain,
        "timestamp": at,
    }


@pytest.fixture
def enable(post, shop):
    def run(*handles: str):
        for handle in handles:
            assert post(_lifecycle(shop, handle, True)).status_code == 200

    return run


@pytest.fixture
def tokened(db, app, shop, fake_shopify):
    shop.access_token_enc = ext.vault(app).encrypt(TOKEN)
    shop.access_token_expires_at = utcnow() + timedelta(hours=1)
    db.add(shop)
    db.commit()
    fake_shopify.access_tokens[TOKEN] = "test-shop"
    received = []

    def receive(variables):
        received.append(variables)
        return {"flowTriggerReceive": {"userErrors": []}}

    fake_shopify.resolvers[FLOW_TRIGGER_RECEIVE.strip()] = receive
    return received


def _send(app, now=None):
    with app.app_context():
        return sending.send_due(engine=ext.engine(app), now=now or utcnow())


def test_lifecycle_callback_is_verified_and_a_newer_one_wins(post, db, shop):
    handle = triggers.FRIEND_ADDED
    assert post(_lifecycle(shop, handle, True), secret="wrong").status_code == 401
    assert count(db, ShopifyFlowTrigger) == 0  # nothing stored on a bad HMAC
    assert post(_lifecycle(shop, handle, True, "2026-12-01T10:00:00Z")).get_json() == {"status": "changed"}
    stale = post(_lifecycle(shop, handle, False, "2026-12-01T09:00:00Z"))
    assert stale.get_json() == {"status": "unchanged"}
    fresh(db)
    assert [(t.handle, t.enabled) for t in rows(db, ShopifyFlowTrigger)] == [(handle, True)]
    post(_lifecycle(shop, handle, False, "2026-12-01T11:00:00Z"))
    fresh(db)
    assert rows(db, ShopifyFlowTrigger)[0].enabled is False
    assert post({**_lifecycle(shop, handle, True), "has_enabled_flow": "yes"}).status_code == 400


def test_triggers_are_queued_only_when_the_shop_uses_them(chat, user, db, shop, enable):
    chat(follow_event(user))
    assert count(db, ShopifyFlowTriggerCall) == 0  # no workflow uses it: nothing to tell Shopify
    enable(triggers.FRIEND_BLOCKED)
    event = unfollow_event(user)
    chat(event)
    chat(event)  # LINE redelivers the same event
    (call,) = rows(db, ShopifyFlowTriggerCall)
    assert call.handle == triggers.FRIEND_BLOCKED and "customer_id" not in call.payload  # not linked
    assert call.payload["LINE friend ID"]


def test_link_unlink_and_follow_carry_the_customer_reference(app, db, shop, friend, enable, chat, user):
    enable(triggers.CUSTOMER_UNLINKED, triggers.CUSTOMER_LINKED, triggers.FRIEND_ADDED)
    with app.app_context():
        customer_links.unlink(session=db, shop=shop, friend=friend, method="merchant", actor="test")
        db.commit()
    chat(follow_event(user, unblocked=True))
    fresh(db)
    calls = {c.handle: c.payload for c in rows(db, ShopifyFlowTriggerCall)}
    assert calls[triggers.CUSTOMER_UNLINKED]["customer_id"] == CUSTOMER_ID
    assert "customer_id" not in calls[triggers.FRIEND_ADDED]  # unlinked by then
    assert calls[triggers.FRIEND_ADDED]["Unblocked"] is True
    assert triggers.CUSTOMER_LINKED not in calls


def test_a_search_without_results_names_the_keyword(chat, user, db, shop, friend, enable):
    enable(triggers.SEARCH_NO_RESULT)
    chat(text_event(user, "存在しない商品ぴよぴよ"))
    (call,) = rows(db, ShopifyFlowTriggerCall)
    assert call.handle == triggers.SEARCH_NO_RESULT
    assert call.payload["Keyword"] == "存在しない商品ぴよぴよ" and call.payload["customer_id"] == CUSTOMER_ID


def test_calls_are_sent_and_retried_after_a_shopify_5xx(
    app, db, shop, friend, enable, chat, user, tokened, fake_shopify
):
    enable(triggers.FRIEND_BLOCKED)
    chat(unfollow_event(user))
    fake_shopify.fail_next_graphql_calls = 3  # shopifyapp itself tries three times
    assert _send(app) == {"retry": 1}
    assert tokened == []
    fresh(db)
    (call,) = rows(db, ShopifyFlowTriggerCall)
    assert (call.status, call.attempts) == ("pending", 1) and call.error
    assert _send(app) == {}  # backing off: not due yet
    assert _send(app, utcnow() + timedelta(minutes=2)) == {"sent": 1}
    (variables,) = tokened
    assert variables["handle"] == triggers.FRIEND_BLOCKED and variables["payload"]["customer_id"] == CUSTOMER_ID
    fresh(db)
    assert rows(db, ShopifyFlowTriggerCall)[0].status == "sent"
    assert _send(app, utcnow() + timedelta(hours=1)) == {}  # sent once


def test_user_errors_are_final(app, db, shop, friend, enable, chat, user, tokened, fake_shopify):
    enable(triggers.FRIEND_BLOCKED)
    chat(unfollow_event(user))
    fake_shopify.resolvers[FLOW_TRIGGER_RECEIVE.strip()] = lambda v: {
        "flowTriggerReceive": {"userErrors": [{"field": ["handle"], "message": "Invalid handle"}]}
    }
    assert _send(app) == {"failed": 1}
    fresh(db)
    assert rows(db, ShopifyFlowTriggerCall)[0].status == "failed"
    assert _send(app, utcnow() + timedelta(days=1)) == {}


def test_the_mutation_and_its_answer_match_shopifys_schema():
    variables = {"handle": triggers.LINK_CLICKED, "payload": {"customer_id": CUSTOMER_ID, "URL": "https://x.jp"}}
    as_shopify_answers(FLOW_TRIGGER_RECEIVE, variables, {"flowTriggerReceive": {"userErrors": []}})
    refused = {"flowTriggerReceive": {"userErrors": [{"field": ["payload"], "message": "Invalid"}]}}
    as_shopify_answers(FLOW_TRIGGER_RECEIVE, variables, refused)


def test_an_erased_shopper_leaves_no_trigger_call(app, db, shop, friend, enable, chat, user):
    from app.privacy.erasure import erase_shopper
    from app.privacy.holdings import ShopperRef

    enable(triggers.FRIEND_BLOCKED, triggers.CUSTOMER_UNLINKED)
    chat(unfollow_event(user))
    assert count(db, ShopifyFlowTriggerCall) == 1
    with app.app_context():
        erase_shopper(session=db, shop=shop, ref=ShopperRef(customer_shopify_id=CUSTOMER_ID))
        db.commit()
    assert count(db, ShopifyFlowTriggerCall) == 0  # the queued call went, and the unlink queued none


def test_trigger_calls_are_deleted_after_the_chat_retention(app, db, shop, friend, enable, chat, user):
    from app.privacy.periods import Periods
    from app.privacy.retention import trim_expired

    enable(triggers.FRIEND_BLOCKED)
    chat(unfollow_event(user))
    periods = Periods(deliveries=timedelta(days=7), failed=timedelta(days=30), chat=timedelta(days=90))
    with app.app_context():
        assert "shopify_flow_trigger_calls" not in trim_expired(engine=ext.engine(app), now=utcnow(), periods=periods)
        later = utcnow() + timedelta(days=91)
        assert trim_expired(engine=ext.engine(app), now=later, periods=periods)["shopify_flow_trigger_calls"] == 1
    assert count(db, ShopifyFlowTriggerCall) == 0


def test_a_worker_that_died_mid_call_leaves_it_to_another_after_the_lease(
    app, db, shop, friend, enable, chat, user, tokened
):
    enable(triggers.FRIEND_BLOCKED)
    chat(unfollow_event(user))
    now = utcnow()
    with app.app_context():
        (claimed,) = sending._claim(ext.engine(app), now, 10)  # a worker claimed it, then was killed
    assert claimed.handle == triggers.FRIEND_BLOCKED
    assert _send(app, now + timedelta(minutes=1)) == {}  # still leased: no second worker sends it meanwhile
    assert tokened == []
    assert _send(app, now + sending.LEASE + timedelta(seconds=1)) == {"sent": 1}
    assert len(tokened) == 1


def test_a_lifecycle_callback_naming_the_trigger_by_title_enables_its_handle(post, db, shop):
    """Flow's callback names the trigger by `flow_trigger_definition_id`, which Shopify's docs
    show both as the handle and as the trigger's title: both enable the same trigger."""
    title = next(t for t, h in triggers.TITLES.items() if h == triggers.FRIEND_BLOCKED)
    assert (
        post({**_lifecycle(shop, triggers.FRIEND_BLOCKED, True), "flow_trigger_definition_id": title}).status_code
        == 200
    )
    assert triggers.FRIEND_BLOCKED in triggers.enabled_handles(session=db, shop_id=shop.id)
