"""Another site's page cannot change anything through the admin API (app/admin/http.py):
every POST/PUT/PATCH/DELETE under /api/ (read from the app's URL map, so a route added later
is covered) answers 403 with a JSON reason to a cross-site form post, in the demo (no session
token) and embedded, and leaves every table of the database as it was. The app's own pages
(same-origin fetches, JSON) still work."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import inspect, text
from werkzeug.routing import IntegerConverter

from app import create_app, ext
from app.models import LineChannel, SynonymGroup
from app.timeutil import utcnow
from tests.helpers import fresh, make_shop, rows

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}
HOST = {"Host": "localhost"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# What a page of another site can make a browser send without asking the app (no CORS).
CROSS_SITE = {
    "form, fetch metadata": ({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, "form"),
    "form, same-site subdomain": ({"Sec-Fetch-Site": "same-site", "Origin": "https://x.localhost"}, "form"),
    "text/plain, no fetch metadata": ({"Origin": "https://evil.example"}, "text"),
    "form, Origin null": ({"Origin": "null"}, "form"),
    "form, look-alike Origin": ({"Origin": "http://localhost.evil.example"}, "form"),
    "form, no headers at all": ({}, "form"),
    "multipart, fetch metadata": ({"Sec-Fetch-Site": "cross-site"}, "multipart"),
}


def _routes() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(method, rule, endpoint, arguments) of every state-changing /api/* route."""
    from app.config import Settings

    app = create_app(
        Settings(
            env="test",
            database_url="sqlite://",
            secret_key="s" * 40,
            encryption_keys=("RDxoY2jC4xHf3K0V3kH1l0P8j3iQJ3kZ7qv0n9m2y5w=",),
            app_url="https://tsunagu.test",
        )
    )
    found = [
        (method, r.rule, r.endpoint, tuple(r.arguments))
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/")
        for method in sorted(r.methods & STATE_CHANGING)
    ]
    ext.engine(app).dispose()
    return found


ROUTES = _routes()
IDS = [f"{method} {rule}" for method, rule, *_ in ROUTES]


def _url(app, endpoint: str, rule: str, args: tuple[str, ...]) -> str:
    from flask import url_for

    [found] = [r for r in app.url_map.iter_rules(endpoint) if r.rule == rule]
    values = {
        a: 1 if isinstance(found._converters[a], IntegerConverter) else ("repurchase" if a == "flow" else uuid.uuid4())
        for a in args
    }
    with app.test_request_context():
        return url_for(endpoint, **values)


def _body(kind: str) -> dict:
    if kind == "text":
        return {"data": '{"enabled": false}', "content_type": "text/plain"}
    if kind == "multipart":
        return {"data": {"enabled": "false"}, "content_type": "multipart/form-data"}
    return {"data": {"enabled": "false", "friend_id": "1"}}  # application/x-www-form-urlencoded


def snapshot(engine) -> dict[str, list]:
    """Every row of every table, read from the database's own catalog."""
    with engine.connect() as conn:
        return {
            name: sorted(map(repr, conn.execute(text(f'SELECT * FROM "{name}"')).all()))
            for name in inspect(conn).get_table_names()
        }


@pytest.fixture
def demo_app(settings, db):
    shop = make_shop(db, domain="tsunagu-demo.myshopify.com", name="つなぐ デモストア", is_demo=True)
    db.add(LineChannel(shop_id=shop.id, bot_user_id="U" + "d" * 32, display_name="デモ", connected_at=utcnow()))
    db.commit()
    app = create_app(settings.with_(shopify_api_key=""))
    yield app
    ext.engine(app).dispose()


def test_every_state_changing_route_is_covered():
    assert len(ROUTES) >= 20
    assert {"POST /api/line/disconnect", "POST /api/catalog/sync", "DELETE /api/keyword-rules/<int:rule_id>"} <= set(
        IDS
    )


