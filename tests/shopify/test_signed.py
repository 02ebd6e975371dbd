"""Signed facts only: a delivery whose (signed) body names another shop than the unsigned
X-Shopify-Shop-Domain header, or is another topic's body, is refused: recorded with the
reason, its body not kept, nothing changed."""

from __future__ import annotations

import copy

import pytest
from sqlmodel import select

from app import models as m
from app.models import WebhookStatus
from app.privacy import deliveries
from app.shopify.signed import SHOP_NAMED, refusal
from tests.helpers import count, make_shop, rows

VICTIM = "test-shop.myshopify.com"
ATTACKER = "attacker-shop.myshopify.com"


def body_of(topic: str, payload, domain: str) -> dict:
    """A body of `topic` as Shopify signs it for the shop `domain`."""
    if topic in ("app/uninstalled", "shop/update"):
        return {**copy.deepcopy(payload("app_uninstalled")), "myshopify_domain": domain, "domain": domain}
    body = copy.deepcopy(payload(topic.replace("/", "_")))
    body["shop_domain"] = domain
    return body


@pytest.fixture
def victim(db, send_webhook, payload):
    """The shop a replayed body is aimed at: installed, with a customer."""
    shop = make_shop(db, domain=VICTIM)
    assert send_webhook("customers/create", payload("customers_create")).status_code == 200
    return shop


def assert_untouched(db, shop_id: int) -> None:
    [shop] = rows(db, m.Shop, m.Shop.id == shop_id)
    assert shop.is_installed
    assert count(db, m.Customer, m.Customer.shop_id == shop_id) == 1
    assert count(db, m.ComplianceRequest) == 0


def the_event(db, topic: str) -> m.WebhookEvent:
    [event] = rows(db, m.WebhookEvent, m.WebhookEvent.topic == topic)
    return event


@pytest.mark.parametrize("topic", SHOP_NAMED)
def test_a_body_naming_another_shop_is_refused_and_changes_nothing(victim, send_webhook, payload, db, topic):
    """The attack of issue 11: a validly signed body of shop A, sent again with shop B's
    domain in the header and a fresh webhook id, must not erase or uninstall B."""
    response = send_webhook(topic, body_of(topic, payload, ATTACKER), shop=VICTIM)

    assert response.status_code == 200  # answered (Shopify would retry a failure), not acted on
    event = the_event(db, topic)
    assert event.status == WebhookStatus.REFUSED and event.shop_id == victim.id
    assert ATTACKER in event.error and VICTIM in event.error
    assert "hanako" not in event.body and event.body_trimmed_at is not None  # another shop's data is not kept
    assert_untouched(db, victim.id)
    assert [e.id for e in deliveries.refused(session=db, shop=victim)] == [event.id]  # for the Privacy page


@pytest.mark.parametrize("topic", SHOP_NAMED)
def test_a_body_naming_no_shop_is_refused(victim, send_webhook, payload, db, topic):
    """Any other topic's signed body (here a product) sent under a shop-naming topic."""
    send_webhook(topic, payload("products_create"), shop=VICTIM)

    event = the_event(db, topic)
    assert event.status == WebhookStatus.REFUSED
    assert_untouched(db, victim.id)


@pytest.mark.parametrize(
    "sent_as,body_topic",
    [
        ("shop/redact", "customers/data_request"),
        ("shop/redact", "customers/redact"),
        ("customers/redact", "customers/data_request"),
        ("customers/redact", "shop/redact"),
        ("customers/data_request", "customers/redact"),
        ("app/uninstalled", "shop/redact"),
    ],
)
def test_a_body_of_another_topic_of_the_same_shop_is_refused(victim, send_webhook, payload, db, sent_as, body_topic):
    """The shop's own data request replayed as shop/redact must not erase the shop."""
    send_webhook(sent_as, body_of(body_topic, payload, VICTIM), shop=VICTIM)

    event = the_event(db, sent_as)
    assert event.status == WebhookStatus.REFUSED, event.error
    assert_untouched(db, victim.id)


def test_the_attackers_own_shop_is_not_touched_either(victim, send_webhook, payload, db):
    attacker = make_shop(db, domain=ATTACKER)
    send_webhook("customers/create", payload("customers_create"), shop=ATTACKER)

    send_webhook("shop/redact", body_of("shop/redact", payload, ATTACKER), shop=VICTIM)
    send_webhook("app/uninstalled", body_of("app/uninstalled", payload, ATTACKER), shop=VICTIM)

    assert count(db, m.Customer, m.Customer.shop_id == attacker.id) == 1
    assert rows(db, m.Shop, m.Shop.id == attacker.id)[0].is_installed
    assert_untouched(db, victim.id)


@pytest.mark.parametrize("topic", ["app/uninstalled", "shop/redact", "customers/redact", "customers/data_request"])
def test_a_body_naming_this_shop_is_acted_on(victim, send_webhook, payload, db, topic):
    send_webhook(topic, body_of(topic, payload, VICTIM.upper()), shop=VICTIM)

    db.expire_all()
    statuses = [e.status for e in db.exec(select(m.WebhookEvent).where(m.WebhookEvent.topic == topic))]
    assert statuses in ([WebhookStatus.PROCESSED], [])  # shop/redact takes its own record with it
    if topic == "app/uninstalled":
        assert not rows(db, m.Shop)[0].is_installed


def test_shop_update_naming_this_shop_is_checked_then_acted_on(victim, send_webhook, payload, db):
    send_webhook("shop/update", body_of("shop/update", payload, VICTIM), shop=VICTIM)

    assert the_event(db, "shop/update").status == WebhookStatus.PROCESSED
    assert rows(db, m.Shop, m.Shop.id == victim.id)[0].policies_due_at is not None  # its policies are read again


@pytest.mark.parametrize(
    "topic,body,refused",
    [
        ("app/uninstalled", {"myshopify_domain": VICTIM, "domain": "shop.example.jp"}, False),  # own domain
        ("app/uninstalled", {"myshopify_domain": VICTIM, "domain": ATTACKER}, True),
        ("app/uninstalled", {"domain": VICTIM}, False),
        ("app/uninstalled", {"domain": "shop.example.jp"}, True),  # proves nothing
        ("app/uninstalled", {"myshopify_domain": 42}, True),
        ("shop/redact", {"shop_domain": f"  {VICTIM.upper()} "}, False),
        ("shop/redact", {"shop_id": 1}, True),
        ("customers/redact", {"shop_domain": VICTIM, "customer": "x"}, True),
        ("orders/create", {"shop_domain": ATTACKER}, False),  # bodies of other topics name no shop
    ],
)
def test_refusal_rules(topic, body, refused):
    shop = m.Shop(domain=VICTIM)
    assert (refusal(topic=topic, shop=shop, payload=body) is not None) is refused
