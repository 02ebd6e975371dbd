"""A source link end to end: visit → LINE Login (the fake) → callback → the friend has the
source, its tag and (once) its greeting, whichever of the follow and the callback comes first."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import update

from app import ext
from app.line import events, replies, source_greeting
from app.line.preview import describe
from app.models import (
    FriendSource,
    FriendSourceDay,
    FriendSourceVisit,
    LineEvent,
    LineEventStatus,
    SequenceRun,
    VisitOutcome,
)
from app.timeutil import utcnow
from tests.helpers import count, rows
from tests.plugins.line import friend_of
from tests.plugins.sequences import runs

LINK = "/s/test-shop/pop"
GREETING = "{shop_name}の店頭POPから友だち追加ありがとうございます！"


@pytest.fixture
def source(db, shop):
    row = FriendSource(shop_id=shop.id, name="店頭POP", slug="pop", tag="店頭", greeting=GREETING, cost_yen=3000)
    db.add(row)
    db.commit()
    return row


def visit(client, path=LINK, address="203.0.113.7", **headers):
    headers.setdefault("User-Agent", "Mozilla/5.0 (iPhone) Line/14.1.0")
    return client.get(path, environ_base={"REMOTE_ADDR": address}, headers=headers)


def login_query(response) -> dict:
    assert response.status_code == 302
    url = urlparse(response.headers["Location"])
    assert url.path == "/oauth2/v2.1/authorize"
    return {k: v[0] for k, v in parse_qs(url.query).items()}


def come_back(client, fake_line, user, query, *, changed: bool):
    code = fake_line.issue_login_code(user, query["nonce"], query["redirect_uri"])
    flag = "true" if changed else "false"
    return client.get(f"/s/callback?code={code}&state={query['state']}&friendship_status_changed={flag}")


def flushed(app, fake_line) -> list[str]:
    """The greetings, once a reply LINE did not take within the webhook's time (a loaded
    machine) has been sent by the worker, as in production."""
    with app.app_context():
        replies.send_pending(engine=ext.engine(app), now=utcnow())
    return greetings(fake_line)


def greetings(fake_line) -> list[str]:
    return ["\n".join(describe(m) for m in d.messages) for d in fake_line.deliveries if d.kind in ("reply", "push")]


def the_visit(db) -> FriendSourceVisit:
    [row] = rows(db, FriendSourceVisit)
    return row


def test_a_new_friend_through_the_link_gets_source_tag_and_greeting(
    app, client, login_channel, fake_line, user, chat, db, source
):
    query = login_query(visit(client))
    assert query["bot_prompt"] == "aggressive" and query["redirect_uri"] == "https://tsunagu.test/s/callback"
    assert query["client_id"] == fake_line.login_channel_id

    back = come_back(client, fake_line, user, query, changed=True)
    assert back.status_code == 302 and back.headers["Location"].startswith("https://line.me/R/ti/p/")
    chat(fake_line.follow_event(user))  # the follow after the callback

    friend = friend_of(db, user)
    assert friend.source_id == source.id and friend.tags == "店頭"
    row = the_visit(db)
    assert row.outcome == VisitOutcome.NEW and row.line_friend_id == friend.id and row.greeted_at is not None
    [day] = rows(db, FriendSourceDay)  # the page's daily figures, kept with the visit
    assert (day.source_id, day.visits, day.new_friends) == (source.id, 1, 1)
    [text] = flushed(app, fake_line)
    assert text.startswith("テストショップの店頭POPから友だち追加ありがとうございます！")


def test_the_address_is_kept_only_as_a_keyed_hash(client, login_channel, fake_line, db, source):
    visit(client, address="198.51.100.23")
    row = the_visit(db)
    assert "198.51.100.23" not in row.ip_hash and len(row.ip_hash) == 64


def test_a_follow_before_the_callback_waits_for_it_and_is_greeted_once(
    app, client, login_channel, fake_line, user, chat, db, source
):
    query = login_query(visit(client))
    chat(fake_line.follow_event(user))  # LINE's follow came first: a source login is in flight
    assert greetings(fake_line) == []
    [event] = rows(db, LineEvent)
    assert event.status == LineEventStatus.RECEIVED

    come_back(client, fake_line, user, query, changed=True)
    with app.app_context():
        engine = ext.engine(app)
        with engine.begin() as conn:  # the worker takes it up after ORPHAN_AFTER (10 s)
            conn.execute(update(LineEvent).values(received_at=utcnow() - timedelta(seconds=11)))
        events.process_orphaned_events(engine=engine, now=utcnow())

    [text] = greetings(fake_line)
    assert "店頭POPから" in text
    friend = friend_of(db, user)
    assert friend.source_id == source.id and friend.followed_at is not None


def test_a_callback_after_a_follow_that_could_not_wait_sends_no_second_greeting(
    client, login_channel, fake_line, user, chat, db, source, monkeypatch
):
    monkeypatch.setattr(source_greeting, "HOLD", timedelta(0))
    query = login_query(visit(client))
    chat(fake_line.follow_event(user))
    [default] = greetings(fake_line)
    assert "店頭POP" not in default

    come_back(client, fake_line, user, query, changed=True)

    assert not any("店頭POP" in text for text in greetings(fake_line))
    row = the_visit(db)
    assert row.outcome == VisitOutcome.NEW and row.greeted_at is not None
    assert friend_of(db, user).source_id == source.id


def test_an_existing_friend_is_recorded_as_a_visit_without_a_greeting(
    client, login_channel, fake_line, user, chat, db, source
):
    chat(fake_line.follow_event(user))
    before = len(greetings(fake_line))

    query = login_query(visit(client))
    come_back(client, fake_line, user, query, changed=False)

    row = the_visit(db)
    assert row.outcome == VisitOutcome.EXISTING and row.line_friend_id == friend_of(db, user).id
    assert len(greetings(fake_line)) == before
    assert friend_of(db, user).source_id is None  # the source did not bring them
    assert friend_of(db, user).tags == "店頭"
    [day] = rows(db, FriendSourceDay)
    assert (day.visits, day.new_friends) == (1, 0)


def test_a_blocked_friend_who_comes_back_through_a_source_is_readded_and_greeted_by_it(
    app, client, login_channel, fake_line, user, chat, db, source
):
    chat(fake_line.follow_event(user))
    chat(fake_line.unfollow_event(user))
    time.sleep(0.01)

    query = login_query(visit(client))
    come_back(client, fake_line, user, query, changed=True)
    chat(fake_line.follow_event(user, unblocked=True))

    row = the_visit(db)
    assert row.outcome == VisitOutcome.READDED
    friend = friend_of(db, user)
    assert friend.source_id == source.id and not friend.is_blocked
    assert "店頭POPから" in flushed(app, fake_line)[-1]


def test_the_first_source_is_kept_and_later_ones_are_recorded(
    client, login_channel, fake_line, user, chat, db, source, shop
):
    flyer = FriendSource(shop_id=shop.id, name="同梱チラシ", slug="flyer", tag="チラシ")
    db.add(flyer)
    db.commit()
    query = login_query(visit(client))
    come_back(client, fake_line, user, query, changed=True)
    chat(fake_line.follow_event(user))
    chat(fake_line.unfollow_event(user))

    query = login_query(visit(client, "/s/test-shop/flyer"))
    come_back(client, fake_line, user, query, changed=True)

    friend = friend_of(db, user)
    assert friend.source_id == source.id and friend.tags == "店頭, チラシ"
    later = rows(db, FriendSourceVisit, FriendSourceVisit.source_id == flyer.id)
    assert [(v.outcome, v.line_friend_id) for v in later] == [(VisitOutcome.READDED, friend.id)]


def test_a_state_is_used_once_and_a_forged_one_is_refused(client, login_channel, fake_line, user, db, source):
    query = login_query(visit(client))
    assert come_back(client, fake_line, user, query, changed=True).status_code == 302
    again = come_back(client, fake_line, user, query, changed=True)
    assert again.status_code == 400 and "LINE ログインが完了しませんでした" in again.get_data(as_text=True)
    assert client.get("/s/callback?code=x&state=forged").status_code == 400
    assert count(db, FriendSourceVisit) == 1


def test_an_unknown_or_deleted_slug_shows_a_friendly_page_that_still_adds_the_friend(
    client, login_channel, fake_line, db, source
):
    db.delete(source)
    db.commit()
    response = visit(client)
    body = response.get_data(as_text=True)
    assert response.status_code == 404 and "このリンクは使われていません" in body
    assert f"https://line.me/R/ti/p/%40{fake_line.basic_id.lstrip('@')}" in body or "https://line.me/R/ti/p/" in body
    assert count(db, FriendSourceVisit) == 0
    assert visit(client, "/s/no-such-shop/pop").status_code == 404


def test_a_flood_from_one_address_is_not_counted(client, login_channel, fake_line, db, source):
    answers = [visit(client, address="192.0.2.9") for _ in range(14)]
    assert count(db, FriendSourceVisit) == 10
    assert all(urlparse(a.headers["Location"]).path == "/oauth2/v2.1/authorize" for a in answers[:10])
    assert all(a.headers["Location"].startswith("https://line.me/R/ti/p/") for a in answers[10:])
    assert rows(db, FriendSourceDay)[0].visits == 10
    visit(client, address="192.0.2.10")  # another address is counted
    assert count(db, FriendSourceVisit) == 11


def test_bots_and_head_requests_are_sent_on_but_not_counted(client, login_channel, fake_line, db, source):
    assert visit(client, **{"User-Agent": "facebookexternalhit/1.1;line-poker/1.0"}).status_code == 302
    assert client.head(LINK, headers={"User-Agent": "Mozilla/5.0"}).status_code == 302
    assert count(db, FriendSourceVisit) == 0


def test_without_line_login_the_link_adds_the_friend_and_counts_the_visit(client, channel, fake_line, db, source):
    response = visit(client)
    assert response.status_code == 302 and response.headers["Location"].startswith("https://line.me/R/ti/p/")
    row = the_visit(db)
    assert row.route == "add_friend" and row.outcome is None


def test_a_friend_the_source_brings_starts_its_sequences(
    app, client, login_channel, fake_line, user, chat, db, source, sequence
):
    """The source's trigger starts the sequences listening for it, and the source's own
    sequence (its `sequence_id`) starts too; a sequence for another source does not."""
    by_trigger = sequence("source", params={"source_id": source.id})
    other = sequence("source", params={"source_id": source.id + 100})
    own = sequence("account_linked")  # started only because the source names it
    source.sequence_id = own.id
    db.add(source)
    db.commit()

    query = login_query(visit(client))
    come_back(client, fake_line, user, query, changed=True)
    chat(fake_line.follow_event(user))

    friend = friend_of(db, user)
    started = {r.sequence_id for r in runs(db, SequenceRun.friend_id == friend.id)}
    assert by_trigger.id in started and own.id in started
    assert other.id not in started


def test_an_existing_friend_visiting_starts_no_sequence(
    app, client, login_channel, fake_line, user, chat, db, source, sequence
):
    chat(fake_line.follow_event(user))  # a friend before the visit
    made = sequence("source", params={"source_id": source.id})
    query = login_query(visit(client))
    come_back(client, fake_line, user, query, changed=False)
    assert [r for r in runs(db) if r.sequence_id == made.id] == []