@pytest.mark.parametrize("method,rule,endpoint,args", ROUTES, ids=IDS)
def test_a_cross_site_request_is_refused_in_the_demo_and_changes_nothing(demo_app, method, rule, endpoint, args):
    client, engine = demo_app.test_client(), ext.engine(demo_app)
    url = _url(demo_app, endpoint, rule, args)
    before = snapshot(engine)

    for name, (headers, kind) in CROSS_SITE.items():
        response = client.open(url, method=method, environ_base=LOCAL, headers={**HOST, **headers}, **_body(kind))

        assert response.status_code == 403, (name, response.status_code, response.get_data(as_text=True)[:200])
        answer = response.get_json()
        assert answer["ok"] is False and "cross-site" in answer["reason"] and answer["message"], name
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert snapshot(engine) == before


@pytest.mark.parametrize("method,rule,endpoint,args", ROUTES, ids=IDS)
def test_a_cross_site_request_is_refused_embedded_before_the_token_check(app, client, db, method, rule, endpoint, args):
    make_shop(db)
    url = _url(app, endpoint, rule, args)
    before = snapshot(ext.engine(app))

    response = client.open(url, method=method, headers={"Sec-Fetch-Site": "cross-site"}, **_body("form"))

    assert response.status_code == 403 and "cross-site" in response.get_json()["reason"]
    assert snapshot(ext.engine(app)) == before


# -- the app's own pages still get through --------------------------------------------------


def test_disconnect_and_sync_from_the_apps_own_page_work_in_the_demo(demo_app, db):
    client = demo_app.test_client()
    own = {**HOST, "Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}

    refused = client.post("/api/line/disconnect", environ_base=LOCAL, headers={**HOST, "Sec-Fetch-Site": "cross-site"})
    disconnected = client.post("/api/line/disconnect", environ_base=LOCAL, headers=own)
    synced = client.post("/api/catalog/sync", environ_base=LOCAL, headers=own)

    assert refused.status_code == 403
    assert disconnected.status_code == 200 and disconnected.get_json() == {"ok": True}
    assert synced.status_code == 202
    fresh(db)
    assert db.exec(text("select disconnected_at from line_channels")).scalar() is not None


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "http://localhost"},  # an older browser: no fetch metadata, its Origin is ours
        {"Origin": "https://tsunagu.test"},  # APP_URL
        {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},  # JSON needs CORS approval
    ],
    ids=["same-origin", "typed by the merchant", "own Origin", "APP_URL", "JSON"],
)
def test_proof_of_the_apps_own_page_is_accepted(demo_app, headers):
    client = demo_app.test_client()
    body = {"data": "{}"} if "Content-Type" in headers else {}

    response = client.post("/api/catalog/sync", environ_base=LOCAL, headers={**HOST, **headers}, **body)

    assert response.status_code == 202, response.get_data(as_text=True)[:200]


def test_a_json_call_of_the_apps_page_still_saves(demo_app, db):
    client = demo_app.test_client()

    response = client.put(
        "/api/synonyms",
        environ_base=LOCAL,
        headers={**HOST, "Sec-Fetch-Site": "same-origin"},
        json={"groups": ["Tシャツ, ティーシャツ"]},
    )

    assert response.status_code == 200, response.get_data(as_text=True)[:200]
    assert [g.terms for g in rows(db, SynonymGroup)] == [["Tシャツ", "ティーシャツ"]]


def test_the_session_token_is_proof_enough_embedded(client, db, fake_shopify):
    make_shop(db)
    token = fake_shopify.session_token("test-shop")

    response = client.post("/api/catalog/sync", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 202, response.get_data(as_text=True)[:200]


def test_reads_and_unknown_routes_are_not_in_its_way(demo_app):
    client = demo_app.test_client()
    cross = {**HOST, "Sec-Fetch-Site": "cross-site"}

    assert client.get("/api/dashboard", environ_base=LOCAL, headers=cross).status_code == 200
    assert client.post("/api/no-such-route", environ_base=LOCAL, headers=cross).status_code == 404
    assert client.post("/api/openapi.json", environ_base=LOCAL, headers=cross).status_code == 405


def test_the_contract_names_the_403_of_every_call_that_changes_something(client):
    document = client.get("/api/openapi.json").get_json()

    changing = [
        (path, method, op["responses"])
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method.upper() in STATE_CHANGING
    ]
    assert len(changing) == len(ROUTES)
    assert all(responses.get("403") == {"$ref": "#/components/responses/CrossSite"} for *_, responses in changing)
