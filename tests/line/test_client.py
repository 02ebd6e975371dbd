"""The LINE client against the fake LINE: retry keys, backoff, pacing and dry runs."""

from __future__ import annotations

import uuid

import pytest

from app.line.client import LineClient, LineError
from app.line.pacing import Pacer
from tests.fakes.line import new_user_id
from tests.plugins.line import ACCESS_TOKEN

HELLO = [{"type": "text", "text": "こんにちは"}]


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def line(fake_line, sleeps):
    return LineClient(
        host=fake_line.url, access_token=ACCESS_TOKEN, channel_key="test", sleep=sleeps.append, timeout=(1.0, 0.5)
    )


def test_push_carries_the_retry_key(line, fake_line):
    key, to = str(uuid.uuid4()), new_user_id()

    assert line.push(to, HELLO, retry_key=key).outcome == "sent"
    [delivery] = fake_line.pushes()
    assert delivery.retry_key == key and delivery.to == to


def test_500_after_accepting_then_retry_is_already_accepted_not_sent_twice(line, fake_line, sleeps):
    fake_line.fail_after_accept_next(1, status=500, path="/v2/bot/message/push")
    key = str(uuid.uuid4())

    result = line.push(new_user_id(), HELLO, retry_key=key)

    assert result.outcome == "already_accepted"
    assert len(fake_line.pushes()) == 1 and list(fake_line.accepted_retry_keys()) == [key]
    assert len(sleeps) == 1  # one backoff between the 500 and the retry


def test_timeout_then_retry_delivers_once(line, fake_line):
    fake_line.slow_next(1, 1.0, path="/v2/bot/message/push")  # answers after our 0.5 s read timeout

    result = line.push(new_user_id(), HELLO, retry_key=str(uuid.uuid4()))

    assert result.outcome == "already_accepted"
    assert len(fake_line.pushes()) == 1


def test_5xx_before_accepting_is_retried_with_growing_backoff(line, fake_line, sleeps):
    fake_line.fail_next(3, status=503, path="/v2/bot/message/push")

    assert line.push(new_user_id(), HELLO, retry_key=str(uuid.uuid4())).outcome == "sent"
    assert len(fake_line.pushes()) == 1
    assert len(sleeps) == 3 and sleeps[2] > sleeps[0] * 1.2


def test_429_backs_off(line, fake_line, sleeps):
    fake_line.fail_next(1, status=429, path="/v2/bot/message/push")

    assert line.push(new_user_id(), HELLO, retry_key=str(uuid.uuid4())).outcome == "sent"
    assert len(sleeps) == 1 and sleeps[0] > 0


def test_other_4xx_fails_at_once_with_lines_message(line, fake_line, sleeps):
    with pytest.raises(LineError) as err:
        line.push("not-a-user", HELLO, retry_key=str(uuid.uuid4()))

    assert err.value.status == 400 and not err.value.retryable
    assert sleeps == [] and fake_line.pushes() == []


def test_giving_up_after_repeated_5xx(line, fake_line, sleeps):
    fake_line.fail_next(10, status=500, path="/v2/bot/message/push")

    with pytest.raises(LineError) as err:
        line.push(new_user_id(), HELLO, retry_key=str(uuid.uuid4()))
    assert err.value.status == 500 and err.value.retryable and len(sleeps) == 4


def test_multicast_splits_by_500_with_derived_keys_and_retries_safely(line, fake_line):
    recipients = [new_user_id() for _ in range(1201)]
    key = str(uuid.uuid4())

    first = line.multicast(recipients, HELLO, retry_key=key)
    again = line.multicast(recipients, HELLO, retry_key=key)  # e.g. after a crash

    assert [r.outcome for r in first] == ["sent"] * 3
    assert [r.outcome for r in again] == ["already_accepted"] * 3
    sizes = sorted(len(d.to) for d in fake_line.multicasts())
    assert sizes == [201, 500, 500] and len(set(fake_line.accepted_retry_keys())) == 3


