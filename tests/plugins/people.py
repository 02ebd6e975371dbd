"""People fixtures: the admin API called with a session token, customers, friends and
notifications arranged for the Customers and Messages tests, and an answer checked
against the OpenAPI schema the people API publishes."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import jsonschema_rs
import pytest

from app.models import Customer, LineFriend, Notification
from app.timeutil import utcnow

_ids = itertools.count(1000)


@pytest.fixture
def api(client, fake_shopify):
    def call(method: str, path: str, body: dict | None = None, shop: str = "test-shop", **kwargs):
        if method in ("POST", "PUT", "DELETE") and "data" not in kwargs:
            kwargs["json"] = body if body is not None else {}
        return client.open(
            path, method=method, headers={"Authorization": f"Bearer {fake_shopify.session_token(shop)}"}, **kwargs
        )

    return call


def customer(db, shop, **fields) -> Customer:
    row = Customer(shop_id=shop.id, shopify_id=fields.pop("shopify_id", next(_ids)), **fields)
    db.add(row)
    db.commit()
    return row


def friend(db, shop, name: str, customer: Customer | None = None, **fields) -> LineFriend:
    row = LineFriend(
        shop_id=shop.id,
        line_user_id=f"U{next(_ids):032d}",
        display_name=name,
        customer_id=customer.id if customer else None,
        followed_at=utcnow(),
        link_method="chat" if customer else None,
        **fields,
    )
    db.add(row)
    db.commit()
    return row


def notification(
    db,
    shop,
    *,
    flow: str = "order_confirmation",
    status: str = "sent",
    created: datetime | None = None,
    friend: LineFriend | None = None,
    customer: Customer | None = None,
    **fields,
) -> Notification:
    created = created or utcnow()
    row = Notification(
        shop_id=shop.id,
        flow=flow,
        status=status,
        dedupe_key=f"k{next(_ids)}",
        due_at=fields.pop("due_at", created),
        created_at=created,
        friend_id=friend.id if friend else None,
        customer_id=customer.id if customer else None,
        sent_at=created + timedelta(seconds=5) if status == "sent" else None,
        **fields,
    )
    db.add(row)
    db.commit()
    return row


def _json_schema(schema):
    """OpenAPI 3.0's `nullable` as JSON Schema."""
    if isinstance(schema, list):
        return [_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {k: _json_schema(v) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def conforms(path: str, method: str, status: int, body) -> None:
    """Raise unless `body` is what the published schema says `path` answers with `status`."""
    from app.admin.people.openapi import PATHS as OPENAPI_PATHS  # imported here: every test run loads this plugin

    response = OPENAPI_PATHS[path][method]["responses"][str(status)]
    schema = _json_schema(response["content"]["application/json"]["schema"])
    jsonschema_rs.validator_for(schema, validate_formats=True).validate(body)
