"""Personalised campaigns by push against the fake LINE and the fake Shopify: one push per
recipient with their own name and coupon code, each under its own derived retry key;
friends who blocked or opted out since planning skipped and counted; a reclaimed chunk
resumed from its progress; shared codes checked against Shopify (a deleted discount fails
the campaign with `coupon_gone` and sends nothing); unique codes made in Shopify in bulk,
stored before the push and reused on a retry; every coupon document in Shopify's schema."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app import ext
from app.campaigns import control, coupons, forecast, push, transport
from app.campaigns.sending import claim
from app.line import channels
from app.models import Campaign, CampaignChunk, CampaignCode, Customer
from app.models import CampaignStatus as CS
from app.models import ChunkStatus as KS
from app.shopify import queries
from app.timeutil import utcnow
from tests.fakes.shopify_schema import as_shopify_answers
from tests.helpers import fresh, make_shop

TOKEN = "shpat_push_campaigns"
PERSONAL = [{"type": "text", "text": "{customer_name}さま、クーポン {coupon_code} で10%オフ"}]
NAMED = [{"type": "text", "text": "{customer_name}さま、年末セールのお知らせです"}]


@pytest.fixture
def shop(db, app, fake_shopify):
    """The test shop, holding an Admin API token the fake Shopify accepts."""
    row = make_shop(
        db, access_token_enc=ext.vault(app).encrypt(TOKEN), access_token_expires_at=utcnow() + timedelta(hours=1)
    )
    fake_shopify.access_tokens[TOKEN] = "test-shop"
    return row


@pytest.fixture
def with_coupon(monkeypatch):
    """`give(campaign, block)`: the campaign's composer blocks hold this coupon block (the
    composer's `blocks` column is another branch's; this is its seam)."""
    held: dict[int, dict] = {}
    monkeypatch.setattr(coupons, "coupon_of", lambda campaign: held.get(campaign.id))

    def give(campaign: Campaign, block: dict) -> None:
        held[campaign.id] = {"type": "coupon", "text": "クーポン", **block}

    return give


def _chunks(db, campaign_id) -> list[CampaignChunk]:
    fresh(db)
    return sorted(
        db.exec(select(CampaignChunk).where(CampaignChunk.campaign_id == campaign_id)), key=lambda c: c.number
    )


def _texts(fake_line) -> dict[str, list[str]]:
    got: dict[str, list[str]] = {}
    for d in fake_line.pushes():
        got.setdefault(d.to, []).append(d.messages[0]["text"])
    return got


def test_each_recipient_gets_one_push_with_their_own_name(
    db, shop, fake_line, many_friends, make_campaign, run_campaigns
):
    friends = many_friends(230)
    customer = Customer(shop_id=shop.id, shopify_id=501, last_name="山田", first_name="花子")
    db.add(customer)
    db.commit()
    friends[0].customer_id = customer.id
    friends[1].display_name = None
    db.add_all(friends[:2])
    db.commit()
    campaign = make_campaign(messages=NAMED)

    started, sent = run_campaigns()

    assert started == {"sending": 1} and sent == {"sent": 3}
    chunks = _chunks(db, campaign.id)
    assert [len(c.friend_ids) for c in chunks] == [100, 100, 30]
    texts = _texts(fake_line)
    assert set(texts) == {f.line_user_id for f in friends} and all(len(t) == 1 for t in texts.values())
    assert texts[friends[0].line_user_id] == ["山田 花子さま、年末セールのお知らせです"]
    assert texts[friends[1].line_user_id] == ["お客さま、年末セールのお知らせです"]
    assert texts[friends[2].line_user_id] == ["友だちさま、年末セールのお知らせです"]
    keys = {d.to: d.retry_key for d in fake_line.pushes()}
    for chunk in chunks:
        for fid in chunk.friend_ids:
            user = next(f.line_user_id for f in friends if f.id == fid)
            assert keys[user] == str(uuid.uuid5(campaign.uid, f"{chunk.number}:{fid}"))
    fresh(db)
    done = db.get(Campaign, campaign.id)
    assert (done.status, done.transport, done.sent_count, done.chunks_done) == (CS.DONE, transport.PUSH, 230, 3)
    assert fake_line.multicasts() == []


def test_friends_who_blocked_or_opted_out_since_planning_are_skipped_and_counted(
    app, db, fake_line, many_friends, make_campaign, run_campaigns
):
    friends = many_friends(10)
    campaign = make_campaign(messages=NAMED)
    assert run_campaigns(max_chunks=0)[0] == {"sending": 1}
    friends[3].is_blocked, friends[3].blocked_at = True, utcnow()
    friends[7].marketing_opt_out_at = utcnow()
    db.add_all([friends[3], friends[7]])
    db.commit()

    run_campaigns()

    assert set(_texts(fake_line)) == {f.line_user_id for i, f in enumerate(friends) if i not in (3, 7)}
    (chunk,) = _chunks(db, campaign.id)
    assert (chunk.status, chunk.delivered, chunk.skipped, chunk.pushed) == (KS.SENT, 8, 2, 10)
    assert db.get(Campaign, campaign.id).sent_count == 8
    with app.app_context():
        shown = control.progress(session=db, campaign=db.get(Campaign, campaign.id))
    assert (shown["sent"], shown["skipped"]) == (8, 2)


def test_a_reclaimed_chunk_resumes_where_the_last_claim_recorded_and_nobody_gets_it_twice(
    app, db, shop, channel, fake_line, many_friends, make_campaign, run_campaigns
):
    friends = many_friends(50)
    campaign = make_campaign(messages=NAMED)
    assert run_campaigns(max_chunks=0)[0] == {"sending": 1}
    engine = ext.engine(app)
    # A worker claimed the chunk, pushed 35 friends (its progress written at 20), then died.
    (claimed,) = claim(engine, now=utcnow(), size=1)
    with app.app_context():
        client = channels.client_for(channel, shop=shop)
        for friend in friends[:35]:
            text = push.fill(NAMED, {"customer_name": "友だち"})
            client.push(friend.line_user_id, text, retry_key=push.retry_key(campaign.uid, 0, friend.id))
    assert push.save_progress(engine, claimed, push.Progress(pushed=20, delivered=20))
    db.execute(
        update(CampaignChunk)
        .where(CampaignChunk.id == claimed.id)
        .values(claimed_at=utcnow() - timedelta(minutes=10))  # stale: the worker is gone
    )
    db.commit()

    run_campaigns()

    requests = [r.body["to"] for r in fake_line.requests if r.path == "/v2/bot/message/push"]
    assert requests == [f.line_user_id for f in friends[:35]] + [f.line_user_id for f in friends[20:]]
    reached = [d.to for d in fake_line.pushes()]
    assert sorted(reached) == sorted(f.line_user_id for f in friends), "someone missed or reached twice"
    (chunk,) = _chunks(db, campaign.id)
    assert (chunk.status, chunk.delivered, chunk.pushed, chunk.attempts) == (KS.SENT, 50, 50, 2)


def test_a_shared_code_reaches_everyone_and_a_deleted_discount_fails_the_campaign_before_sending(
    db, fake_shopify, fake_line, many_friends, make_campaign, run_campaigns, with_coupon
):
    friends = many_friends(3)
    fake_shopify.discounts.add("WINTER10")
    kept = make_campaign(messages=PERSONAL)
    with_coupon(kept, {"mode": "shared", "code": "WINTER10"})
    assert run_campaigns() == ({"sending": 1}, {"sent": 1})
    assert {t for texts in _texts(fake_line).values() for t in texts} == {"友だちさま、クーポン WINTER10 で10%オフ"}
    assert len(_texts(fake_line)) == len(friends)

    gone_gid = fake_shopify.discounts.add("GONE20")
    gone = make_campaign(messages=PERSONAL, name="消えたクーポン")
    with_coupon(gone, {"mode": "shared", "code": "GONE20"})
    fake_shopify.discounts.delete(gone_gid)  # deleted in Shopify after the draft was checked
    before = len(fake_line.requests)

    assert run_campaigns() == ({"failed": 1}, {})

    fresh(db)
    failed = db.get(Campaign, gone.id)
    assert (failed.status, failed.reason, failed.chunks_total, failed.sent_count) == (CS.FAILED, "coupon_gone", 0, 0)
    assert [r.path for r in fake_line.requests[before:] if "/message/push" in r.path] == []


def test_unique_codes_are_made_in_shopify_in_bulk_and_stored_one_per_recipient(
    app, db, shop, fake_shopify, fake_line, many_friends, make_campaign, run_campaigns, with_coupon
):
    friends = many_friends(120)  # two chunks: two bulk additions, each within Shopify's 250
    gid = fake_shopify.discounts.add("LINEONLY")
    campaign = make_campaign(messages=PERSONAL)
    with_coupon(campaign, {"mode": "unique", "discount_id": gid})

    run_campaigns()

    fresh(db)
    stored = dict(db.exec(select(CampaignCode.friend_id, CampaignCode.code)).all())
    assert set(stored) == {f.id for f in friends} and len(set(stored.values())) == 120
    assert sorted(fake_shopify.discounts.added) == sorted(stored.values())  # each made once
    assert {c.upper() for c in stored.values()} <= fake_shopify.discounts.discounts[gid]
    texts = _texts(fake_line)
    for friend in friends:
        assert texts[friend.line_user_id] == [f"友だちさま、クーポン {stored[friend.id]} で10%オフ"]
    adds = [r for r in fake_shopify.requests if "discountRedeemCodeBulkAdd" in r.body.get("query", "")]
    polls = [r for r in fake_shopify.requests if "discountRedeemCodeBulkCreation(" in r.body.get("query", "")]
    assert sorted(len(r.body["variables"]["codes"]) for r in adds) == [20, 100] and len(polls) == 2
    assert db.get(Campaign, campaign.id).status == CS.DONE


def test_a_unique_code_discount_deleted_after_planning_ends_the_campaign_as_coupon_gone(
    app, db, shop, fake_shopify, fake_line, many_friends, make_campaign, with_coupon
):
    from app.campaigns.planning import start_due
    from app.campaigns.sending import send_due
    from tests.plugins.campaigns import NOON_JST

    many_friends(30)
    gid = fake_shopify.discounts.add("LINEONLY")
    campaign = make_campaign(messages=PERSONAL)
    with_coupon(campaign, {"mode": "unique", "discount_id": gid})
    with app.app_context():
        start_due(engine=ext.engine(app), now=NOON_JST)  # planned while the discount exists
        fake_shopify.discounts.delete(gid)
        send_due(engine=ext.engine(app), now=NOON_JST)

    fresh(db)
    ended = db.get(Campaign, campaign.id)
    assert (ended.status, ended.reason, ended.sent_count) == (CS.DONE, "coupon_gone", 0)
    assert fake_line.pushes() == []  # no code could be made: nobody got a message without one


def test_a_restart_after_shopify_made_the_codes_sends_the_same_codes(app, db, shop, fake_shopify, with_coupon):
    gid = fake_shopify.discounts.add("LINEONLY")
    campaign = Campaign(shop_id=shop.id, name="再開", messages=PERSONAL)
    db.add(campaign)
    db.commit()
    with_coupon(campaign, {"mode": "unique", "discount_id": gid})
    engine = ext.engine(app)
    ids = [11, 12, 13]
    with app.app_context():  # Shopify made the codes, then the worker died before storing them
        coupons._add_in_shopify(shop, gid, [coupons.code_for(campaign.uid, f) for f in ids])
    _friends_with_ids(db, shop, ids)
    with app.app_context():
        first = coupons.codes_for(engine=engine, shop=shop, campaign=campaign, friend_ids=ids)
        again = coupons.codes_for(engine=engine, shop=shop, campaign=campaign, friend_ids=ids)
    assert first == again == {f: coupons.code_for(campaign.uid, f) for f in ids}
    assert len(fake_shopify.discounts.added) == 3  # the second bulk add was all TAKEN; nothing new


def _friends_with_ids(db, shop, ids):
    from app.models import LineChannel, LineFriend
    from tests.fakes.line import new_user_id

    channel = LineChannel(shop_id=shop.id, bot_user_id=new_user_id(), channel_secret_enc="x", access_token_enc="x")
    db.add(channel)
    db.commit()
    db.add_all(LineFriend(id=i, shop_id=shop.id, channel_id=channel.id, line_user_id=new_user_id()) for i in ids)
    db.commit()


def test_the_coupon_documents_and_the_fakes_answers_are_shopifys(fake_shopify):
    book = fake_shopify.discounts
    gid = book.add("WINTER10")
    answers = book.answers()
    added = answers[queries.COUPON_CODES_ADD.strip()]({"discountId": gid, "codes": [{"code": "LINEA"}]})
    creation = added["discountRedeemCodeBulkAdd"]["bulkCreation"]["id"]
    refused = answers[queries.COUPON_CODES_ADD.strip()](
        {"discountId": "gid://shopify/DiscountCodeNode/999", "codes": []}
    )
    calls = [
        (queries.COUPON_BY_CODE, {"code": "winter10"}, None),
        (queries.COUPON_BY_CODE, {"code": "NOPE"}, None),
        (queries.COUPON_DISCOUNT, {"id": gid}, None),
        (queries.COUPON_DISCOUNT, {"id": "gid://shopify/DiscountCodeNode/999"}, None),
        (queries.COUPON_CODES_ADD, {"discountId": gid, "codes": [{"code": "LINEA"}]}, added),
        (queries.COUPON_CODES_ADD, {"discountId": "gid://shopify/DiscountCodeNode/999", "codes": []}, refused),
        (queries.COUPON_CODES_CREATION, {"id": creation}, None),
    ]
    for document, variables, answer in calls:
        as_shopify_answers(document, variables, answer or answers[document.strip()](variables))
    assert answers[queries.COUPON_BY_CODE.strip()]({"code": "winter10"})["codeDiscountNodeByCode"] == {"id": gid}


def test_the_forecast_of_a_push_campaign_counts_a_call_per_recipient_at_the_push_rate(
    app, db, shop, many_friends, make_campaign
):
    many_friends(900)
    campaign = make_campaign(messages=NAMED, status=CS.DRAFT)
    with app.app_context():
        seen = forecast.forecast(session=db, shop=shop, campaign=campaign, now=utcnow(), quota=None)
    assert (seen.transport, seen.transport_reason, seen.recipients, seen.api_calls) == (
        "push",
        "personalised",
        900,
        900,
    )
    assert seen.duration_s == round(900 / (2_000 * 0.9), 1)  # LINE's push rate, the pacer's headroom
    calls, seconds = forecast.calls_and_seconds(transport.PUSH, 9_000)
    assert calls == 9_000 and seconds == pytest.approx(9_000 / (2_000 * 0.9))
