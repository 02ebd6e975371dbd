"""/r/<token>: a 302 to the recorded target and nowhere else; clicks counted once per
shopper's GET, never for HEAD or preview bots; unknown tokens are a 404 page."""

from __future__ import annotations

import pytest

from app.models import LinkClick, TrackedLink
from tests.helpers import count, rows
from tests.plugins.tracking import card, token_of

STORE = "https://test-shop.myshopify.com/cart/1:2?utm_source=line"
AT = "2026-11-25T03:00:00+00:00"


@pytest.fixture
def link(db, linked_friends, pushed, fake_line):
    friend = linked_friends(1)[0]
    note = pushed(friend, card(STORE), AT)
    uri = fake_line.pushes()[0].messages[1]["contents"]["footer"]["contents"][0]["action"]["uri"]
    return rows(db, TrackedLink, TrackedLink.token == token_of(uri))[0], note, friend


def test_click_redirects_to_the_target_and_is_counted(db, link, click):
    row, note, friend = link
    response = click(row.token)
    assert response.status_code == 302
    assert response.headers["Location"] == STORE
    assert response.headers["Cache-Control"] == "no-store"
    click(row.token)
    stored = rows(db, TrackedLink, TrackedLink.id == row.id)[0]
    assert stored.clicks == 2 and stored.first_clicked_at is not None
    assert stored.last_clicked_at >= stored.first_clicked_at
    clicks = rows(db, LinkClick, LinkClick.link_id == row.id)
    assert len(clicks) == 2
    assert {(c.notification_id, c.customer_id, c.flow, c.shop_id) for c in clicks} == {
        (note.id, friend.customer_id, "order_confirmation", row.shop_id)
    }


def test_unknown_and_malformed_tokens_are_a_404_page(db, link, click):
    row, _, _ = link
    for token in ("AAAAAAAAAAAAAAAA", row.token[:-1] + ("A" if row.token[-1] != "A" else "B"), "x", "a" * 40):
        response = click(token)
        assert response.status_code == 404, token
        assert "リンクが見つかりません" in response.get_data(as_text=True)
        assert "Location" not in response.headers
    assert count(db, LinkClick) == 0


def test_nothing_in_the_request_changes_the_target(db, link, click, client):
    row, _, _ = link
    for query in (
        "?url=https://evil.example/",
        "?next=//evil.example&target=https://evil.example",
        "?redirect=javascript:alert(1)",
    ):
        response = click(row.token, query=query)
        assert response.status_code == 302 and response.headers["Location"] == STORE
    assert client.get(f"/r/{row.token}/https://evil.example").status_code == 404
    assert client.get("/r/https://evil.example").status_code == 404
    response = client.get(
        f"/r/{row.token}",
        headers={"User-Agent": "Mozilla/5.0", "Host": "evil.example", "Referer": "https://evil.example/"},
    )
    assert response.headers["Location"] == STORE


def test_a_stored_target_that_is_not_web_is_never_followed(db, link, click):
    row, _, _ = link
    stored = db.get(TrackedLink, row.id)
    stored.target = "javascript:alert(1)"
    db.commit()
    assert click(row.token).status_code == 404


def test_head_requests_and_preview_bots_are_redirected_but_not_counted(db, link, click):
    row, _, _ = link
    head = click(row.token, method="HEAD")
    assert head.status_code == 302 and head.headers["Location"] == STORE
    for agent in (
        "facebookexternalhit/1.1;line-poker/1.0",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Twitterbot/1.0",
        "Mozilla/5.0 (compatible; Discordbot/2.0)",
        "",
    ):
        response = click(row.token, agent=agent)
        assert response.status_code == 302 and response.headers["Location"] == STORE, agent
    assert count(db, LinkClick) == 0
    assert rows(db, TrackedLink, TrackedLink.id == row.id)[0].clicks == 0
    # LINE's in-app browser says "Line/x.y": that is a shopper, and counts.
    assert click(row.token).status_code == 302
    assert count(db, LinkClick) == 1
