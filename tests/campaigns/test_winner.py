"""The A/B test's winner: by tracked clicks or by revenue per recipient, ties to the lowest
index, chosen once after `winner_after_hours`, then sent to the rest exactly once, also when
the worker dies between choosing and planning the rest, or in the middle of sending it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlmodel import select

from app import ext
from app.campaigns import split, winner
from app.campaigns.planning import retry_key, start_due
from app.campaigns.sending import Run, claim, send_due
from app.models import Campaign, CampaignChunk, Customer, LineFriend, Order, TrackedLink
from app.models import CampaignStatus as CS
from app.models import ChunkStatus as KS
from app.timeutil import utcnow
from tests.helpers import fresh
from tests.plugins.campaigns import NOON_JST
from tests.plugins.tracking import card, token_of

UID = uuid.UUID("0b6f1c9e-5a3d-4e2f-8a7b-1c2d3e4f5a6b")
SHOP_A, SHOP_B = "https://shop.example/a", "https://shop.example/b"
VARIANTS = [{"name": "割引", "messages": card(SHOP_A)}, {"name": "送料無料", "messages": card(SHOP_B)}]
DECIDE_AT = NOON_JST + timedelta(days=1)  # past the test's 24 hours, outside quiet hours


def test_pick_by_rate_per_recipient_and_ties_to_the_lowest_index():
    assert winner.pick({0: 5, 1: 9}, {0: 100, 1: 100}, 2) == 1
    assert winner.pick({0: 5, 1: 9}, {0: 50, 1: 100}, 2) == 0  # 10 % beats 9 %
    assert winner.pick({0: 3, 1: 3}, {0: 10, 1: 10}, 2) == 0  # a tie: the first variant
    assert winner.pick({1: 2, 2: 2}, {0: 10, 1: 10, 2: 10}, 3) == 1
    assert winner.pick({}, {}, 4) == 0  # nothing measured: the first variant
    assert winner.pick({0: 1, 1: 1}, {0: 0, 1: 10}, 2) == 1  # a variant nobody received scores 0
    revenue = {0: Decimal("12000.50"), 1: Decimal("9000")}
    assert winner.pick(revenue, {0: 120, 1: 80}, 2) == 1  # ¥100.004 < ¥112.5
    assert winner.pick({0: Decimal("100"), 1: Decimal("100.00")}, {0: 1, 1: 1}, 2) == 0


def _campaign(db, campaign_id) -> Campaign:
    fresh(db)
    return db.get(Campaign, campaign_id)


def _chunks(db, campaign_id) -> list[CampaignChunk]:
    fresh(db)
    rows = db.exec(select(CampaignChunk).where(CampaignChunk.campaign_id == campaign_id))
    return sorted(rows, key=lambda c: c.number)


@pytest.fixture
def ab_test(db, fake_line, many_friends, make_campaign, run_campaigns):
    """1,000 friends; 20 % get variant A or B, the rest waits for the winner (by `metric`)."""

    def start(metric: str = "clicks"):
        friends = many_friends(1_000)
        campaign = make_campaign(uid=UID, variants=VARIANTS, test_share=20, winner_metric=metric, winner_after_hours=24)
        started, _sent = run_campaigns()
        assert started == {"sending": 1}
        assert _campaign(db, campaign.id).status == CS.TESTING
        return campaign, friends

    return start


@pytest.fixture
def pick(app):
    def run(now):
        with app.app_context():
            return winner.pick_due(engine=ext.engine(app), now=now)

    return run


@pytest.fixture
def send(app):
    def run(now=DECIDE_AT, **options):
        with app.app_context():
            return send_due(engine=ext.engine(app), now=now, **options)

    return run


def _links(db, campaign_id) -> dict[int, TrackedLink]:
    fresh(db)
    return {link.variant: link for link in db.exec(select(TrackedLink).where(TrackedLink.campaign_id == campaign_id))}


def _everyone_once(fake_line, friends):
    reached = fake_line.multicast_recipients()
    assert set(reached) == {f.line_user_id for f in friends}
    assert set(reached.values()) == {1}


def test_the_winner_by_clicks_goes_to_the_rest_once(db, fake_line, ab_test, pick, send, click):
    campaign, friends = ab_test("clicks")
    links = _links(db, campaign.id)
    assert {v: link.target for v, link in links.items()} == {0: SHOP_A, 1: SHOP_B}
    tested = {c.variant: c for c in _chunks(db, campaign.id)}
    assert set(tested) == {0, 1}
    for delivery in fake_line.multicasts():  # each test chunk carries its own variant's link
        uri = delivery.messages[1]["contents"]["footer"]["contents"][0]["action"]["uri"]
        variant = next(
            v
            for v, c in tested.items()
            if set(c.friend_ids) == {f.id for f in friends if f.line_user_id in delivery.to}
        )
        assert token_of(uri) == links[variant].token
    for _ in range(3):
        assert click(links[1].token).status_code == 302
    assert click(links[0].token).status_code == 302
    assert pick(utcnow()) == {}  # 24 hours have not passed
    assert pick(DECIDE_AT) == {"sending": 1}
    decided = _campaign(db, campaign.id)
    assert decided.winner == 1
    assert decided.forecast["winner"]["scores"] == {"0": "1", "1": "3"}
    assert send() == {"sent": 2}  # about 800 friends: two chunks of 500 at most
    _everyone_once(fake_line, friends)
    rest = [c for c in _chunks(db, campaign.id) if c.number >= 2]
    assert {c.variant for c in rest} == {1}
    assert [c.retry_key for c in rest] == [retry_key(UID, n) for n in (2, 3)]
    for c in rest:
        assert all(split.group_of(decided, i)[0] == split.REST for i in c.friend_ids)
    later = [d for d in fake_line.multicasts() if d.retry_key in {str(c.retry_key) for c in rest}]
    assert all(
        token_of(d.messages[1]["contents"]["footer"]["contents"][0]["action"]["uri"]) == links[1].token for d in later
    )
    done = _campaign(db, campaign.id)
    assert (done.status, done.sent_count, done.recipients, done.chunks_total) == (CS.DONE, 1_000, 1_000, 4)
    assert pick(DECIDE_AT + timedelta(days=1)) == {}  # chosen once
    assert send(DECIDE_AT + timedelta(days=1)) == {}
    assert len(fake_line.multicasts()) == 4


def _buy(db, shop, friend: LineFriend, number: int, total: int, at, **fields) -> None:
    customer = Customer(shop_id=shop.id, shopify_id=9_000 + number)
    db.add(customer)
    db.flush()
    friend = db.get(LineFriend, friend.id)
    friend.customer_id = customer.id
    db.add(friend)
    db.add(
        Order(
            shop_id=shop.id,
            shopify_id=7_000 + number,
            customer_shopify_id=customer.shopify_id,
            name=f"#{number}",
            total_price=Decimal(total),
            processed_at=at,
            **fields,
        )
    )
    db.commit()


def test_the_winner_by_revenue_counts_recipients_orders_after_the_send(db, shop, fake_line, ab_test, pick, send, click):
    campaign, friends = ab_test("revenue")
    by_id = {f.id: f for f in friends}
    chunks = {c.variant: c.friend_ids for c in _chunks(db, campaign.id)}
    a, b = [by_id[i] for i in chunks[0]], [by_id[i] for i in chunks[1]]
    soon = utcnow() + timedelta(hours=2)
    _buy(db, shop, a[0], 1, 6_000, soon)
    _buy(db, shop, b[0], 2, 3_000, soon)
    _buy(db, shop, b[1], 3, 90_000, soon, cancelled_at=soon)  # cancelled: earns nothing
    _buy(db, shop, b[2], 4, 90_000, utcnow() - timedelta(days=1))  # before the message
    _buy(db, shop, b[3], 5, 90_000, utcnow() + timedelta(days=8))  # after the 7-day window
    links = _links(db, campaign.id)
    for _ in range(5):
        click(links[1].token)  # B has the clicks; A has the revenue
    assert pick(DECIDE_AT) == {"sending": 1}
    decided = _campaign(db, campaign.id)
    scores = decided.forecast["winner"]["scores"]
    assert (Decimal(scores["0"]), Decimal(scores["1"])) == (Decimal(6_000), Decimal(3_000))
    # ¥6,000 over A's recipients against ¥3,000 over B's: A wins unless B had half as many.
    expected = 0 if Decimal(6_000) / len(a) > Decimal(3_000) / len(b) else 1
    assert decided.winner == expected == 0
    send()
    _everyone_once(fake_line, friends)


def test_a_worker_dying_in_the_winner_phase_sends_nobody_twice(app, db, fake_line, ab_test, pick, send, monkeypatch):
    campaign, friends = ab_test("clicks")
    tested = [(c.number, c.retry_key, c.status) for c in _chunks(db, campaign.id)]

    def killed(**_kwargs):
        raise RuntimeError("worker killed after choosing the winner")

    monkeypatch.setattr(winner.planning, "plan", killed)
    assert pick(DECIDE_AT) == {"error": 1}
    monkeypatch.undo()
    stuck = _campaign(db, campaign.id)
    assert (stuck.status, stuck.winner) == (CS.PLANNING, 0)
    assert pick(DECIDE_AT) == {}  # the winner is chosen once, by the first worker
    engine = ext.engine(app)
    with app.app_context():
        assert start_due(engine=engine, now=DECIDE_AT) == {}  # not stale yet: still its worker's
    db.execute(update(Campaign).where(Campaign.id == campaign.id).values(updated_at=utcnow() - timedelta(minutes=11)))
    db.commit()
    with app.app_context():
        assert start_due(engine=engine, now=DECIDE_AT) == {"sending": 1}  # the stale sweep plans the rest
        # A second worker dies mid-send: it claimed a chunk, LINE accepted it, nothing recorded.
        (lost,) = claim(engine, now=DECIDE_AT, size=1)
        run = Run(engine, DECIDE_AT)
        assert run.send(lost, run.prepare([lost])[lost.id]).status == KS.SENT
    assert [(c.number, c.retry_key, c.status) for c in _chunks(db, campaign.id)][:2] == tested
    sent = send(stale_after=timedelta(0))
    assert sent.get("sent") == 2
    _everyone_once(fake_line, friends)  # the reclaimed chunk was answered "already accepted"
    done = _campaign(db, campaign.id)
    assert (done.status, done.winner, done.sent_count) == (CS.DONE, 0, 1_000)
    assert pick(DECIDE_AT) == {} and send() == {}


def test_a_test_share_nobody_falls_in_still_sends_the_rest_after_the_wait(
    db, fake_line, many_friends, make_campaign, run_campaigns, pick, send
):
    friends = many_friends(60)
    probe = Campaign(shop_id=1, name="probe", uid=UID, variants=VARIANTS, test_share=10)
    _held, _tests, rest = split.divide(probe, [f.id for f in friends])
    chosen = rest[:3]  # an audience that lies wholly in the rest: the test is empty
    campaign = make_campaign(uid=UID, variants=VARIANTS, test_share=10, audience={"kind": "friends", "ids": chosen})
    assert run_campaigns() == ({"sending": 1}, {})
    waiting = _campaign(db, campaign.id)
    assert (waiting.status, waiting.chunks_total, fake_line.multicasts()) == (CS.TESTING, 0, [])
    assert pick(DECIDE_AT) == {"sending": 1}
    assert send() == {"sent": 1}
    user = {f.id: f.line_user_id for f in friends}
    assert fake_line.multicast_recipients() == {user[i]: 1 for i in chosen}
    assert _campaign(db, campaign.id).status == CS.DONE
