"""The A/B split and the holdout: a stable hash of (campaign, friend), the same in any process
and on any database; even within tolerance; held-out friends in no chunk and sent nothing;
each friend in the test gets their own variant's messages exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter

from sqlmodel import select

from app.campaigns import split
from app.models import Campaign, CampaignChunk, CampaignHoldout
from app.models import CampaignStatus as CS
from tests.helpers import fresh

UID = uuid.UUID("8c1f6b2e-3d4a-4f5b-9c6d-7e8f90a1b2c3")
A = [{"type": "text", "text": "A: 冬のセール 20%オフ"}]
B = [{"type": "text", "text": "B: 冬のセール 送料無料"}]
C = [{"type": "text", "text": "C: 冬のセール ポイント2倍"}]
D = [{"type": "text", "text": "D: 冬のセール 福袋"}]


def _campaign(**fields) -> Campaign:
    values = {"shop_id": 1, "name": "t", "uid": UID, "messages": A, **fields}
    return Campaign(**values)


def test_the_fraction_is_pinned_and_the_same_in_another_process():
    # Pinned: a change of the hash would move friends between groups mid-campaign.
    assert split.fraction(UID, 1) == 0.3604888443947209
    assert split.fraction(UID, 700_000) == 0.2618691276479612
    ids = list(range(1, 2_001))
    here = [split.fraction(UID, i) for i in ids]
    assert here == [split.fraction(UID, i) for i in ids]  # twice, the same
    code = (
        "import json, sys, uuid; from app.campaigns.split import fraction; "
        f"print(json.dumps([fraction(uuid.UUID('{UID}'), i) for i in range(1, 2001)]))"
    )
    # A fresh interpreter with its own (randomised) hash seed: sha256 does not depend on it.
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": "123"}
    )
    assert json.loads(out.stdout) == here


def test_groups_are_even_within_tolerance_for_10k_friends():
    campaign = _campaign(
        variants=[{"name": n, "messages": m} for n, m in zip("ABCD", (A, B, C, D), strict=True)],
        test_share=40,
        holdout_share=10,
    )
    ids = list(range(1, 10_001))
    held, tests, rest = split.divide(campaign, ids)
    # Expected 1,000 held out, 1,000 per variant, 5,000 for the winner; 4 standard deviations
    # of a binomial (about 30 and 50) is the tolerance.
    assert abs(len(held) - 1_000) <= 120
    assert all(abs(len(group) - 1_000) <= 120 for group in tests), [len(g) for g in tests]
    assert abs(len(rest) - 5_000) <= 200
    assert sorted(held + [i for g in tests for i in g] + rest) == ids  # everyone exactly once
    for variant, group in enumerate(tests):
        assert all(split.group_of(campaign, i) == (split.TEST, variant) for i in group)
        assert all(split.variant_of(campaign, i) == variant for i in group)
    assert all(split.variant_of(campaign, i) is None for i in held + rest)  # no winner yet
    campaign.winner = 2
    assert all(split.variant_of(campaign, i) == 2 for i in rest)
    assert all(split.variant_of(campaign, i) is None for i in held)


def test_a_plain_split_has_no_rest_and_no_winner_phase():
    campaign = _campaign(variants=[{"name": "A", "messages": A}, {"name": "B", "messages": B}], test_share=100)
    held, tests, rest = split.divide(campaign, range(1, 10_001))
    assert (held, rest) == ([], [])
    assert abs(len(tests[0]) - 5_000) <= 200
    assert not split.has_winner_phase(campaign)
    assert split.has_winner_phase(_campaign(variants=campaign.variants, test_share=20))
    assert not split.has_winner_phase(_campaign(test_share=20))  # one variant: nothing to test


def _chunks(db, campaign_id) -> list[CampaignChunk]:
    fresh(db)
    return list(db.exec(select(CampaignChunk).where(CampaignChunk.campaign_id == campaign_id)))


def test_held_out_friends_are_in_no_chunk_and_sent_nothing(db, fake_line, many_friends, make_campaign, run_campaigns):
    friends = many_friends(1_200)
    campaign = make_campaign(
        uid=UID, variants=[{"name": "A", "messages": A}, {"name": "B", "messages": B}], holdout_share=20
    )
    ids = [f.id for f in friends]
    held, (to_a, to_b), rest = split.divide(campaign, ids)
    assert rest == [] and 180 <= len(held) <= 300  # the same on SQLite and PostgreSQL: ids are the input
    started, sent = run_campaigns()
    assert started == {"sending": 1}
    chunks = _chunks(db, campaign.id)
    assert {c.variant for c in chunks} == {0, 1}
    in_chunks = [i for c in chunks for i in c.friend_ids]
    assert sorted(in_chunks) == sorted(to_a + to_b)
    assert not set(in_chunks) & set(held)
    assert all(split.variant_of(campaign, i) == c.variant for c in chunks for i in c.friend_ids)
    fresh(db)
    stored = db.get(Campaign, campaign.id)
    assert split.holdout_friend_ids(db, stored) == sorted(held)
    reached = fake_line.multicast_recipients()
    user = {f.id: f.line_user_id for f in friends}
    assert set(reached) == {user[i] for i in to_a + to_b} and set(reached.values()) == {1}
    assert not {user[i] for i in held} & set(reached)
    for i in to_a[:20] + to_b[:20]:
        assert fake_line.messages_to(user[i]) == (A if i in to_a else B)
    assert (stored.status, stored.recipients, stored.sent_count) == (CS.DONE, len(to_a) + len(to_b), len(in_chunks))
    assert run_campaigns() == ({}, {})


def test_a_holdout_without_variants_sends_the_campaigns_messages_to_the_rest(
    db, fake_line, many_friends, make_campaign, run_campaigns
):
    friends = many_friends(300)
    campaign = make_campaign(holdout_share=50)
    run_campaigns()
    fresh(db)
    held = {r.friend_id for r in db.exec(select(CampaignHoldout).where(CampaignHoldout.campaign_id == campaign.id))}
    assert 100 <= len(held) <= 200
    reached = Counter(fake_line.multicast_recipients())
    assert set(reached) == {f.line_user_id for f in friends if f.id not in held}
    assert [d.messages for d in fake_line.multicasts()] == [campaign.messages]
