"""The real app under gunicorn (gthread workers, as production) while LINE is down: Shopify's
webhooks keep their answers within 1 s, LINE's within its 2 s, nothing is lost, and once
LINE is back the worker finishes everything exactly once. On SQLite and PostgreSQL.

The scenario is bench/_outage.py's (bench/line_outage.py reports the same figures): LINE
webhooks (follow, "連携", a search word) and waves of 50 concurrent signed Shopify webhooks
while LINE answers 503 after 5 s.
"""

from __future__ import annotations

import pytest

from bench import _outage as outage

SHOPIFY_LIMIT_MS = 1000
LINE_LIMIT_MS = 2000


@pytest.fixture
def scenario(db_url, tmp_path):
    if db_url.startswith("sqlite"):
        db_url = f"sqlite:///{tmp_path / 'outage.db'}"  # the app migrates its own file
    else:
        from tests.plugins.databases import truncate_all

        truncate_all(db_url)  # the scenario seeds its own shop
    return outage.Scenario(db_url, tmp_path, outage=(503, 5.0), shopify=50, line_rounds=2)


def test_line_down_holds_up_nothing_and_loses_nothing(scenario):
    r = outage.run(scenario)

    assert r.shopify_status == {200: len(r.shopify_ms)} and len(r.shopify_ms) >= 50
    assert max(r.shopify_ms) <= SHOPIFY_LIMIT_MS, sorted(r.shopify_ms)[-5:]
    assert r.line_status == {200: 6}
    assert max(r.line_all_ms) <= LINE_LIMIT_MS, r.line_ms
    assert r.server_errors == []  # no RemoteCallInWriteTransaction, no "database is locked"

    # LINE back, the worker ran: every delivery and event done, each answered once
    assert set(r.webhooks) == {"processed"} and r.webhooks["processed"] >= 50
    assert r.line_events == {"processed": 6}
    assert r.profiles_missing == 0  # the followers' names, asked again by the worker
    assert r.links_sent == 2  # "連携" without a link token was finished by the worker
    assert r.deliveries_per_event == {1: 6}  # one reply per event, none twice, no push needed
