"""Flow fixtures: a shopper linked to the fixture payloads' customer, linked friends made in
bulk, a notification put in the outbox, and the worker's two steps (webhooks, then the
outbox) at a chosen time; helpers to read the outbox and set a flow's settings."""

from __future__ import annotations

import copy
import itertools
from datetime import datetime

import pytest

from app import ext
from app.flows import outbox
from app.flows.dispatcher import dispatch_due
from app.flows.recipients import Recipient
from app.line import customer_links
from app.models import Customer, LineFriend, Notification
from app.shopify.processing import process_due_events
from app.timeutil import utcnow
from tests.fakes.line import new_user_id
from tests.helpers import rows

CUSTOMER_ID = 706405506930370084  # the customer in tests/fixtures/shopify/*.json


@pytest.fixture
def friend(db, app, shop, channel, user):
    """A LINE friend linked to the fixtures' customer (as if they had linked in the chat)."""
    with app.app_context():
        customer = customer_links.customer_by_shopify_id(session=db, shop=shop, shopify_id=CUSTOMER_ID)
        customer.email, customer.first_name, customer.last_name = "hanako.yamada@example.jp", "花子", "山田"
        row = LineFriend(
            shop_id=shop.id,
            channel_id=channel.id,
            line_user_id=user,
            display_name="はなこ",
            language="ja",
            followed_at=utcnow(),
        )
        db.add(row)
        db.flush()
        customer_links.link(session=db, shop=shop, friend=row, customer=customer, method="chat", actor="test")
        db.commit()
    return row


@pytest.fixture
def dispatch(app):
    """Run the outbox at `now` (an aware datetime or ISO text), as the worker would."""

    def run(now=None) -> dict:
        if isinstance(now, str):
            now = datetime.fromisoformat(now)
        with app.app_context():
            engine = ext.engine(app)
            process_due_events(engine=engine, now=utcnow())
            return dispatch_due(engine=engine, now=now or utcnow())

    return run


@pytest.fixture
def payload_copy(payload):
    return lambda name, **changes: {**copy.deepcopy(payload(name)), **changes}


def notes(db, *where) -> list[Notification]:
    db.expire_all()
    return sorted(rows(db, Notification, *where), key=lambda n: (n.flow, n.step, n.dedupe_key))


_shopify_ids = itertools.count(800_000_000_000_000_000)


@pytest.fixture
def linked_friends(db, shop, channel):
    """`make(n)`: n LINE friends, each linked to a customer of its own (no webhooks needed)."""

    def make(n: int = 1) -> list[LineFriend]:
        made = []
        for _ in range(n):
            customer = Customer(shop_id=shop.id, shopify_id=next(_shopify_ids))
            db.add(customer)
            db.flush()
            made.append(
                LineFriend(
                    shop_id=shop.id,
                    channel_id=channel.id,
                    line_user_id=new_user_id(),
                    display_name="テスト",
                    language="ja",
                    followed_at=utcnow(),
                    customer_id=customer.id,
                    linked_at=utcnow(),
                    link_method="chat",
                )
            )
        db.add_all(made)
        db.commit()
        return made

    return make


@pytest.fixture
def put(db, shop):
    """Put one notification in the outbox for a linked friend, as a flow would; returns the row."""

    def add(
        friend: LineFriend,
        flow: str,
        due_at,
        *,
        key: str | None = None,
        text: str = "テストのお知らせ",
        context: dict | None = None,
    ) -> Notification:
        db.commit()  # end the session's read snapshot: SQLite refuses a write from a stale one
        due = datetime.fromisoformat(due_at) if isinstance(due_at, str) else due_at
        key = key or f"test:{flow}:{next(_shopify_ids)}"
        recipient = Recipient(friend=friend, customer=db.get(Customer, friend.customer_id), lang="ja", name="テスト")
        outbox.schedule(
            session=db,
            shop=shop,
            flow=flow,
            step=0,
            dedupe_key=key,
            due_at=due,
            recipient=recipient,
            messages=[{"type": "text", "text": text}],
            context=context,
        )
        db.commit()
        return rows(db, Notification, Notification.dedupe_key == key)[0]

    return add


def set_flow(db, store, flow: str, values: dict) -> None:
    """Save the merchant's settings of one flow (as the admin's flows page would)."""
    saved = dict(store.settings or {})
    saved["flows"] = {**saved.get("flows", {}), flow: values}
    store.settings = saved
    db.add(store)
    db.commit()


def button(message: dict, index: int = 0) -> dict:
    """The action of a Flex message's footer button."""
    return message["contents"]["footer"]["contents"][index]["action"]
