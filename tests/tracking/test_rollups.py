"""Daily rollups equal a recount of the raw rows after a seeded random mix of what really
changes them (scheduling, the dispatcher's claim and record with sends, retries, failures
and skips, cancellations, a merchant's retry, clicks through /r/, attributions made, edited
and cancelled, blocks, a shopper's redaction, an uninstall); the dashboard's figures read
through the rollups equal the raw computation; `flask rebuild-rollups` restores them."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlmodel import select

from app import ext
from app.admin.people import messages as merchant
from app.campaigns import sending
from app.flows import dispatcher, outbox
from app.flows.recipients import Recipient
from app.line import handlers
from app.models import Campaign, CampaignChunk, Customer, DailyRollup, LineFriend, Notification, Order, TrackedLink
from app.models import CampaignStatus as CS
from app.models import NotificationStatus as St
from app.privacy.erasure import erase_shopper
from app.privacy.holdings import ShopperRef
from app.shopify import lifecycle
from app.tracking import attribution, blocks, daily, redirect, stats
from app.tracking.rollup_rebuild import as_table, rebuild, recount, stored
from tests.helpers import fresh, make_shop

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
FLOWS = ("abandoned_checkout", "repurchase", "order_confirmation")


class Clock:
    def __init__(self):
        self.at = NOW - timedelta(days=20)

    def __call__(self):
        return self.at


def _recount(db, shop_ids):
    fresh(db)
    return as_table(recount(session=db, shop_ids=shop_ids))


class Mix:
    """The random history: every step goes through the code the app runs."""

    def __init__(self, db, shops, rng, clock):
        self.db, self.shops, self.rng, self.clock, self.n = db, shops, rng, clock, 0
        self.friends = {s.id: [] for s in shops}
        for shop in shops:
            for i in range(6):
                customer = Customer(shop_id=shop.id, shopify_id=1000 * shop.id + i)
                db.add(customer)
                db.flush()
                friend = LineFriend(shop_id=shop.id, line_user_id=f"U{shop.id}x{i}", customer_id=customer.id)
                db.add(friend)
                db.flush()
                self.friends[shop.id].append((friend, customer))
        db.commit()

    def schedule(self):
        shop = self.rng.choice(self.shops)
        notices = []
        for friend, customer in self.rng.sample(self.friends[shop.id], 3):
            self.n += 1
            notices.append((f"{self.rng.choice(FLOWS)}:{self.n}", Recipient(friend, customer, "ja", "様"), [], {}))
        flow = notices[0][0].split(":")[0]
        outbox.schedule_many(session=self.db, shop=shop, flow=flow, due_at=self.clock.at, notices=notices)
        friend, customer = self.rng.choice(self.friends[shop.id])
        self.n += 1
        outbox.schedule(
            session=self.db,
            shop=shop,
            flow=flow,
            step=0,
            dedupe_key=f"{flow}:one:{self.n}",
            due_at=self.clock.at,
            recipient=Recipient(friend, customer, "ja", "様"),
            messages=[],
        )
        self.db.commit()

    def dispatch(self):
        """The dispatcher's own claim and record, with LINE's answers drawn at random."""
        engine = ext.engine()
        rows = dispatcher.claim(engine, self.clock.at, 8)
        outcomes = []
        # ties on due_at are broken by a random uuid in claim(): draw in key order, the same every run
        for row in sorted(rows, key=lambda r: (r.due_at, r.dedupe_key)):
            pick = self.rng.random()
            if pick < 0.55:
                outcomes.append(dispatcher.Outcome(row.id, St.SENT, sent_at=self.clock.at))
            elif pick < 0.75:
                outcomes.append(dispatcher._failure(row, self.clock.at, "500 from LINE", retry=True))
            elif pick < 0.85:
                outcomes.append(dispatcher.Outcome(row.id, St.FAILED, error="400"))
            else:
                outcomes.append(dispatcher.Outcome(row.id, St.SKIPPED, reason="quiet"))
        dispatcher._record(engine, outcomes)
        fresh(self.db)

    def retry_or_cancel(self):
        shop = self.rng.choice(self.shops)
        failed = self.db.exec(
            select(Notification)
            .where(Notification.shop_id == shop.id, Notification.status == St.FAILED)
            .order_by(Notification.dedupe_key)
        ).first()
        if failed is not None:
            merchant.retry_message(session=self.db, shop=shop, row=failed)
        waiting = self.db.exec(
            select(Notification)
            .where(Notification.shop_id == shop.id, Notification.status == St.SCHEDULED)
            .order_by(Notification.dedupe_key)
        ).first()
        if waiting is not None:
            merchant.cancel_message(session=self.db, shop=shop, row=waiting)
        outbox.cancel(
            session=self.db,
            shop=shop,
            reason="order_placed",
            key_prefix=f"{self.rng.choice(FLOWS)}:{self.rng.randint(0, self.n)}",
        )
        self.db.commit()

    def click(self, monkeypatch):
        shop = self.rng.choice(self.shops)
        sent = self.db.exec(
            select(Notification)
            .where(Notification.shop_id == shop.id, Notification.status == St.SENT)
            .order_by(Notification.dedupe_key)  # PostgreSQL's heap order moves with every update
        ).all()
        if not sent:
            return
        note = self.rng.choice(sent)
        link = TrackedLink(
            shop_id=shop.id,
            token=uuid.uuid4().hex[:20],
            notification_id=note.id,
            customer_id=note.customer_id,
            flow=note.flow,
            target="https://example.jp/",
        )
        self.db.add(link)
        self.db.commit()
        monkeypatch.setattr(redirect, "utcnow", lambda: self.clock.at)
        redirect.count_click(session=self.db, link=link)

    def order(self):
        shop = self.rng.choice(self.shops)
        friend, customer = self.rng.choice(self.friends[shop.id])
        self.n += 1
        order = Order(
            shop_id=shop.id,
            shopify_id=self.n,
            name=f"#{self.n}",
            customer_shopify_id=customer.shopify_id,
            total_price=Decimal(self.rng.randint(1, 90) * 100),
            currency="JPY",
            processed_at=self.clock.at,
        )
        self.db.add(order)
        self.db.flush()
        attribution.attribute_order(session=self.db, shop=shop, order=order)
        self.db.commit()

    def edit_order(self):
        shop = self.rng.choice(self.shops)
        orders = self.db.exec(select(Order).where(Order.shop_id == shop.id).order_by(Order.shopify_id)).all()
        if not orders:
            return
        order = self.rng.choice(orders)
        if self.rng.random() < 0.5:
            order.total_price = Decimal(self.rng.randint(1, 90) * 100)
        else:
            order.cancelled_at = self.clock.at
        self.db.add(order)
        self.db.flush()
        attribution.attribute_order(session=self.db, shop=shop, order=order)
        self.db.commit()

    def block(self):
        shop = self.rng.choice(self.shops)
        friend, _ = self.rng.choice(self.friends[shop.id])
        blocks.record_block(session=self.db, friend=friend, blocked_at=self.clock.at)
        self.db.commit()

    def follow(self):
        """LINE's follow event through its handler: a first follow or a re-follow moves the day."""
        shop = self.rng.choice(self.shops)
        friend, _ = self.rng.choice(self.friends[shop.id])
        event = {"timestamp": int(self.clock.at.timestamp() * 1000), "follow": {"isUnblocked": self.rng.random() < 0.5}}
        chat = SimpleNamespace(
            friend=friend,
            event=event,
            session=self.db,
            prefetched={},
            shop=shop,
            row=SimpleNamespace(received_at=self.clock.at),  # the stored event (a source login may hold it)
            t=lambda key, **_: key,
            reply=print,
        )
        handlers.on_follow(chat)
        self.db.commit()

    def redact(self):
        shop = self.rng.choice(self.shops)
        if not self.friends[shop.id]:
            return
        friend, customer = self.friends[shop.id].pop(self.rng.randrange(len(self.friends[shop.id])))
        erase_shopper(session=self.db, shop=shop, ref=ShopperRef(customer_shopify_id=customer.shopify_id))
        self.db.commit()


