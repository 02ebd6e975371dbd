"""Send-time policies: quiet hours in the shop's time zone (DST included), the marketing caps
across flows, opt-outs, blocks, unlinks, uninstalls and disconnected channels."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.flows.policies import quiet_until
from app.line import customer_links
from app.models import Campaign, Notification, Shop
from app.models import NotificationStatus as St
from app.timeutil import utcnow
from tests.helpers import rows

TOKYO, NEW_YORK = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
DAY = "2026-11-25T01:00:00+00:00"  # 10:00 in Tokyo: outside the default quiet hours


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def local(text: str, tz: ZoneInfo, fold: int = 0) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz, fold=fold).astimezone(UTC)


def a_shop(timezone: str = "Asia/Tokyo", **policies) -> Shop:
    return Shop(domain="x.myshopify.com", timezone=timezone, settings={"policies": policies} if policies else {})


def row(db, note: Notification) -> Notification:
    return rows(db, Notification, Notification.id == note.id)[0]


# -- quiet_until ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "until"),
    [
        ("2026-11-25T22:00", "2026-11-26T09:00"),  # late evening: the next morning
        ("2026-11-25T21:00", "2026-11-26T09:00"),  # the first minute of quiet
        ("2026-11-25T23:59", "2026-11-26T09:00"),
        ("2026-11-26T00:00", "2026-11-26T09:00"),  # after midnight: the same morning
        ("2026-11-26T03:00", "2026-11-26T09:00"),
        ("2026-11-26T08:59", "2026-11-26T09:00"),
        ("2026-11-26T09:00", None),  # quiet is over
        ("2026-11-26T12:00", None),
        ("2026-11-26T20:59", None),
    ],
)
def test_quiet_hours_across_midnight_in_tokyo(now, until):
    got = quiet_until(a_shop(), local(now, TOKYO))
    assert got == (local(until, TOKYO) if until else None)


@pytest.mark.parametrize(
    ("now", "fold", "morning"),
    [
        ("2026-03-07T22:00", 0, "2026-03-08"),  # EST evening; clocks spring forward at 02:00
        ("2026-03-08T01:30", 0, "2026-03-08"),  # just before the gap
        ("2026-03-08T03:30", 0, "2026-03-08"),  # just after it (EDT)
        ("2026-10-31T22:00", 0, "2026-11-01"),  # EDT evening; clocks fall back at 02:00
        ("2026-11-01T01:30", 0, "2026-11-01"),  # the first 01:30 (EDT)
        ("2026-11-01T01:30", 1, "2026-11-01"),  # the repeated 01:30 (EST)
    ],
)
def test_quiet_hours_end_at_nine_local_on_dst_nights(now, fold, morning):
    got = quiet_until(a_shop("America/New_York"), local(now, NEW_YORK, fold))
    wall = got.astimezone(NEW_YORK)
    assert (wall.date().isoformat(), wall.hour, wall.minute) == (morning, 9, 0)
    # 13:00 UTC after spring-forward (EDT, -4); 14:00 UTC after fall-back (EST, -5)
    assert got == at(f"{morning}T{13 if morning.startswith('2026-03') else 14}:00:00+00:00")


def test_a_daytime_quiet_window():
    shop = a_shop(quiet_start="12:00", quiet_end="14:00")
    assert quiet_until(shop, local("2026-11-25T13:00", TOKYO)) == local("2026-11-25T14:00", TOKYO)
    assert quiet_until(shop, local("2026-11-25T12:00", TOKYO)) == local("2026-11-25T14:00", TOKYO)
    for outside in ("2026-11-25T11:59", "2026-11-25T14:00", "2026-11-25T23:00", "2026-11-25T03:00"):
        assert quiet_until(shop, local(outside, TOKYO)) is None


@pytest.mark.parametrize("hour", ["00:00", "03:00", "09:00", "21:00", "23:30"])
def test_equal_start_and_end_disable_quiet_hours(hour):
    shop = a_shop(quiet_start="21:00", quiet_end="21:00")
    assert quiet_until(shop, local(f"2026-11-25T{hour}", TOKYO)) is None


# -- through the dispatcher ------------------------------------------------------------------


def test_marketing_due_in_quiet_hours_waits_for_the_morning_then_goes(db, friend, put, dispatch, fake_line):
    note = put(friend, "abandoned_checkout", "2026-11-25T13:00:00+00:00")  # 22:00 in Tokyo
    assert dispatch("2026-11-25T13:30:00+00:00") == {"quiet_hours": 1}
    waiting = row(db, note)
    assert (waiting.status, waiting.reason, waiting.attempts) == (St.SCHEDULED, "quiet_hours", 0)
    assert waiting.due_at == local("2026-11-26T09:00", TOKYO)
    assert fake_line.pushes() == []

    assert dispatch("2026-11-25T23:59:00+00:00") == {}  # 08:59: still waiting
    assert dispatch("2026-11-26T00:00:00+00:00") == {"sent": 1}
    assert row(db, note).status == St.SENT
    assert fake_line.accepted_retry_keys() == [str(note.id)]


def test_order_confirmation_goes_out_in_quiet_hours(db, friend, put, dispatch, fake_line):
    note = put(friend, "order_confirmation", "2026-11-25T15:00:00+00:00")  # 00:00 in Tokyo
    assert dispatch("2026-11-25T15:00:00+00:00") == {"sent": 1}
    assert row(db, note).status == St.SENT
    assert [p.to for p in fake_line.pushes()] == [friend.line_user_id]


def test_second_marketing_message_within_a_day_is_skipped(db, friend, put, dispatch, fake_line):
    first = put(friend, "abandoned_checkout", DAY)
    dispatch(DAY)
    second = put(friend, "abandoned_cart", "2026-11-26T00:30:00+00:00")  # 23.5 h later
    assert dispatch("2026-11-26T00:30:00+00:00") == {"skipped": 1}
    assert (row(db, second).status, row(db, second).reason) == (St.SKIPPED, "cap_per_day")
    third = put(friend, "abandoned_checkout", "2026-11-26T01:01:00+00:00")  # 24 h + 1 min later
    assert dispatch("2026-11-26T01:01:00+00:00") == {"sent": 1}
    assert fake_line.accepted_retry_keys() == [str(first.id), str(third.id)]


def test_a_delayable_flow_waits_a_day_instead_of_being_skipped(db, friend, put, dispatch, fake_line):
    put(friend, "abandoned_checkout", DAY)
    dispatch(DAY)
    reminder = put(friend, "repurchase", "2026-11-25T02:00:00+00:00")
    assert dispatch("2026-11-25T02:00:00+00:00") == {"cap_per_day": 1}
    waiting = row(db, reminder)
    assert (waiting.status, waiting.reason) == (St.SCHEDULED, "cap_per_day")
    assert waiting.due_at == at("2026-11-26T02:00:00+00:00")
    assert dispatch("2026-11-26T02:00:00+00:00") == {"sent": 1}
    assert len(fake_line.pushes()) == 2


def test_fifth_marketing_message_within_30_days_is_skipped(db, friend, put, dispatch, fake_line):
    start = at(DAY)
    sent = []
    for day in range(4):  # 25 h apart: never two within a day
        when = start + timedelta(hours=25 * day)
        sent.append(put(friend, "abandoned_checkout", when))
        assert dispatch(when) == {"sent": 1}
    fifth_at = start + timedelta(hours=25 * 4)
    fifth = put(friend, "abandoned_cart", fifth_at)
    assert dispatch(fifth_at) == {"skipped": 1}
    assert (row(db, fifth).status, row(db, fifth).reason) == (St.SKIPPED, "cap_per_30_days")
    later = start + timedelta(days=30, minutes=1)  # the first one has left the window
    sixth = put(friend, "abandoned_checkout", later)
    assert dispatch(later) == {"sent": 1}
    assert fake_line.accepted_retry_keys() == [str(n.id) for n in sent] + [str(sixth.id)]


def test_two_due_marketing_messages_in_one_batch_send_only_one(db, friend, put, dispatch, fake_line):
    a = put(friend, "abandoned_checkout", "2026-11-25T00:50:00+00:00")
    b = put(friend, "abandoned_cart", "2026-11-25T00:55:00+00:00")
    assert dispatch(DAY) == {"sent": 1, "skipped": 1}
    outcomes = {n.id: (n.status, n.reason) for n in (row(db, a), row(db, b))}
    assert outcomes == {a.id: (St.SENT, None), b.id: (St.SKIPPED, "cap_per_day")}
    assert fake_line.accepted_retry_keys() == [str(a.id)]


def test_opted_out_friend_gets_transactional_but_no_marketing(db, friend, put, dispatch, fake_line):
    friend.marketing_opt_out_at = utcnow()
    db.add(friend)
    db.commit()
    reminder = put(friend, "abandoned_checkout", DAY)
    order = put(friend, "order_confirmation", DAY)
    assert dispatch(DAY) == {"sent": 1, "skipped": 1}
    assert (row(db, reminder).status, row(db, reminder).reason) == (St.SKIPPED, "opted_out")
    assert row(db, order).status == St.SENT
    assert fake_line.accepted_retry_keys() == [str(order.id)]


def test_blocked_friend_gets_nothing(db, friend, put, dispatch, fake_line):
    notes = [put(friend, "abandoned_checkout", DAY), put(friend, "order_confirmation", DAY)]
    friend.is_blocked, friend.blocked_at = True, utcnow()
    db.add(friend)
    db.commit()
    assert dispatch(DAY) == {"skipped": 2}
    assert {(row(db, n).status, row(db, n).reason) for n in notes} == {(St.SKIPPED, "blocked")}
    assert fake_line.pushes() == []


def test_friend_unlinked_after_scheduling_gets_nothing(db, app, shop, friend, put, dispatch, fake_line):
    notes = [put(friend, "abandoned_checkout", DAY), put(friend, "order_confirmation", DAY)]
    with app.app_context():
        assert customer_links.unlink(session=db, shop=shop, friend=friend, method="chat", actor="test")
        db.commit()
    assert dispatch(DAY) == {"skipped": 2}
    assert {(row(db, n).status, row(db, n).reason) for n in notes} == {(St.SKIPPED, "unlinked")}
    assert fake_line.pushes() == []


def test_uninstalled_app_cancels_everything(db, shop, friend, put, dispatch, fake_line):
    notes = [put(friend, "abandoned_checkout", DAY), put(friend, "order_confirmation", DAY)]
    shop.uninstalled_at = utcnow()
    db.add(shop)
    db.commit()
    assert dispatch(DAY) == {"cancelled": 2}
    assert {(row(db, n).status, row(db, n).reason) for n in notes} == {(St.CANCELLED, "app_uninstalled")}
    assert fake_line.pushes() == []


def test_disconnected_channel_sends_nothing(db, channel, friend, put, dispatch, fake_line):
    notes = [put(friend, "abandoned_checkout", DAY), put(friend, "order_confirmation", DAY)]
    channel.disconnected_at = utcnow()
    db.add(channel)
    db.commit()
    assert dispatch(DAY) == {"skipped": 2}
    assert {(row(db, n).status, row(db, n).reason) for n in notes} == {(St.SKIPPED, "channel_disconnected")}
    assert fake_line.pushes() == []


# -- one marketing cap for flows and campaigns ----------------------------------------------


@pytest.fixture
def daytime(db, shop):
    """Quiet hours off: these tests run at the machine's real time (a chunk's send time)."""
    shop.settings = {**(shop.settings or {}), "policies": {"quiet_start": "00:00", "quiet_end": "00:00"}}
    db.add(shop)
    db.commit()


def test_a_campaign_send_blocks_a_flow_reminder_past_the_cap(
    db, friend, put, dispatch, fake_line, daytime, make_campaign, run_campaigns
):
    now = utcnow()
    campaign = make_campaign(audience={"kind": "friends", "ids": [friend.id]}, scheduled_at=now - timedelta(minutes=1))
    assert run_campaigns(now) == ({"sending": 1}, {"sent": 1})
    assert len(fake_line.multicasts()) == 1 and campaign.id

    reminder = put(friend, "abandoned_cart", now + timedelta(minutes=5))
    dispatch(now + timedelta(minutes=5))

    assert (row(db, reminder).status, row(db, reminder).reason) == (St.SKIPPED, "cap_per_day")
    assert fake_line.pushes() == []


def test_a_flow_reminder_sent_today_leaves_the_friend_out_of_a_campaign(
    db, friend, put, dispatch, fake_line, daytime, make_campaign, run_campaigns
):
    now = utcnow()
    put(friend, "abandoned_cart", now - timedelta(minutes=30))
    assert dispatch(now - timedelta(minutes=30)) == {"sent": 1}
    campaign = make_campaign(audience={"kind": "friends", "ids": [friend.id]}, scheduled_at=now - timedelta(minutes=1))

    assert run_campaigns(now) == ({"done": 1}, {})

    done = rows(db, Campaign, Campaign.id == campaign.id)[0]
    assert (done.reason, done.recipients, done.excluded) == ("no_recipients", 0, {"capped": 1})
    assert fake_line.multicasts() == [] and len(fake_line.pushes()) == 1


def sent_chunks(db, shop, chunks: list[tuple[list[int], datetime]]) -> None:
    """One campaign's sent chunks: (friend ids, sent at) each."""
    import uuid

    from app.models import CampaignChunk

    campaign = Campaign(shop_id=shop.id, name="送信済み")
    db.add(campaign)
    db.flush()
    db.add_all(
        CampaignChunk(
            shop_id=shop.id,
            campaign_id=campaign.id,
            number=n,
            friend_ids=ids,
            retry_key=uuid.uuid4(),
            status="sent",
            sent_at=sent_at,
        )
        for n, (ids, sent_at) in enumerate(chunks)
    )
    db.commit()


