"""Messages asked for by the merchant's Shopify Flow workflows ("LINEでメッセージを送る").

Flow posts an action run (app/shopify/flow_action.py verifies it); here it is decided
(`decide`: reads only, outside any write transaction) and then recorded (`record`: when it
can go, put in the outbox as one `Notification` per `action_run_id`, its dedupe key, and
the answer kept in `shopify_flow_runs`, both in one short write transaction), so Flow
resending a run gets the same answer and nothing twice: a twin request deciding at the same
time meets the unique keys when it records. The request only writes rows; the worker
sends, re-checking blocks, links and (for marketing) opt-outs, quiet hours and caps.

A refusal is final (Flow retries 5xx and 429, never another 4xx), so only what will not
change by retrying is refused: an unknown customer, one not linked to LINE, a blocked
friend, an opted-out shopper for a marketing message, no LINE channel, the flow switched
off, an empty or oversized message, a template that does not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from ..db import insert_ignoring_conflict, session_scope
from ..line import messages as line_messages
from ..line import texts
from ..models import Campaign, Customer, LineChannel, Shop, ShopifyFlowRun
from . import outbox
from .config import flow_settings
from .recipients import Recipient, recipient_of
from .registry import Flow, spec
from .templates import render

KEYS = spec(Flow.SHOPIFY_FLOW).keys
MESSAGE_LIMIT = 5000  # LINE's text message limit
MARKETING, TRANSACTIONAL = "marketing", "transactional"
_RUNS = ShopifyFlowRun.__table__


@dataclass(frozen=True)
class ActionRun:
    """What the action's properties say, read by the endpoint (`parse_properties`)."""

    action_run_id: str
    handle: str
    customer_id: int | None
    message: str
    template: str
    marketing: bool


@dataclass(frozen=True)
class Answer:
    status: int  # 200 scheduled, 4xx refused (not retried by Flow)
    outcome: str  # "scheduled", "duplicate" or the refusal's code
    notification_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Message:
    """A run decided to go: who gets what (put in the outbox by `record`)."""

    recipient: Recipient
    messages: list[dict]


class Invalid(ValueError):
    """A property that can never be right as it is: (field, code)."""

    def __init__(self, field: str, code: str):
        super().__init__(f"{field}: {code}")
        self.field, self.code = field, code


def _customer_id(value) -> int | None:
    """Flow's customer reference: a numeric id, or a gid://shopify/Customer/<id>."""
    text = str(value or "").strip().rsplit("/", 1)[-1]
    return int(text) if text.isdigit() and 0 < int(text) < 2**63 else None


def parse_properties(properties: dict) -> tuple[int | None, str, str, bool]:
    """(customer id, message, template, marketing) from the action's properties, or Invalid."""
    if not isinstance(properties, dict):
        raise Invalid("properties", "invalid")
    customer = _customer_id(properties.get("customer_id"))
    if properties.get("customer_id") not in (None, "") and customer is None:
        raise Invalid("customer_id", "invalid")
    message = properties.get("message") or ""
    template = properties.get("template") or ""
    kind = str(properties.get("kind") or MARKETING).strip().lower()
    transactional = properties.get("transactional")  # the extension's checkbox (a boolean)
    if transactional is not None and "kind" not in properties:
        if transactional not in (True, False, "true", "false"):
            raise Invalid("transactional", "invalid")
        kind = TRANSACTIONAL if transactional in (True, "true") else MARKETING
    if not isinstance(message, str) or not isinstance(template, (str, int)):
        raise Invalid("message" if not isinstance(message, str) else "template", "invalid")
    if kind not in (MARKETING, TRANSACTIONAL):
        raise Invalid("kind", "invalid")
    message, template = message.strip(), str(template).strip()
    if not message and not template:
        raise Invalid("message", "empty")
    if len(message) > MESSAGE_LIMIT:
        raise Invalid("message", "too_long")
    if template and _template_id(template) is None:
        raise Invalid("template", "unknown_template")
    return customer, message, template, kind == MARKETING


def _template_id(template: str) -> int | None:
    """A saved message of the composer, named by its campaign id ("12" or "campaign-12")."""
    text = template.removeprefix("campaign-")
    return int(text) if text.isdigit() and int(text) < 2**63 else None


def saved_template(*, session: Session, shop: Shop, template: str) -> Campaign | None:
    campaign_id = _template_id(template)
    found = session.get(Campaign, campaign_id) if campaign_id else None
    return found if found is not None and found.shop_id == shop.id and found.messages else None