@pytest.fixture
def shops(db):
    return [make_shop(db), make_shop(db, "other-shop.myshopify.com", timezone="America/New_York")]


def test_rollups_equal_a_recount_after_a_random_mix(app, db, shops, monkeypatch):
    clock, rng = Clock(), random.Random(16)
    monkeypatch.setattr(outbox, "utcnow", clock)
    mix = Mix(db, shops, rng, clock)
    steps = [
        mix.schedule,
        mix.dispatch,
        mix.dispatch,
        mix.retry_or_cancel,
        lambda: mix.click(monkeypatch),
        mix.order,
        mix.edit_order,
        mix.block,
        mix.follow,
    ]
    with app.app_context():
        for i in range(160):
            clock.at += timedelta(hours=rng.randint(1, 5))
            rng.choice(steps)()
            if i in (60, 120):
                mix.redact()
        ids = [s.id for s in shops]
        expected = _recount(db, ids)
        moved = {
            k: v for k, v in expected.items() if any(c.startswith("created_") and c != "created_scheduled" for c in v)
        }
        assert moved and any("clicks" in v for v in expected.values()) and any("orders" in v for v in expected.values())
        assert any("sent" in v for v in expected.values()) and any("blocks" in v for v in expected.values())
        assert any("follows" in v for v in expected.values())
        assert stored(session=db, shop_ids=ids) == expected

        lifecycle.uninstall(session=db, shop=shops[0])
        db.commit()
        assert stored(session=db, shop_ids=ids) == _recount(db, ids)