def test_the_cap_count_finds_a_friend_inside_any_sent_chunk_and_nobody_else(db, shop):
    from app.flows.policies import marketing_counts, marketing_sent

    now = utcnow()
    sent_chunks(
        db,
        shop,
        [
            ([3, 5, 9], now - timedelta(hours=2)),
            ([20, 40, 60], now - timedelta(days=3)),
            ([61, 90], now - timedelta(days=31)),
        ],
    )

    got = marketing_sent(session=db, shop_ids=[shop.id], now=now, friend_ids={5, 40, 41, 90, 100})
    assert {f: (s.day, s.month) for f, s in got.items()} == {5: (1, 1), 40: (0, 1)}
    day, month = marketing_counts(session=db, shop_ids=[shop.id], now=now)
    assert set(month) == {3, 5, 9, 20, 40, 60} and set(day) == {3, 5, 9}


def test_the_cap_count_of_the_whole_shop_and_of_a_batch_agree_window_by_window(db, shop):
    # Per friend: what the last day and the last 30 days hold, and rows that never count.
    from app.flows.policies import marketing_counts
    from tests.plugins import people

    now = utcnow()
    other = Shop(domain="other.myshopify.com", timezone="Asia/Tokyo")
    db.add(other)
    db.commit()
    a, b, c = (people.friend(db, shop, name) for name in ("一", "二", "三"))
    elsewhere = people.friend(db, other, "他")
    n = iter(range(100))

    def sent(who, ago: timedelta, *, marketing=True, status=St.SENT, shop_id=None):
        db.add(
            Notification(
                shop_id=shop_id or who.shop_id,
                friend_id=who.id,
                flow="abandoned_cart",
                dedupe_key=f"k{next(n)}",
                marketing=marketing,
                due_at=now - ago,
                status=status,
                sent_at=now - ago if status == St.SENT else None,
            )
        )

    sent(a, timedelta(hours=2))  # the last day (and the 30 days)
    sent(a, timedelta(days=3))
    sent(a, timedelta(days=29, hours=23))
    sent(a, timedelta(days=31))  # left the window
    sent(b, timedelta(days=10))
    sent(b, timedelta(hours=1), marketing=False)  # an order message: never counted
    sent(b, timedelta(hours=1), status=St.FAILED)  # not sent: never counted
    sent(elsewhere, timedelta(hours=1))  # another shop's friend
    db.commit()

    day, month = marketing_counts(session=db, shop_ids=[shop.id], now=now)
    one_day, one_month = marketing_counts(session=db, shop_ids=[shop.id], now=now, friend_ids={a.id, b.id, c.id})

    assert (dict(day), dict(month)) == ({a.id: 1}, {a.id: 3, b.id: 1})
    assert (dict(one_day), dict(one_month)) == (dict(day), dict(month))


