"""Planning and sending against the fake LINE: chunks of 500, each recipient exactly once,
retries and reclaimed chunks answered "already accepted", exclusions, quota refusals,
cancel, pause and resume, scheduled starts, quiet hours and transactional priority."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import select

from app import ext
from app.campaigns import audience
from app.campaigns import forecast as forecast_mod
from app.campaigns.planning import retry_key
from app.campaigns.sending import claim
from app.models import Campaign, CampaignChunk, Notification
from app.models import CampaignStatus as CS
from app.models import ChunkStatus as KS
from app.timeutil import utcnow
from tests.helpers import fresh
from tests.plugins.campaigns import NOON_JST
from tests.plugins.people import notification


def _campaign(db, campaign_id) -> Campaign:
    fresh(db)
    return db.get(Campaign, campaign_id)


def _chunks(db, campaign_id) -> list[CampaignChunk]:
    fresh(db)
    rows = db.exec(select(CampaignChunk).where(CampaignChunk.campaign_id == campaign_id))
    return sorted(rows, key=lambda c: c.number)


def _reminder_an_hour_ago(db, shop, friend) -> None:
    """A marketing reminder sent to `friend` an hour before NOON_JST: at the daily cap of 1."""
    notification(
        db,
        shop,
        flow="abandoned_cart",
        friend=friend,
        marketing=True,
        created=NOON_JST - timedelta(hours=1, seconds=5),  # sent 5 s after it was created
    )


def test_recipients_go_in_chunks_of_500_each_exactly_once(db, fake_line, many_friends, make_campaign, run_campaigns):
    friends = many_friends(1_234)
    campaign = make_campaign()
    started, sent = run_campaigns()
    assert started == {"sending": 1}
    assert sent == {"sent": 3}
    chunks = _chunks(db, campaign.id)
    assert [len(c.friend_ids) for c in chunks] == [500, 500, 234]
    assert [c.friend_ids for c in chunks] == [[f.id for f in friends[i : i + 500]] for i in (0, 500, 1000)]
    assert [c.retry_key for c in chunks] == [retry_key(campaign.uid, n) for n in range(3)]
    calls = [r for r in fake_line.requests if r.path == "/v2/bot/message/multicast"]
    assert len(calls) == 3
    assert {r.headers["X-Line-Retry-Key"] for r in calls} == {str(c.retry_key) for c in chunks}
    assert all(r.body["customAggregationUnits"] == [f"campaign_{campaign.id}_v0"] for r in calls)
    assert all(r.body["messages"] == [{"type": "text", "text": "年末セール開催中！"}] for r in calls)
    reached = fake_line.multicast_recipients()
    assert set(reached) == {f.line_user_id for f in friends} and set(reached.values()) == {1}
    done = _campaign(db, campaign.id)
    assert (done.status, done.transport, done.recipients, done.chunks_done, done.sent_count) == (
        CS.DONE,
        "multicast",
        1_234,
        3,
        1_234,
    )
    assert run_campaigns() == ({}, {})  # nothing left: nothing sent again
    assert len(fake_line.multicasts()) == 3


def test_blocked_opted_out_and_capped_friends_are_left_out(
    db, shop, fake_line, many_friends, make_campaign, run_campaigns
):
    friends = many_friends(10)
    blocked = many_friends(2, is_blocked=True, blocked_at=utcnow())
    opted = many_friends(3, marketing_opt_out_at=utcnow())
    capped = friends[0]  # a reminder went out an hour ago: the daily cap is 1
    _reminder_an_hour_ago(db, shop, capped)
    campaign = make_campaign()
    run_campaigns()
    done = _campaign(db, campaign.id)
    assert done.recipients == 9 and done.excluded == {"blocked": 2, "opted_out": 3, "capped": 1}
    reached = fake_line.multicast_recipients()
    assert set(reached) == {f.line_user_id for f in friends[1:]}
    assert not {f.line_user_id for f in blocked + opted + [capped]} & set(reached)

    exempt = make_campaign(name="お知らせ", exempt_from_cap=True)  # exempt from the cap, never from opt-outs
    run_campaigns(NOON_JST + timedelta(minutes=1))
    assert _campaign(db, exempt.id).excluded == {"blocked": 2, "opted_out": 3}
    # The first campaign counts towards the cap: the second reaches only because it is exempt.
    assert fake_line.multicast_recipients()[capped.line_user_id] == 1


def test_every_friend_is_read_in_ascending_pages_each_once(db, shop, many_friends, make_campaign, monkeypatch):
    """A campaign to every friend pages through the sendable ids (4 a page here): each one
    once, in id order, whatever the database hands a page over as; the blocked, opted-out
    and capped friends are left out and counted."""
    monkeypatch.setattr(audience, "BATCH", 4)
    friends = many_friends(10)
    many_friends(2, is_blocked=True, blocked_at=utcnow())
    many_friends(3, marketing_opt_out_at=utcnow())
    capped = friends[5]
    _reminder_an_hour_ago(db, shop, capped)
    kept: list[list[int]] = []
    result = audience.tally(
        session=db, shop=shop, campaign=make_campaign(), now=NOON_JST, keep=lambda ids: kept.append(list(ids))
    )
    assert [i for page in kept for i in page] == sorted(f.id for f in friends if f is not capped)
    assert [len(page) for page in kept] == [4, 3, 2]  # the page holding the capped friend is one short
    assert (result.audience, result.recipients) == (15, 9)
    assert dict(result.excluded) == {"blocked": 2, "opted_out": 3, "capped": 1}


def test_the_forecast_reads_the_quota_and_a_send_past_it_sends_nothing(
    app, db, shop, fake_line, many_friends, make_campaign, run_campaigns
):
    many_friends(1_000)
    many_friends(5, is_blocked=True)
    fake_line.quota, fake_line.total_usage = 1_000, 100  # 100 reserved for order messages: 800 left
    campaign = make_campaign(status=CS.DRAFT)
    with app.app_context():
        quota = forecast_mod.read_quota(session=db, shop=shop)
        seen = forecast_mod.forecast(session=db, shop=shop, campaign=campaign, now=NOON_JST, quota=quota, lang="en")
    assert quota == forecast_mod.Quota(1_000, 100)
    assert (seen.audience, seen.recipients, seen.messages, seen.excluded["blocked"]) == (1_005, 1_000, 1_000, 5)
    assert (seen.transport, seen.transport_reason) == ("multicast", "followers_unknown")
    assert (seen.room, seen.fits, seen.could_reach) == (800, False, 800)
    assert (seen.api_calls, seen.cost_yen, seen.plan) == (2, 0, "free")
    assert "it could reach 800 of 1,000 friends" in " ".join(seen.notes)

    campaign.status = CS.SCHEDULED
    db.add(campaign)
    db.commit()
    started, sent = run_campaigns()
    assert started == {"quota_exceeded": 1} and sent == {}
    refused = _campaign(db, campaign.id)
    assert (refused.status, refused.reason, refused.forecast["could_reach"]) == (CS.FAILED, "quota_exceeded", 800)
    assert fake_line.multicasts() == [] and _chunks(db, campaign.id) == []


def test_an_accepted_call_whose_answer_was_lost_is_not_sent_twice(
    db, fake_line, many_friends, make_campaign, run_campaigns
):
    friends = many_friends(1_200)
    campaign = make_campaign()
    fake_line.fail_after_accept_next(1, 500, path="/v2/bot/message/multicast")  # LINE took it, we saw a 500
    _started, sent = run_campaigns()
    assert sent == {"sent": 3}
    conflicts = [r for r in fake_line.requests if r.path.endswith("multicast")]
    assert len(conflicts) == 4  # the retry of the first call, answered 409
    reached = fake_line.multicast_recipients()
    assert set(reached) == {f.line_user_id for f in friends} and set(reached.values()) == {1}
    assert _campaign(db, campaign.id).sent_count == 1_200


def test_chunks_a_dead_worker_left_sending_are_sent_again_with_the_same_key(
    app, db, fake_line, many_friends, make_campaign, run_campaigns
):
    friends = many_friends(1_500)
    campaign = make_campaign()
    run_campaigns(max_chunks=0)  # planned, nothing sent
    with app.app_context():
        engine = ext.engine(app)
        dead = claim(engine, now=NOON_JST, size=2)  # a worker claims two chunks and dies...
    assert [c.number for c in dead] == [0, 1]
    # ...after LINE accepted its first call (it never saw the answer).
    from app.line.client import LineClient

    client = LineClient(host=fake_line.url, access_token=fake_line.access_token, channel_key="x")
    users = {f.id: f.line_user_id for f in friends}
    client.multicast([users[i] for i in dead[0].friend_ids], campaign.messages, retry_key=dead[0].retry_key)
    _, sent = run_campaigns()  # chunk 2 goes; 0 and 1 are claimed by nobody live yet
    assert sent == {"sent": 1}
    assert {c.number: c.status for c in _chunks(db, campaign.id)} == {0: KS.SENDING, 1: KS.SENDING, 2: KS.SENT}
    _, sent = run_campaigns(stale_after=timedelta(0))  # past the stale time: reclaimed
    assert sent == {"sent": 2}
    reached = fake_line.multicast_recipients()
    assert set(reached) == {f.line_user_id for f in friends} and set(reached.values()) == {1}
    done = _campaign(db, campaign.id)
    assert (done.status, done.chunks_done, done.sent_count) == (CS.DONE, 3, 1_500)
    assert [c.attempts for c in _chunks(db, campaign.id)] == [2, 2, 1]


def test_pause_resume_and_cancel(app, db, client, fake_line, many_friends, make_campaign, run_campaigns):
    from app.campaigns import control

    many_friends(1_100)
    campaign = make_campaign()
    run_campaigns(max_chunks=1)
    assert _campaign(db, campaign.id).chunks_done == 1
    assert control.transition(session=db, campaign=campaign, action="pause")
    db.commit()
    assert run_campaigns()[1] == {}
    assert _campaign(db, campaign.id).chunks_done == 1
    assert not control.transition(session=db, campaign=campaign, action="pause")  # already paused
    assert control.transition(session=db, campaign=campaign, action="resume")
    db.commit()
    assert run_campaigns()[1] == {"sent": 2}
    assert _campaign(db, campaign.id).status == CS.DONE
    assert not control.transition(session=db, campaign=campaign, action="cancel")  # done is done

    later = make_campaign(name="予約", scheduled_at=NOON_JST + timedelta(hours=1))
    assert control.transition(session=db, campaign=later, action="cancel")
    db.commit()
    assert run_campaigns(NOON_JST + timedelta(hours=2)) == ({}, {})
    assert _campaign(db, later.id).status == CS.CANCELLED

    midway = make_campaign(name="途中")
    run_campaigns(max_chunks=1)
    assert control.transition(session=db, campaign=midway, action="cancel")
    db.commit()
    run_campaigns()
    assert [c.status for c in _chunks(db, midway.id)] == [KS.SENT, KS.CANCELLED, KS.CANCELLED]
    assert len(fake_line.multicasts()) == 3 + 1


def test_a_scheduled_campaign_starts_at_its_time_and_waits_out_quiet_hours(
    db, fake_line, many_friends, make_campaign, run_campaigns
):
    many_friends(3)
    at = NOON_JST + timedelta(hours=2)
    campaign = make_campaign(scheduled_at=at)
    assert run_campaigns(at - timedelta(seconds=1)) == ({}, {})
    assert _campaign(db, campaign.id).status == CS.SCHEDULED
    assert run_campaigns(at)[0] == {"sending": 1}
    assert len(fake_line.multicasts()) == 1

    night = NOON_JST.replace(hour=22)  # 22:00 in Tokyo: quiet until 09:00
    late = make_campaign(name="夜", scheduled_at=night)
    assert run_campaigns(night)[0] == {"moved": 1}
    moved = _campaign(db, late.id)
    assert (moved.status, moved.reason) == (CS.SCHEDULED, "quiet_hours")
    assert moved.scheduled_at == (night + timedelta(hours=11)).astimezone(moved.scheduled_at.tzinfo)
    assert run_campaigns(moved.scheduled_at)[0] == {"sending": 1}
    assert len(fake_line.multicasts()) == 2


def test_campaign_chunks_give_way_to_due_order_messages(
    db, shop, friend, fake_line, many_friends, make_campaign, run_campaigns
):
    many_friends(10)
    campaign = make_campaign()
    db.add(
        Notification(
            shop_id=shop.id,
            friend_id=friend.id,
            customer_id=friend.customer_id,
            flow="order_confirmation",
            dedupe_key="order:1",
            marketing=False,
            due_at=NOON_JST - timedelta(seconds=5),
            messages=[{"type": "text", "text": "ご注文ありがとうございます"}],
        )
    )
    db.commit()
    started, sent = run_campaigns()
    assert started == {"sending": 1} and sent == {"yielded": 1}
    assert fake_line.multicasts() == []
    db.exec(select(Notification)).one().status = "sent"
    db.commit()
    assert run_campaigns()[1] == {"sent": 1}
    assert _campaign(db, campaign.id).status == CS.DONE


def test_an_explicit_list_reaches_only_its_friends_of_this_shop(
    db, fake_line, many_friends, make_campaign, run_campaigns
):
    friends = many_friends(5)
    chosen = [friends[3].id, friends[1].id, 999_999]
    campaign = make_campaign(audience={"kind": "friends", "ids": chosen})
    run_campaigns()
    assert set(fake_line.multicast_recipients()) == {friends[1].line_user_id, friends[3].line_user_id}
    assert _campaign(db, campaign.id).recipients == 2
    assert uuid.UUID(str(_chunks(db, campaign.id)[0].retry_key)).version == 5