def test_dashboard_figures_read_through_rollups_equal_the_raw_computation(app, db, shops, monkeypatch):
    clock, rng = Clock(), random.Random(7)
    monkeypatch.setattr(outbox, "utcnow", clock)
    mix = Mix(db, shops, rng, clock)
    with app.app_context():
        for _ in range(120):
            clock.at += timedelta(hours=rng.randint(1, 4))
            rng.choice(
                [
                    mix.schedule,
                    mix.dispatch,
                    mix.dispatch,
                    lambda: mix.click(monkeypatch),
                    mix.order,
                    mix.block,
                    mix.follow,
                ]
            )()
        fresh(db)
        for shop in shops:
            today = clock.at.astimezone(daily.zone(shop.timezone)).date()
            since = daily.midnight(shop, today - timedelta(days=29), UTC)
            until = daily.midnight(shop, today + timedelta(days=1), UTC)
            span = {"session": db, "shop": shop, "since": since, "until": until}
            assert daily.split(shop, since, until).cut_day == today  # 29 days from rollups
            for name in (
                "sent_by_flow",
                "clicks_by_flow",
                "blocks_by_flow",
                "blocks_by_day",
                "follows_by_day",
                "attributed_by_flow",
                "recovered_checkouts",
                "revenue_by_day",
            ):
                assert getattr(daily, name)(**span) == getattr(stats, name)(**span), name
            assert sum(sum(d.values()) for d in daily.sent_by_flow(**span).values()) > 0
            raw_counts = {}
            for flow, status, _id in db.exec(
                select(Notification.flow, Notification.status, Notification.id).where(
                    Notification.shop_id == shop.id,
                    Notification.created_at >= since,
                    Notification.created_at < until,
                )
            ):
                raw_counts.setdefault(flow, {}).setdefault(status, 0)
                raw_counts[flow][status] += 1
            assert daily.status_counts(**span) == raw_counts


def test_rebuild_restores_rollups_lost_or_wrong(app, db, shops, monkeypatch):
    clock, rng = Clock(), random.Random(3)
    monkeypatch.setattr(outbox, "utcnow", clock)
    mix = Mix(db, shops, rng, clock)
    with app.app_context():
        for _ in range(40):
            clock.at += timedelta(hours=3)
            rng.choice([mix.schedule, mix.dispatch, mix.order, mix.block])()
        ids = [s.id for s in shops]
        expected = _recount(db, ids)
        for row in db.exec(select(DailyRollup)).all():
            row.created_scheduled += 5
            db.add(row)
        db.commit()
        assert stored(session=db, shop_ids=ids) != expected
        result = app.test_cli_runner().invoke(args=["rebuild-rollups", "--shop", shops[0].domain])
        assert result.exit_code == 0 and "rollup rows" in result.output
        fresh(db)
        mine = {k: v for k, v in expected.items() if k[0] == shops[0].id}
        assert stored(session=db, shop_ids=[shops[0].id]) == mine
        assert stored(session=db, shop_ids=[shops[1].id]) != {k: v for k, v in expected.items() if k[0] == shops[1].id}
        rebuild(session=db, shop_ids=[shops[1].id])
        db.commit()
        assert stored(session=db, shop_ids=ids) == expected
        bad = app.test_cli_runner().invoke(args=["rebuild-rollups", "--shop", "nobody.myshopify.com"])
        assert bad.exit_code != 0


