"""The demo store has friend sources with a month of visits, some friends brought by each,
and seeding again adds nothing."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from app.demo.sources import SOURCES
from app.models import FriendSource, FriendSourceVisit, LineFriend, VisitOutcome
from tests.helpers import count, rows


def test_demo_sources_have_visits_and_friends_and_seed_once(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    visits = count(db, FriendSourceVisit)
    assert runner.invoke(args=["demo"]).exit_code == 0

    assert count(db, FriendSourceVisit) == visits > 100
    assert {s.slug for s in rows(db, FriendSource)} == {slug for _, slug, *_ in SOURCES}
    brought = dict(
        db.exec(
            select(LineFriend.source_id, func.count())
            .where(LineFriend.source_id.is_not(None))
            .group_by(LineFriend.source_id)
        ).all()
    )
    assert len(brought) >= 2 and all(n > 0 for n in brought.values())
    for friend in rows(db, LineFriend, LineFriend.source_id.is_not(None)):
        assert friend.tags  # the source's tag came with it
    assert count(db, FriendSourceVisit, FriendSourceVisit.outcome == VisitOutcome.NEW) >= sum(brought.values())


def test_the_demo_sources_page_shows_the_figures(app, db):
    app.test_cli_runner().invoke(args=["demo"])
    page = app.test_client().get("/sources", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"Host": "127.0.0.1"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "店頭POP（渋谷店）" in body and "経路別の新しい友だち" in body
    assert "<svg" in body  # the chart and the QR codes, drawn on the server