@contextmanager
def list_reads(db):
    """The statements that read chunks' friend lists, with the process's lists and counts
    forgotten before and after."""
    from sqlalchemy import event

    from app.flows import sent_chunks as cache

    reads: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "campaign_chunks.friend_ids" in statement:
            reads.append(statement)

    cache.forget()
    event.listen(db.get_bind(), "before_cursor_execute", seen)
    try:
        yield reads
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", seen)
        cache.forget()


def test_chunk_friend_lists_are_read_once_and_counted_right_when_evicted(db, shop, monkeypatch):
    # Sent chunks never change their friends: the cap count reads each list once per process.
    from app.flows import sent_chunks as cache
    from app.flows.policies import marketing_counts

    now = utcnow()
    hours = [timedelta(hours=n) for n in (1, 2, 3)]
    sent_chunks(db, shop, [([1, 2, 3], now - hours[0]), ([2, 3], now - hours[1]), ([3], now - hours[2])])
    with list_reads(db) as reads:
        first = marketing_counts(session=db, shop_ids=[shop.id], now=now)
        second = marketing_counts(session=db, shop_ids=[shop.id], now=now)
        monkeypatch.setattr(cache._lists, "limit", 2)  # room for one list: the others go
        cache.forget()
        squeezed = marketing_counts(session=db, shop_ids=[shop.id], now=now)
        cache._reached.clear()  # the counts kept (test below): counted again from the lists
        again = marketing_counts(session=db, shop_ids=[shop.id], now=now)

    expected = {1: 1, 2: 2, 3: 3}
    assert dict(first[1]) == dict(second[1]) == dict(squeezed[1]) == dict(again[1]) == expected
    assert dict(first[0]) == dict(again[0]) == expected  # all within the last day
    assert len(reads) == 3  # the first count, after forget(), the evicted lists: never the second count