def test_dry_run_records_the_exact_request_and_sends_nothing(fake_line):
    captured = []
    line = LineClient(
        host=fake_line.url,
        access_token=ACCESS_TOKEN,
        channel_key="test",
        dry_run=True,
        capture=lambda *args: captured.append(args),
    )
    key = str(uuid.uuid4())

    result = line.push("U" + "a" * 32, HELLO, retry_key=key)

    assert result.outcome == "dry_run" and fake_line.requests == []
    assert captured == [
        ("push", "/v2/bot/message/push", {"to": "U" + "a" * 32, "messages": HELLO, "notificationDisabled": False}, key)
    ]


def test_pacer_spaces_calls_under_the_rate():
    now = [0.0]
    waits = []
    pacer = Pacer(clock=lambda: now[0], sleep=waits.append)
    for _ in range(5):
        pacer.wait("channel:push", 2000)

    interval = 1 / (2000 * 0.9)
    assert waits == pytest.approx([interval * i for i in range(1, 5)])


def test_profile_and_link_token(line, fake_line):
    user = new_user_id()
    fake_line.add_user(user, "はなこ", language="ja")

    assert line.profile(user)["displayName"] == "はなこ"
    assert line.profile(new_user_id()) is None
    token = line.issue_link_token(user)
    assert fake_line.link_tokens[token] == user


def test_quota_reads_the_monthly_limit_and_usage(fake_line, line):
    fake_line.quota = 1000
    line.push(new_user_id(), HELLO, retry_key=str(uuid.uuid4()))
    line.multicast([new_user_id(), new_user_id()], HELLO, retry_key=str(uuid.uuid4()))

    assert line.quota() == (1000, 3)
    fake_line.quota = None
    assert line.quota() == (None, 3)


def test_each_worker_paces_at_its_share():
    now, waits = [0.0], []
    half = Pacer(share=0.5, clock=lambda: now[0], sleep=waits.append)
    half.wait("c:push", 2000)
    half.wait("c:push", 2000)

    assert waits == pytest.approx([1 / (2000 * 0.9 * 0.5)])
    assert Pacer.shared(0.5) is Pacer.shared(0.5) and Pacer.shared(0.5) is not Pacer.shared(1.0)


def test_push_names_its_aggregation_unit_and_its_statistics_are_read(line, fake_line):
    assert (
        line.push(new_user_id(), HELLO, retry_key=str(uuid.uuid4()), aggregation_unit="campaign_7_v1").outcome == "sent"
    )
    assert fake_line.requests[-1].body["customAggregationUnits"] == ["campaign_7_v1"]
    assert fake_line.units_sent["campaign_7_v1"] == 1
    fake_line.unit_reactions["campaign_7_v1"] = (20, 3)
    assert line.unit_statistics("campaign_7_v1", start="20261201", end="20261202") == {"opened": 20, "clicked": None}
    fake_line.request_reactions["req-1"] = (19, 0)
    assert line.broadcast_statistics("req-1") == {"opened": None, "clicked": None}


def test_a_reply_goes_out_as_built_after_the_sdk_model_checked_it(line, fake_line):
    """The reply body is the messages as built (the SDK's model checks them, its slow
    serialisation is skipped), and a shape LINE would refuse never leaves."""
    bubble = {
        "type": "bubble",
        "hero": {"type": "image", "url": "https://cdn.shopify.com/1.jpg", "size": "full"},
        "body": {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": "宇治 煎茶"}]},
    }
    carousel = [{"type": "flex", "altText": "宇治 煎茶", "contents": {"type": "carousel", "contents": [bubble]}}]
    token = fake_line.issue_reply_token(new_user_id())

    assert line.reply(token, carousel).outcome == "sent"
    [delivery] = fake_line.deliveries
    assert delivery.kind == "reply" and delivery.reply_token == token
    assert delivery.messages == carousel  # nothing added ("animated": false is LINE's default)

    broken = [{"type": "flex", "altText": "x", "contents": {"type": "bubble", "body": {"type": "box"}}}]
    with pytest.raises(ValueError):
        line.reply(fake_line.issue_reply_token(new_user_id()), broken)
    assert len(fake_line.requests) == 1
