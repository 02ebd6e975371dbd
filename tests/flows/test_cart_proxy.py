"""The theme extension reports a logged-in shopper's cart token through the app proxy:
signed requests only, guests tie nothing, a linked customer's cart gets its reminder."""

from __future__ import annotations

from app.models import Cart, Notification
from app.models import NotificationStatus as St
from tests.conftest import CLIENT_SECRET
from tests.helpers import count, rows
from tests.line.test_account_link import open_proxy
from tests.plugins.flows import CUSTOMER_ID, notes

TOKEN = "c1-7f2a9d0c8a0d4e2f9b3c"  # the cart in tests/fixtures/shopify/carts_create.json


def test_logged_in_linked_customer_cart_is_tied_and_reminded(client, db, friend, send_webhook, payload):
    send_webhook("carts/create", payload("carts_create"))
    assert count(db, Notification) == 0  # carts carry no customer

    response = open_proxy(client, "/cart", {"token": TOKEN + "?key=abc"}, customer=CUSTOMER_ID)

    assert response.status_code == 204
    [cart] = rows(db, Cart)
    assert cart.customer_shopify_id == CUSTOMER_ID
    assert [(n.flow, n.status) for n in notes(db)] == [("abandoned_cart", St.SCHEDULED)]


def test_guest_and_forged_requests_tie_nothing(client, db, friend, send_webhook, payload):
    send_webhook("carts/create", payload("carts_create"))

    guest = open_proxy(client, "/cart", {"token": TOKEN}, customer=None)
    forged = open_proxy(client, "/cart", {"token": TOKEN}, secret="not-the-secret")
    junk = open_proxy(client, "/cart", {"token": "<script>"}, customer=CUSTOMER_ID)

    assert guest.status_code == 204 and forged.status_code in (400, 401) and junk.status_code == 400
    assert rows(db, Cart)[0].customer_shopify_id is None
    assert count(db, Notification) == 0
    assert CLIENT_SECRET  # the signing secret the real requests use
