"""The Shopify Flow action "Send LINE message": verified by HMAC before anything is read,
one message per action_run_id, refusals Flow will not retry (4xx) for what retrying cannot
fix, marketing and transactional messages under their own policies, custom validation."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.flows import shopify_flow
from app.models import Campaign, LineFriend, Notification, ShopifyFlowRun
from app.timeutil import utcnow
from tests.conftest import sign
from tests.helpers import count, fresh, rows
from tests.plugins.flows import CUSTOMER_ID, set_flow

PATH = "/flow/actions/send-line-message"


def _body(shop, properties: dict, run_id: str | None = None) -> dict:
    return {
        "shop_id": "1",
        "shopify_domain": shop.domain,
        "action_run_id": run_id or str(uuid.uuid4()),
        "action_definition_id": "LINEでメッセージを送る",
        "handle": "send-line-message",
        "properties": properties,
    }


def _props(**extra) -> dict:
    return {"customer_id": str(CUSTOMER_ID), "message": "{customer_name}様、お誕生日おめでとうございます！", **extra}


@pytest.fixture
def post(client):
    def send(body: dict, *, path: str = PATH, secret: str | None = None, signed: bool = True):
        raw = json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-Shopify-Hmac-Sha256"] = sign(raw, secret) if secret else sign(raw)
        return client.post(path, data=raw, headers=headers)

    return send


def test_scheduled_once_per_action_run(post, db, shop, friend):
    body = _body(shop, _props())
    first = post(body)
    assert first.status_code == 200 and first.get_json() == {"status": "scheduled"}
    again = post(body)  # Flow resends a run it did not hear back about
    assert again.status_code == 200 and again.get_json() == {"status": "scheduled"}
    (note,) = rows(db, Notification)
    assert note.flow == "shopify_flow" and note.marketing is True and note.friend_id == friend.id
    assert note.messages == [{"type": "text", "text": "山田 花子様、お誕生日おめでとうございます！"}]
    (run,) = rows(db, ShopifyFlowRun)
    assert (run.status, run.outcome, run.notification_id) == (200, "scheduled", note.id)
    assert post(_body(shop, _props())).status_code == 200  # another run: another message
    assert count(db, Notification) == 2


def test_a_twin_request_that_decided_before_the_first_was_recorded_gets_its_answer(post, db, shop, friend, monkeypatch):
    """Deciding reads outside the write transaction: a twin that read "not recorded" (and
    decided otherwise: the friend unblocked in between) meets the run's unique key when it
    writes, answers what the first one recorded and schedules nothing."""
    friend.is_blocked = True
    db.add(friend)
    db.commit()
    body = _body(shop, _props())
    assert post(body).get_json()["error"] == "shopify.flow.blocked"
    friend.is_blocked = False
    db.add(friend)
    db.commit()
    real, calls = shopify_flow.recorded, []

    def not_yet_on_first_read(**kw):
        calls.append(kw["session"])
        return None if len(calls) == 1 else real(**kw)

    monkeypatch.setattr(shopify_flow, "recorded", not_yet_on_first_read)
    run = shopify_flow.ActionRun(body["action_run_id"], "send-line-message", CUSTOMER_ID, "こんにちは", "", True)
    answer = shopify_flow.run_action(reads=db, shop=shop, run=run, now=utcnow())
    assert len(calls) == 2 and calls[1] is not db  # read again in the write transaction
    assert (answer.status, answer.outcome) == (422, "blocked")
    fresh(db)
    assert count(db, Notification) == 0 and [r.outcome for r in rows(db, ShopifyFlowRun)] == ["blocked"]


def test_bad_or_missing_hmac_is_401_and_nothing_is_stored(post, db, shop, friend):
    body = _body(shop, _props())
    assert post(body, secret="not-the-client-secret").status_code == 401
    assert post(body, signed=False).status_code == 401
    assert post(body, path=f"{PATH}/validate", secret="wrong").status_code == 401
    assert count(db, Notification) == 0 and count(db, ShopifyFlowRun) == 0


@pytest.mark.parametrize(
    ("arrange", "properties", "code"),
    [
        ("unlink", {}, "unlinked"),
        ("block", {}, "blocked"),
        ("opt_out", {}, "opted_out"),
        (None, {"customer_id": "gid://shopify/Customer/999"}, "unknown_customer"),
        (None, {"customer_id": ""}, "no_customer"),
        (None, {"template": "campaign-424242"}, "unknown_template"),
        ("disable", {}, "disabled"),
    ],
)
def test_refusals_are_final_answers_flow_shows(post, db, shop, friend, arrange, properties, code):
    if arrange == "unlink":
        friend.customer_id = None
    elif arrange == "block":
        friend.is_blocked = True
    elif arrange == "opt_out":
        friend.marketing_opt_out_at = utcnow()
    elif arrange == "disable":
        set_flow(db, shop, "shopify_flow", {"enabled": False})
    db.add(friend)
    db.commit()
    body = _body(shop, _props(**properties))
    response = post(body)
    assert response.status_code == 422  # a 4xx that is not 429: Flow does not retry it
    assert response.get_json()["error"] == f"shopify.flow.{code}"
    assert response.get_json()["message"]  # shown to the merchant in the workflow run
    assert count(db, Notification) == 0
    assert post(body).get_json()["error"] == f"shopify.flow.{code}"  # the same answer again
    assert [r.outcome for r in rows(db, ShopifyFlowRun)] == [code]


def test_invalid_fields_and_unknown_shop(post, db, shop, friend):
    too_long = post(_body(shop, _props(message="あ" * 5001)))
    assert too_long.status_code == 422 and too_long.get_json()["error"] == "shopify.flow.invalid"
    assert post(_body(shop, _props(kind="spam"))).status_code == 422
    assert post(_body(shop, _props(transactional="maybe"))).status_code == 422
    assert post(_body(shop, {"customer_id": str(CUSTOMER_ID), "message": "  "})).status_code == 422
    stranger = _body(shop, _props())
    stranger["shopify_domain"] = "someone-else.myshopify.com"
    assert post(stranger).status_code == 404
    assert post({"shopify_domain": shop.domain}).status_code == 400  # no action_run_id
    assert count(db, Notification) == 0


def _tokyo_night_after(note: Notification) -> datetime:
    """The first 23:00 in Tokyo (14:00 UTC, quiet hours) after the message became due."""
    late = utcnow().replace(hour=14, minute=0, second=0, microsecond=0)
    return late if late > note.due_at.replace(tzinfo=UTC) else late + timedelta(days=1)


def test_transactional_message_goes_to_an_opted_out_shopper_in_quiet_hours(post, db, shop, friend, dispatch):
    friend.marketing_opt_out_at = utcnow()
    db.add(friend)
    db.commit()
    # the extension's checkbox (a boolean); `kind` says the same in words
    assert post(_body(shop, _props(transactional=True, message="ご注文の入金を確認しました。"))).status_code == 200
    (note,) = rows(db, Notification)
    assert note.marketing is False
    dispatch(_tokyo_night_after(note))
    fresh(db)
    assert rows(db, Notification)[0].status == "sent"


def test_marketing_message_waits_out_quiet_hours(post, db, shop, friend, dispatch):
    assert post(_body(shop, _props(transactional=False))).status_code == 200
    night = _tokyo_night_after(rows(db, Notification)[0])
    dispatch(night)
    fresh(db)
    (note,) = rows(db, Notification)
    assert note.status == "scheduled" and note.due_at.replace(tzinfo=UTC) > night


def test_a_saved_campaign_message_is_a_template(post, db, shop, friend):
    saved = Campaign(
        shop_id=shop.id, name="誕生日", messages=[{"type": "text", "text": "{customer_name}様へ特別クーポン"}]
    )
    db.add(saved)
    db.commit()
    response = post(_body(shop, {"customer_id": f"gid://shopify/Customer/{CUSTOMER_ID}", "template": str(saved.id)}))
    assert response.status_code == 200
    (note,) = rows(db, Notification)
    assert note.messages == [{"type": "text", "text": "山田 花子様へ特別クーポン"}]


def test_custom_validation_names_the_field(post, db, shop, friend):
    def errors(properties):
        response = post({"shopify_domain": shop.domain, "properties": properties}, path=f"{PATH}/validate")
        assert response.status_code == 200
        return response.get_json()["errors"]

    assert errors(_props()) == []
    assert [e["id"] for e in errors({"customer_id": str(CUSTOMER_ID)})] == ["message"]
    assert [e["id"] for e in errors(_props(message="x" * 5001))] == ["message"]
    assert [e["id"] for e in errors(_props(kind="other"))] == ["kind"]
    assert [e["id"] for e in errors(_props(template="999999"))] == ["template"]
    steps = {"shopify_domain": shop.domain, "steps": [{"step_reference": "s1", "properties": _props(message="")}]}
    answer = post(steps, path=f"{PATH}/validate").get_json()["errors"]
    assert [(e["id"], e["step_reference"]) for e in answer] == [("message", "s1")]
    assert count(db, Notification) == 0 and count(db, LineFriend) == 1
