"""A shopper's source visits: in their data export (without the address hash or the login
nonce), and on erasure kept only as counts (the address hash goes, the source stays)."""

from __future__ import annotations

from sqlmodel import select

from app.line import customer_links
from app.models import Customer, FriendSource, FriendSourceVisit, LineFriend, VisitOutcome
from app.privacy.erasure import erase_shopper
from app.privacy.holdings import ShopperRef, holdings_of
from app.shopify.export import customer_export
from tests.fakes.line import new_user_id
from tests.helpers import fresh

SHOPPER = 4242


def _arrange(db, shop, channel) -> FriendSourceVisit:
    customer = Customer(shop_id=shop.id, shopify_id=SHOPPER)
    source = FriendSource(shop_id=shop.id, name="店頭POP", slug="pop")
    friend = LineFriend(shop_id=shop.id, channel_id=channel.id, line_user_id=new_user_id())
    db.add_all([customer, source, friend])
    db.flush()
    friend.source_id = source.id
    customer_links.link(session=db, shop=shop, friend=friend, customer=customer, method="login", actor="line:x")
    visit = FriendSourceVisit(
        shop_id=shop.id,
        source_id=source.id,
        ip_hash="f" * 64,
        login_nonce="n" * 32,
        outcome=VisitOutcome.NEW,
        line_friend_id=friend.id,
    )
    db.add(visit)
    db.commit()
    return visit


def test_source_visits_are_exported_without_hash_or_nonce(db, shop, channel):
    visit = _arrange(db, shop, channel)
    exported = customer_export(holdings_of(session=db, shop=shop, ref=ShopperRef(customer_shopify_id=SHOPPER)))
    [row] = exported["friend_source_visits"]
    assert row["id"] == visit.id and row["outcome"] == "new"
    assert "ip_hash" not in row and "login_nonce" not in row


def test_erasure_keeps_the_visit_as_a_count_without_its_address_hash(db, shop, channel):
    _arrange(db, shop, channel)
    erase_shopper(session=db, shop=shop, ref=ShopperRef(customer_shopify_id=SHOPPER))
    db.commit()
    fresh(db)
    [visit] = db.exec(select(FriendSourceVisit)).all()
    assert visit.ip_hash == "" and visit.outcome == "new"
    [friend] = db.exec(select(LineFriend)).all()
    assert friend.line_user_id.startswith("erased-") and friend.source_id is not None


def test_a_visits_address_hash_is_kept_one_day(app, db, shop, channel):
    from datetime import timedelta

    from app import ext
    from app.privacy.periods import Periods
    from app.privacy.retention import trim_expired
    from app.timeutil import utcnow

    visit = _arrange(db, shop, channel)
    recent = FriendSourceVisit(shop_id=shop.id, source_id=visit.source_id, ip_hash="e" * 64)
    db.add(recent)
    visit.visited_at = utcnow() - timedelta(days=1, minutes=1)
    db.add(visit)
    db.commit()

    with app.app_context():
        done = trim_expired(
            engine=ext.engine(app),
            now=utcnow(),
            periods=Periods(deliveries=timedelta(days=7), failed=timedelta(days=30), chat=timedelta(days=90)),
        )
    assert done.get("source_visit_addresses") == 1
    fresh(db)
    assert {v.id: v.ip_hash for v in db.exec(select(FriendSourceVisit))} == {visit.id: "", recent.id: "e" * 64}
