"""The sequences API: refusals by field in the merchant's language with nothing saved, a
created and changed sequence, the timeline of unsaved steps, the switch, removing a friend
by hand, another shop's sequence answering 404, and the page itself."""

from __future__ import annotations

from app.models import RunStatus, Sequence, SequenceRun, Trigger
from app.sequences import enroll
from tests.helpers import count, make_shop, rows
from tests.plugins.sequences import runs, text_step


def body(**changes) -> dict:
    return {
        "name": "初回購入のお礼",
        "trigger": {"kind": "first_purchase"},
        "steps": [text_step("ご購入ありがとうございます", 1, "days", at="10:00")],
        **changes,
    }


def test_bad_input_is_refused_by_field_in_japanese(api, shop):
    response = api("POST", "/api/sequences", body(trigger={}, steps=[text_step("", 100, "days")]))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["trigger.kind"] == "開始のきっかけを選んでください。"
    assert errors["steps[0].delay.amount"] == "待ち時間は0〜90の整数で入力してください。"
    assert errors["steps[0].blocks[0].text"] == "本文を入力してください。"
    assert api("GET", "/api/sequences").get_json()["sequences"] == []


def test_create_change_switch_and_remove(api, app, db, shop, linked_friends):
    created = api("POST", "/api/sequences", body(enabled=True))
    assert created.status_code == 201
    data = created.get_json()
    sequence_id = data["current"]["id"]
    assert data["dates"][0].endswith("10:00") and data["results"]["entered"] == 0
    changed = api("PUT", f"/api/sequences/{sequence_id}", {**data["current"], "name": "お礼"})
    assert changed.status_code == 200 and changed.get_json()["current"]["name"] == "お礼"

    (friend,) = linked_friends(1)
    with app.app_context():
        enroll.on_event(Trigger.FIRST_PURCHASE, session=db, shop=shop, friend=friend)
        db.commit()
    removed = api("POST", f"/api/sequences/{sequence_id}/remove", {"friend_id": friend.id})
    assert removed.get_json() == {"ok": True, "ended": 1}
    assert [(r.status, r.reason) for r in runs(db)] == [(RunStatus.EXITED, "removed")]

    off = api("POST", f"/api/sequences/{sequence_id}/switch", {"enabled": False})
    assert off.get_json()["enabled"] is False
    db.rollback()  # a fresh read, not the session's snapshot
    db.expire_all()
    assert db.get(Sequence, sequence_id).enabled is False
    assert api("POST", f"/api/sequences/{sequence_id}/switch", {"enabled": "yes"}).status_code == 422


def test_the_timeline_of_unsaved_steps(api, shop):
    steps = [text_step("a", 0), text_step("b", 2, "days", at="10:00"), text_step("c", 999, "days")]
    dates = api("POST", "/api/sequences/timeline", {"steps": steps}).get_json()["dates"]
    assert dates[1].endswith("10:00") and dates[2] is None


def test_another_shops_sequence_is_not_found(api, db, shop):
    other = make_shop(db, domain="other-shop.myshopify.com")
    db.add(Sequence(shop_id=other.id, name="よそ", trigger="friend_added"))
    db.commit()
    theirs = rows(db, Sequence)[0].id
    assert api("GET", f"/api/sequences/{theirs}").status_code == 404
    assert api("PUT", f"/api/sequences/{theirs}", body()).status_code == 404
    assert api("DELETE", f"/api/sequences/{theirs}").status_code == 404
    assert count(db, Sequence) == 1


def test_delete_cancels_waiting_steps(api, app, db, shop, linked_friends):
    sequence_id = api("POST", "/api/sequences", body(enabled=True)).get_json()["current"]["id"]
    (friend,) = linked_friends(1)
    with app.app_context():
        enroll.on_event(Trigger.FIRST_PURCHASE, session=db, shop=shop, friend=friend)
        db.commit()
    assert api("DELETE", f"/api/sequences/{sequence_id}").get_json() == {"ok": True}
    assert count(db, Sequence) == 0 and count(db, SequenceRun) == 0
