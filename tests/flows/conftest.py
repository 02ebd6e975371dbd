"""Flow fixtures: the LINE fixtures, a shopper linked to the fixture payloads' customer,
and the worker's two steps (webhooks, then the outbox) at a chosen time."""

from __future__ import annotations

import copy
from datetime import datetime

import pytest

from app.flows import quota
from app.flows.dispatcher import dispatch_due
from app.line import links
from app.models import LineFriend, Notification
from app.shopify.events import process_due_events
from app.timeutil import utcnow
from tests.helpers import rows
from tests.line.conftest import channel, fake_line, settings, shop, user  # noqa: F401 (fixtures)

CUSTOMER_ID = 706405506930370084  # the customer in tests/fixtures/shopify/*.json


@pytest.fixture(autouse=True)
def _fresh_quota_cache():
    quota.forget()
    yield
    quota.forget()


@pytest.fixture
def friend(db, app, shop, channel, user):  # noqa: F811 (fixtures imported above)
    """A LINE friend linked to the fixtures' customer (as if they had linked in the chat)."""
    with app.app_context():
        customer = links.customer_by_shopify_id(db, shop, CUSTOMER_ID)
        customer.email, customer.first_name, customer.last_name = "hanako.yamada@example.jp", "花子", "山田"
        row = LineFriend(shop_id=shop.id, channel_id=channel.id, line_user_id=user, display_name="はなこ",
                         language="ja", followed_at=utcnow())
        db.add(row)
        db.flush()
        links.link(db, shop=shop, friend=row, customer=customer, method="chat", actor="test")
        db.commit()
    return row


@pytest.fixture
def dispatch(app):
    """Run the outbox at `now` (an aware datetime or ISO text), as the worker would."""

    def run(now=None) -> dict:
        if isinstance(now, str):
            now = datetime.fromisoformat(now)
        with app.app_context():
            engine = app.extensions["tsunagu.engine"]
            process_due_events(engine=engine, now=utcnow())
            return dispatch_due(engine=engine, now=now or utcnow())

    return run


@pytest.fixture
def payload_copy(payload):
    return lambda name, **changes: {**copy.deepcopy(payload(name)), **changes}


def notes(db, *where) -> list[Notification]:
    db.expire_all()
    return sorted(rows(db, Notification, *where), key=lambda n: (n.flow, n.step, n.dedupe_key))
