"""LINE runs dry in the demo because the demo's settings say so: a test send from the admin's
loopback entry is recorded, not delivered (nothing listens at the test settings' LINE base)."""

from __future__ import annotations

from app.flows.registry import Flow
from app.models import LineDryRun, LineFriend
from tests.helpers import count, rows

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def test_a_test_send_in_the_demo_is_captured(app, db, seeded):
    friend = rows(db, LineFriend, LineFriend.is_blocked.is_(False))[0]
    before = count(db, LineDryRun)
    response = app.test_client().post(
        f"/api/flows/{Flow.REPURCHASE}/test",
        json={"friend_id": friend.id, "template_key": Flow.REPURCHASE.value, "lang": "ja"},
        environ_base=LOCAL,
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["dry_run"] is True
    [captured] = rows(db, LineDryRun, LineDryRun.id > before)
    assert captured.kind == "push" and captured.body["to"] == friend.line_user_id
