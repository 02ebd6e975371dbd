"""app/uninstalled stops everything; a reinstall brings the shop back; scopes are kept."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from app import ext
from app.models import Notification, Shop
from app.timeutil import utcnow
from tests.helpers import fresh, make_shop, rows
from tests.shopify.test_auth import app_home, token_calls


def _notification(shop, status, key):
    return Notification(
        shop_id=shop.id,
        flow="abandoned_checkout",
        dedupe_key=key,
        due_at=utcnow() + timedelta(hours=1),
        status=status,
        messages=[{"type": "text"}],
    )


def test_uninstall_deletes_tokens_and_cancels_pending_messages(send_webhook, payload, db, app):
    shop = make_shop(
        db,
        access_token_enc=ext.vault(app).encrypt("shpat_x"),
        refresh_token_enc="enc",
        access_token_expires_at=utcnow() + timedelta(hours=1),
    )
    db.add_all(
        [_notification(shop, "scheduled", "a"), _notification(shop, "sending", "b"), _notification(shop, "sent", "c")]
    )
    db.commit()

    response = send_webhook("app/uninstalled", payload("app_uninstalled"))

    assert response.status_code == 200
    [stored] = rows(db, Shop)
    assert stored.uninstalled_at is not None and not stored.is_installed
    assert stored.access_token_enc is None and stored.refresh_token_enc is None
    statuses = {n.dedupe_key: (n.status, n.reason) for n in rows(db, Notification)}
    assert statuses == {
        "a": ("cancelled", "app_uninstalled"),
        "b": ("cancelled", "app_uninstalled"),
        "c": ("sent", None),
    }


def test_reinstall_after_uninstall_exchanges_a_new_token(client, fake_shopify, send_webhook, payload, db):
    app_home(client, fake_shopify)
    send_webhook("app/uninstalled", payload("app_uninstalled"))
    assert not rows(db, Shop)[0].is_installed

    response = app_home(client, fake_shopify)

    assert response.status_code == 200
    [shop] = rows(db, Shop)
    assert shop.is_installed and shop.access_token_enc is not None
    assert len(token_calls(fake_shopify, "urn:ietf:params:oauth:grant-type:token-exchange")) == 2


def test_scopes_update_is_remembered(send_webhook, payload, db):
    make_shop(db)
    send_webhook("app/scopes_update", payload("app_scopes_update"))

    fresh(db)
    assert db.exec(select(Shop.scopes)).one() == "read_products,read_customers,read_orders"
