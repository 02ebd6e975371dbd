"""Which LINE friends an erasure takes: the one linked to the customer, and one the shopper
linked themselves earlier, unless someone else's customer account holds it now."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.line import customer_links
from app.models import Campaign, CampaignCode, Customer, LineEvent, LineFriend, LinkAudit
from app.privacy.erasure import erase_shopper
from app.privacy.holdings import ShopperRef
from tests.fakes.line import new_user_id
from tests.helpers import fresh

X, Y = 111, 222


@pytest.fixture
def people(db, shop, channel):
    customers = {sid: Customer(shop_id=shop.id, shopify_id=sid, email=f"{sid}@example.test") for sid in (X, Y)}
    friend = LineFriend(shop_id=shop.id, channel_id=channel.id, line_user_id=new_user_id(), display_name="はなこ")
    db.add_all([*customers.values(), friend])
    db.flush()
    db.add(
        LineEvent(
            shop_id=shop.id,
            channel_id=channel.id,
            webhook_event_id="01A",
            type="message",
            line_user_id=friend.line_user_id,
            body={"message": {"text": "こんにちは"}},
        )
    )
    db.commit()
    return customers, friend


def link(db, shop, friend, customer, method):
    customer_links.link(
        session=db, shop=shop, friend=friend, customer=customer, method=method, actor=f"line:{friend.line_user_id}"
    )
    db.commit()


def erase(db, shop, shopify_id):
    erase_shopper(session=db, shop=shop, ref=ShopperRef(customer_shopify_id=shopify_id))
    db.commit()
    fresh(db)


def test_a_friend_the_shopper_linked_and_unlinked_goes_with_them(db, shop, people):
    customers, friend = people
    user_id = friend.line_user_id
    link(db, shop, friend, customers[X], "chat")
    customer_links.unlink(session=db, shop=shop, friend=friend, method="shopper", actor="line:" + user_id)
    db.commit()

    erase(db, shop, X)

    [row] = db.exec(select(LineFriend)).all()
    assert row.line_user_id.startswith("erased-") and row.display_name is None
    assert db.exec(select(LineEvent)).all() == []
    assert all(a.customer_shopify_id is None and user_id not in (a.actor or "") for a in db.exec(select(LinkAudit)))


def test_a_friend_now_linked_to_another_customer_stays_theirs(db, shop, people):
    customers, friend = people
    user_id = friend.line_user_id
    link(db, shop, friend, customers[X], "chat")
    link(db, shop, friend, customers[Y], "login")  # the same LINE account, another store account

    erase(db, shop, X)

    [row] = db.exec(select(LineFriend)).all()
    assert (row.line_user_id, row.customer_id) == (user_id, customers[Y].id)
    assert len(db.exec(select(LineEvent)).all()) == 1
    assert X not in {a.customer_shopify_id for a in db.exec(select(LinkAudit))}


def test_a_friend_a_merchant_once_linked_by_hand_is_not_taken(db, shop, people):
    customers, friend = people
    user_id = friend.line_user_id
    link(db, shop, friend, customers[X], "merchant")
    customer_links.unlink(session=db, shop=shop, friend=friend, method="merchant", actor="staff:1")
    db.commit()

    erase(db, shop, X)

    [row] = db.exec(select(LineFriend)).all()
    assert row.line_user_id == user_id and row.display_name == "はなこ"
    assert X not in {a.customer_shopify_id for a in db.exec(select(LinkAudit))}


def test_the_shoppers_campaign_coupon_codes_go_with_them(db, shop, people, channel):
    customers, friend = people
    other = LineFriend(shop_id=shop.id, channel_id=channel.id, line_user_id=new_user_id())
    campaign = Campaign(shop_id=shop.id, name="クーポン配信")
    db.add_all([other, campaign])
    db.flush()
    db.add_all(
        CampaignCode(shop_id=shop.id, campaign_id=campaign.id, friend_id=f.id, code=code)
        for f, code in ((friend, "LINEHANAKO"), (other, "LINEOTHER"))
    )
    db.commit()
    link(db, shop, friend, customers[X], "chat")

    erase(db, shop, X)

    assert [c.code for c in db.exec(select(CampaignCode))] == ["LINEOTHER"]
