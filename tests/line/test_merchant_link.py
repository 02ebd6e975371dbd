"""The merchant's manual link and unlink (admin API), scoped to the session token's shop,
and the `line-linked` tag the worker keeps in step in Shopify."""

from __future__ import annotations

import pytest

from app.models import Customer, LineFriend, LinkAudit
from app.sync.tags import sync_line_tags
from app.timeutil import utcnow
from tests.fakes.line import new_user_id
from tests.helpers import fresh, make_shop, rows


@pytest.fixture
def people(db, shop, channel):
    customer = Customer(shop_id=shop.id, shopify_id=706405506930370084, first_name="花子")
    friend = LineFriend(shop_id=shop.id, channel_id=channel.id, line_user_id=new_user_id(), display_name="はなこ")
    db.add_all([customer, friend])
    db.commit()
    return customer, friend


def api(client, fake_shopify, method, path, body=None, shop="test-shop"):
    return client.open(
        path, method=method, json=body or {}, headers={"Authorization": f"Bearer {fake_shopify.session_token(shop)}"}
    )


def test_merchant_links_and_unlinks_by_hand(client, fake_shopify, people, db):
    customer, friend = people

    linked = api(client, fake_shopify, "POST", f"/api/customers/{customer.id}/line-link", {"friend_id": friend.id})
    assert linked.status_code == 200 and linked.get_json()["action"] == "link"
    assert rows(db, LineFriend)[0].customer_id == customer.id

    unlinked = api(client, fake_shopify, "DELETE", f"/api/customers/{customer.id}/line-link")
    assert unlinked.get_json() == {"ok": True, "unlinked": True}
    assert rows(db, LineFriend)[0].customer_id is None
    audits = [(a.action, a.method, a.actor) for a in rows(db, LinkAudit)]
    assert audits == [("link", "merchant", "staff:42"), ("unlink", "merchant", "staff:42")]


def test_another_shops_token_cannot_touch_this_shop(client, fake_shopify, people, db):
    customer, friend = people
    make_shop(db, domain="other-shop.myshopify.com")

    response = api(
        client,
        fake_shopify,
        "POST",
        f"/api/customers/{customer.id}/line-link",
        {"friend_id": friend.id},
        shop="other-shop",
    )

    assert response.status_code == 404
    assert rows(db, LineFriend)[0].customer_id is None


def test_api_requires_a_valid_session_token_and_json(client, people, fake_shopify):
    customer, friend = people
    path = f"/api/customers/{customer.id}/line-link"

    assert client.post(path, json={"friend_id": friend.id}).status_code in (302, 401)
    expired = fake_shopify.session_token("test-shop", exp_in=-300)
    answer = client.post(path, json={"friend_id": friend.id}, headers={"Authorization": f"Bearer {expired}"})
    assert answer.status_code == 401 and answer.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"
    form = client.post(
        path,
        data={"friend_id": friend.id},
        headers={"Authorization": f"Bearer {fake_shopify.session_token('test-shop')}"},
    )
    assert form.status_code == 415


def test_worker_adds_and_removes_the_line_linked_tag(client, fake_shopify, people, db, app):
    customer, friend = people
    mutations = []
    for name in ("TagsAdd", "TagsRemove"):
        from app.shopify import queries

        document = (queries.TAGS_ADD if name == "TagsAdd" else queries.TAGS_REMOVE).strip()
        field = "tagsAdd" if name == "TagsAdd" else "tagsRemove"
        fake_shopify.resolvers[document] = lambda variables, field=field: (
            mutations.append((field, variables)) or {field: {"userErrors": []}}
        )
    api(client, fake_shopify, "POST", f"/api/customers/{customer.id}/line-link", {"friend_id": friend.id})
    fresh(db)

    with app.app_context():
        first = sync_line_tags(session=db, now=utcnow())
    api(client, fake_shopify, "DELETE", f"/api/customers/{customer.id}/line-link")
    fresh(db)
    with app.app_context():
        second = sync_line_tags(session=db, now=utcnow())

    assert first["added"] == 1 and second["removed"] == 1
    assert mutations == [
        ("tagsAdd", {"id": "gid://shopify/Customer/706405506930370084", "tags": ["line-linked"]}),
        ("tagsRemove", {"id": "gid://shopify/Customer/706405506930370084", "tags": ["line-linked"]}),
    ]
    assert rows(db, Customer)[0].line_tag_due_at is None
