"""POST /line/webhook: destination → channel → signature → record → handle.

Nothing is stored unless the signature of the raw body checks out with the secret of the
channel named by `destination`. Verified events are committed before they are handled
(deduped on webhookEventId), then handled in this request so replies go out at once;
events not handled within the time budget are left for the worker, and LINE always gets
its answer inside its 2-second limit: calls to LINE made here (profile, link token,
reply) are single attempts within that limit, and what LINE did not answer in time is
finished by the worker (app/line/prefetch.py, replies.py, profiles.py).
"""

from __future__ import annotations

import json
import logging
import time

from flask import Blueprint, jsonify, request
from linebot.v3.webhook import SignatureValidator
from werkzeug.exceptions import RequestEntityTooLarge

from .. import db
from . import channels
from .events import handle_events, record_events

log = logging.getLogger("tsunagu.line")
bp = Blueprint("line_webhooks", __name__)

HANDLING_BUDGET_S = 1.2  # no new event is started after this
LINE_BUDGET_S = 1.8  # every call to LINE is over by then (LINE waits 2 s for our answer)


def _error(code: str, status: int = 400):
    return jsonify(error=code), status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    log.warning("LINE webhook rejected: body over the size limit")
    return _error("line.webhook.too-large", 413)


@bp.post("/line/webhook")
def receive():
    started = time.monotonic()
    raw = request.get_data(cache=False)
    try:
        body = raw.decode("utf-8")
        doc = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError; nesting past Python's limit
        return _error("line.webhook.invalid-json")
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("destination"), str)
        or not isinstance(doc.get("events"), list)
    ):
        return _error("line.webhook.invalid-json")

    channel = channels.by_destination(session=db.session(), destination=doc["destination"])
    if channel is None:
        log.warning("LINE webhook for an unknown destination")
        return _error("line.webhook.unknown-destination")
    secret = channels.secret(channel)
    signature = request.headers.get("x-line-signature", "")
    if not secret or not signature or not SignatureValidator(secret).validate(body, signature):
        log.warning("LINE webhook with a bad signature channel=%s", channel.id)
        return _error("line.webhook.invalid-signature")

    if not doc["events"]:  # LINE's verification request
        return jsonify(status="ok"), 200
    new_ids = record_events(engine=db.engine(), channel=channel, events=doc["events"])
    handle_events(
        engine=db.engine(),
        event_ids=new_ids,
        deadline=started + HANDLING_BUDGET_S,
        line_deadline=started + LINE_BUDGET_S,
    )
    return jsonify(status="ok"), 200