def recorded(*, session: Session, shop: Shop, action_run_id: str) -> Answer | None:
    """The answer already given to this run, if Flow sent it before."""
    row = session.exec(
        select(ShopifyFlowRun).where(ShopifyFlowRun.shop_id == shop.id, ShopifyFlowRun.action_run_id == action_run_id)
    ).first()
    return Answer(row.status, row.outcome, row.notification_id) if row else None


def run_action(*, reads: Session, shop: Shop, run: ActionRun, now: datetime) -> Answer:
    """Decide the run with `reads` (no write lock held while deciding), then schedule its
    message and keep the answer in one short write transaction of its own: once per run."""
    before = recorded(session=reads, shop=shop, action_run_id=run.action_run_id)
    if before is not None:
        return before
    decided = _decide(session=reads, shop=shop, run=run)
    with session_scope(reads.get_bind()) as session:
        return _record(session=session, shop=shop, run=run, decided=decided, now=now)


def _record(*, session: Session, shop: Shop, run: ActionRun, decided: Answer | Message, now: datetime) -> Answer:
    """The run's row first, then its message: a twin request that decided at the same time
    (and maybe otherwise: the friend blocked in between) finds the row taken and answers
    what was recorded, scheduling nothing."""
    message = decided if isinstance(decided, Message) else None
    answer = Answer(200, "scheduled", uuid.uuid4()) if message else decided
    values = {
        "shop_id": shop.id,
        "action_run_id": run.action_run_id,
        "handle": run.handle[:64],
        "status": answer.status,
        "outcome": answer.outcome,
        "notification_id": answer.notification_id,
        "created_at": now,
    }
    statement = insert_ignoring_conflict(session.get_bind().dialect.name, _RUNS, ("shop_id", "action_run_id"))
    if session.execute(statement, values).first() is None:  # a twin request recorded it first
        return recorded(session=session, shop=shop, action_run_id=run.action_run_id) or answer
    if message is not None:
        outbox.schedule(
            session=session,
            shop=shop,
            flow=Flow.SHOPIFY_FLOW,
            step=0,
            dedupe_key=KEYS.key(run=run.action_run_id),  # only this run's row leads here
            due_at=now,
            recipient=message.recipient,
            messages=message.messages,
            context={"action_run_id": run.action_run_id, "kind": MARKETING if run.marketing else TRANSACTIONAL},
            marketing=run.marketing,
            notification_id=answer.notification_id,
        )
    return answer


def _decide(*, session: Session, shop: Shop, run: ActionRun) -> Answer | Message:
    """A refusal, or the message to schedule (reads only)."""
    if not flow_settings(shop, Flow.SHOPIFY_FLOW).get("enabled", True):
        return _refuse("disabled")
    channel = session.exec(select(LineChannel).where(LineChannel.shop_id == shop.id)).first()
    if channel is None or channel.disconnected_at is not None or not channel.connected_at:
        return _refuse("no_line_channel")
    if run.customer_id is None:
        return _refuse("no_customer")
    customer = session.exec(
        select(Customer).where(Customer.shop_id == shop.id, Customer.shopify_id == run.customer_id)
    ).first()
    if customer is None:
        return _refuse("unknown_customer")
    recipient = recipient_of(session=session, shop=shop, customer=customer)
    if recipient is None:
        return _refuse("unlinked")
    if recipient.friend.is_blocked:
        return _refuse("blocked")
    if run.marketing and recipient.friend.marketing_opt_out_at is not None:
        return _refuse("opted_out")
    template = saved_template(session=session, shop=shop, template=run.template) if run.template else None
    if run.template and template is None:
        return _refuse("unknown_template")
    values = {"customer_name": recipient.name}
    body = texts.fill(run.message, shop, values) if run.message else ""
    built = []
    if body:
        built.append(line_messages.text(render(shop, Flow.SHOPIFY_FLOW, recipient.lang, {**values, "message": body})))
    if template is not None:
        built += [_personal(m, shop, values) for m in template.messages]
    if len(built) > 5:  # LINE takes five messages per push
        return _refuse("too_many_messages")
    return Message(recipient, built)


def _refuse(code: str) -> Answer:
    return Answer(422, code)


def _personal(message: dict, shop: Shop, values: dict) -> dict:
    """A saved message's text with the shopper's name filled in (other kinds as saved)."""
    if message.get("type") == "text" and isinstance(message.get("text"), str):
        return {**message, "text": texts.fill(message["text"], shop, values)[:MESSAGE_LIMIT]}
    return message


def preview(shop: Shop, *, lang: str, name: str, message: str) -> list[dict]:
    """The builder's view (the admin's preview): the wrapper text around a sample message."""
    values = {"customer_name": name}
    return [line_messages.text(render(shop, Flow.SHOPIFY_FLOW, lang, {**values, "message": message}))]