def test_campaign_chunks_sent_are_counted_under_their_campaign_and_not_in_home_sent(app, db, shops):
    shop = shops[0]
    campaign = Campaign(shop_id=shop.id, name="冬のセール", status=CS.SENDING, started_at=NOW)
    db.add(campaign)
    db.flush()
    for number in range(3):
        db.add(
            CampaignChunk(
                shop_id=shop.id,
                campaign_id=campaign.id,
                number=number,
                friend_ids=[1, 2, 3, 4][: number + 2],
                retry_key=uuid.uuid4(),
            )
        )
    db.commit()
    with app.app_context():
        engine = ext.engine()
        first = sending.claim(engine, now=NOW, size=3)
        outcomes = ["sent", "pending", "failed"]
        sending.record(
            engine,
            [sending.Result(c, status, delivered=len(c.friend_ids)) for c, status in zip(first, outcomes, strict=True)],
        )
        again = sending.claim(engine, now=NOW, size=3)  # the retried chunk, sent this time
        assert [c.number for c in again] == [1]
        sending.record(engine, [sending.Result(again[0], "sent", delivered=3)])
        fresh(db)
        ids = [shop.id]
        mine = {k: v for k, v in stored(session=db, shop_ids=ids).items() if k[2] == f"campaign|{campaign.id}||"}
        assert [v["sent"] for v in mine.values()] == [2 + 3]  # the failed chunk's 4 never counted as sent
        assert stored(session=db, shop_ids=ids) == _recount(db, ids)
        day = NOW.astimezone(daily.zone(shop.timezone)).date()
        span = {"session": db, "shop": shop, "since": daily.midnight(shop, day - timedelta(days=6), UTC)}
        span["until"] = daily.midnight(shop, day + timedelta(days=1), UTC)
        rebuild(session=db, shop_ids=ids)
        db.commit()
        assert "campaign" not in daily.sent_by_flow(**span) and daily.sent_by_flow(**span) == stats.sent_by_flow(**span)


def test_a_worker_that_dies_mid_batch_is_resumed_and_counted_once(app, db, shops, monkeypatch):
    clock, rng = Clock(), random.Random(5)
    monkeypatch.setattr(outbox, "utcnow", clock)
    mix = Mix(db, shops, rng, clock)
    with app.app_context():
        for _ in range(3):
            mix.schedule()
        ids = [s.id for s in shops]
        engine = ext.engine()
        claimed = dispatcher.claim(engine, clock.at, 50)
        assert claimed and stored(session=db, shop_ids=ids) == _recount(db, ids)

        # The record step dies after its UPDATE: the transaction rolls back, counts included.
        def boom(**_):
            raise RuntimeError("worker killed")

        with monkeypatch.context() as m:
            m.setattr(dispatcher.rollups, "notes_moved", boom)
            with pytest.raises(RuntimeError):
                dispatcher._record(engine, [dispatcher.Outcome(r.id, St.SENT, sent_at=clock.at) for r in claimed])
        fresh(db)
        assert {n.status for n in db.exec(select(Notification)).all()} == {St.SENDING}
        assert stored(session=db, shop_ids=ids) == _recount(db, ids)

        # Another worker, after STALE_SENDING, claims the same rows again and sends them.
        later = datetime.now(UTC) + dispatcher.STALE_SENDING + timedelta(minutes=1)
        monkeypatch.setattr(dispatcher, "utcnow", lambda: later)
        again = dispatcher.claim(engine, clock.at, 50)
        assert sorted(r.id for r in again) == sorted(r.id for r in claimed)
        dispatcher._record(engine, [dispatcher.Outcome(r.id, St.SENT, sent_at=clock.at) for r in again])
        fresh(db)
        counted = stored(session=db, shop_ids=ids)
        assert counted == _recount(db, ids)
        assert sum(v.get("sent", 0) for v in counted.values()) == len(claimed)
        assert sum(v.get("created_sending", 0) for v in counted.values()) == 0