def test_a_shops_chunk_counts_are_kept_per_set_of_chunks_and_never_shared(db, shop, monkeypatch):
    """The whole shop's count (forecast, plan) keeps its chunk counts per exact set of chunks
    (and which were sent within the day): the same chunks read no list and count nothing
    again; a new chunk, or a chunk leaving the last day, counts anew; callers get copies."""
    from app.flows import sent_chunks as cache
    from app.flows.policies import marketing_counts

    now = utcnow()
    sent_chunks(db, shop, [([1, 2, 3], now - timedelta(hours=2)), ([2, 3], now - timedelta(days=2))])
    with list_reads(db) as reads:
        day, month = marketing_counts(session=db, shop_ids=[shop.id], now=now)
        day[1] += 100  # the caller's own counters: what is kept stays as counted
        month.clear()
        again = marketing_counts(session=db, shop_ids=[shop.id], now=now)
        later = marketing_counts(session=db, shop_ids=[shop.id], now=now + timedelta(hours=23))  # first left the day
        sent_chunks(db, shop, [([3, 4], now)])
        grown = marketing_counts(session=db, shop_ids=[shop.id], now=now + timedelta(minutes=1))
        kept = len(cache._reached)
        monkeypatch.setattr(cache, "MAX_COUNTED", 3)  # 4 friends: counted, not kept
        cache._reached.clear()
        big = marketing_counts(session=db, shop_ids=[shop.id], now=now + timedelta(minutes=1))

    assert (dict(again[0]), dict(again[1])) == ({1: 1, 2: 1, 3: 1}, {1: 1, 2: 2, 3: 2})
    assert (dict(later[0]), dict(later[1])) == ({}, {1: 1, 2: 2, 3: 2})
    assert (dict(grown[0]), dict(grown[1])) == ({1: 1, 2: 1, 3: 2, 4: 1}, {1: 1, 2: 2, 3: 3, 4: 1})
    assert (dict(big[0]), dict(big[1])) == (dict(grown[0]), dict(grown[1]))
    assert len(reads) == 2  # the first count's lists, the new chunk's list; `big` found its lists kept
    assert kept == 3 and len(cache._reached) == 0
