"""Pure choices: the transport and why, what LINE accepts, what it costs, how long it takes."""

from __future__ import annotations

import uuid

import pytest

from app.campaigns import content, pricing, transport
from app.campaigns.forecast import calls_and_seconds
from app.campaigns.planning import retry_key
from app.campaigns.transport import BROADCAST, MULTICAST, PUSH, choose


@pytest.mark.parametrize(
    ("personal", "everyone", "excluded", "complete", "kind", "reason"),
    [
        ({"customer_name"}, True, 0, True, PUSH, "personalised"),
        ({"coupon_code"}, False, 3, False, PUSH, "personalised"),
        (set(), False, 0, True, MULTICAST, "segment"),
        (set(), True, 2, True, MULTICAST, "exclusions"),
        (set(), True, 0, False, MULTICAST, "followers_unknown"),
        (set(), True, 0, True, BROADCAST, "everyone"),
    ],
)
def test_the_transport_follows_the_content_and_the_audience(personal, everyone, excluded, complete, kind, reason):
    chosen = choose(personal=personal, everyone=everyone, excluded=excluded, followers_complete=complete)
    assert (chosen.kind, chosen.reason) == (kind, reason)
    assert chosen.text_key == f"campaigns.transport.{reason}"


def test_per_person_variables_are_found_anywhere_in_the_messages():
    flex = {"type": "flex", "altText": "{customer_name}様へ", "contents": {"type": "bubble"}}
    assert content.personal_variables([{"type": "text", "text": "セール"}]) == set()
    assert content.personal_variables([{"type": "text", "text": "{coupon_code} をどうぞ"}]) == {"coupon_code"}
    assert content.personal_variables([flex]) == {"customer_name"}
    assert content.personal_variables([{"type": "text", "text": "{shop_name}より"}]) == set()  # same for all


def test_content_errors_name_the_field_and_the_reason():
    assert content.errors([{"type": "text", "text": "ok"}]) == {}
    assert content.errors([]) == {"messages": ("campaigns.err.no_messages", {})}
    assert content.errors([{"type": "text", "text": "x"}] * 6)["messages"][0] == "campaigns.err.too_many_messages"
    found = content.errors(
        [
            {"type": "text", "text": "  "},
            {"type": "text", "text": "あ" * 5001},
            {"type": "video"},
            {"type": "image", "originalContentUrl": "http://x/a.jpg", "previewImageUrl": "https://x/b.jpg"},
            {"type": "flex", "altText": "", "contents": {}},
        ]
    )
    assert found == {
        "messages[0].text": ("campaigns.err.empty_text", {}),
        "messages[1].text": ("campaigns.err.text_too_long", {"n": "5,000"}),
        "messages[2]": ("campaigns.err.message_type", {}),
        "messages[3].originalContentUrl": ("campaigns.err.https_url", {}),
        "messages[4].altText": ("campaigns.err.alt_text", {"n": "1,500"}),
    }
    # LINE counts UTF-16 units: 2,500 emoji are 5,000 units, one more is too long.
    assert content.errors([{"type": "text", "text": "😀" * 2500}]) == {}
    assert "messages[0].text" in content.errors([{"type": "text", "text": "😀" * 2500 + "a"}])


def test_cost_in_yen_at_the_shops_plan():
    standard, free, light = pricing.PLANS["standard"], pricing.PLANS["free"], pricing.PLANS["light"]
    assert pricing.cost_yen(standard, used=0, messages=30_000) == 0  # included
    assert pricing.cost_yen(standard, used=29_000, messages=2_000) == 3_000  # 1,000 extra at ¥3
    assert pricing.cost_yen(standard, used=40_000, messages=20_000) == 10_000 * 3 + 10_000 * 2.8
    assert pricing.cost_yen(standard, used=100_000, messages=1_000) == 2_800  # the ceiling rate beyond
    assert pricing.cost_yen(free, used=0, messages=150) == 0 and pricing.cost_yen(light, used=0, messages=10) == 0
    assert pricing.allowance_left(free, used=150) == 50 and pricing.allowance_left(light, used=6_000) == 0
    assert pricing.allowance_left(standard, used=10**6) is None


def test_calls_and_duration_at_lines_rates():
    assert calls_and_seconds(MULTICAST, 700_000) == (1_400, pytest.approx(1_400 / 180))
    assert calls_and_seconds(MULTICAST, 501) == (2, pytest.approx(2 / 180))
    assert calls_and_seconds(PUSH, 2_000) == (2_000, pytest.approx(2_000 / 1_800))
    assert calls_and_seconds(BROADCAST, 700_000)[0] == 1
    assert calls_and_seconds(MULTICAST, 0) == (0, 0.0)
    assert calls_and_seconds(MULTICAST, 1_000, share=0.5)[1] == pytest.approx(2 / 90)


def test_a_chunks_retry_key_is_fixed_by_campaign_and_number():
    uid = uuid.uuid4()
    assert retry_key(uid, 3) == retry_key(uid, 3)
    assert len({retry_key(uid, n) for n in range(1_400)}) == 1_400
    assert retry_key(uid, 0) != retry_key(uuid.uuid4(), 0)
    assert transport.MULTICAST == "multicast"
