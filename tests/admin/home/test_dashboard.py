"""Home dashboard: each figure from known rows (period edges, the shop's local days), shops
kept apart, the checklist as it really is, the JSON API and its OpenAPI description."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import jsonschema_rs
import pytest

from app.admin.home import dashboard
from app.admin.home.checklist import setup_checklist
from app.admin.home.openapi import PATHS as OPENAPI_PATHS
from app.flows.registry import flows
from app.models import (
    Attribution,
    CatalogSync,
    Customer,
    FriendBlock,
    LineChannel,
    LineFriend,
    LinkClick,
    Notification,
    Order,
    Shop,
    TrackedLink,
)
from app.timeutil import utcnow
from app.tracking.rollup_rebuild import rebuild
from tests.helpers import fresh, make_shop

UTC = UTC
# 2026-11-25 12:00 in Tokyo; a 7-day period is Tokyo's 11/19 00:00 .. 11/26 00:00 (= 11/18 15:00Z .. 11/25 15:00Z).
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
START = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


@pytest.fixture
def shop(db):
    return make_shop(db)


class Rows:
    def __init__(self, db, shop: Shop):
        self.db, self.shop, self.n = db, shop, 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    def friend(self, followed_at=None, *, blocked=False, customer=None, method=None) -> LineFriend:
        row = LineFriend(
            shop_id=self.shop.id,
            line_user_id=f"U{self.shop.id}-{self._next()}",
            followed_at=followed_at,
            is_blocked=blocked,
            customer_id=customer.id if customer else None,
            link_method=method,
        )
        return self.add(row)

    def customer(self) -> Customer:
        return self.add(Customer(shop_id=self.shop.id, shopify_id=self._next()))

    def sent(self, flow: str, at: datetime, status: str = "sent") -> Notification:
        return self.add(
            Notification(
                shop_id=self.shop.id,
                flow=flow,
                dedupe_key=f"k{self._next()}",
                due_at=at,
                status=status,
                sent_at=at if status == "sent" else None,
                created_at=at - timedelta(hours=1),
            )
        )

    def click(self, flow: str, at: datetime) -> LinkClick:
        link = self.add(TrackedLink(shop_id=self.shop.id, token=uuid.uuid4().hex[:24], flow=flow, target="https://x"))
        return self.add(LinkClick(shop_id=self.shop.id, link_id=link.id, flow=flow, clicked_at=at))

    def attributed(self, flow: str | None, kind: str, revenue: int, at: datetime) -> Attribution:
        order = self.add(Order(shop_id=self.shop.id, shopify_id=self._next(), total_price=Decimal(revenue)))
        return self.add(
            Attribution(
                shop_id=self.shop.id, order_id=order.id, flow=flow, kind=kind, revenue=Decimal(revenue), ordered_at=at
            )
        )

    def block(self, at: datetime, flow: str | None = None) -> FriendBlock:
        return self.add(FriendBlock(shop_id=self.shop.id, flow=flow, blocked_at=at))

    def add(self, row):
        """Rows written by hand, so the rollups are recounted as `flask rebuild-rollups` would."""
        self.db.add(row)
        self.db.commit()
        rebuild(session=self.db, shop_ids=[self.shop.id])
        self.db.commit()
        return row


def figures(db, shop, period=7, now=NOW):
    fresh(db)
    return dashboard.figures(session=db, shop=shop, period=period, now=now)


def test_the_period_is_whole_local_days_ending_today():
    w = dashboard.window(Shop(domain="x", timezone="Asia/Tokyo"), 7, NOW)
    assert (w.start, w.end) == (START, datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    assert [d.isoformat() for d in (w.days[0], w.days[-1])] == ["2026-11-19", "2026-11-25"]
    # New York crosses the end of daylight saving (11/1): each day starts at local midnight.
    ny = dashboard.window(Shop(domain="x", timezone="America/New_York"), 30, NOW)
    assert ny.bounds[0].hour == 4 and ny.bounds[-1].hour == 5


@pytest.mark.parametrize("value,expected", [(None, 30), ("7", 7), ("90", 90), ("31", None), ("x", None)])
def test_period_must_be_7_30_or_90(value, expected):
    assert dashboard.parse_period(value) == expected


def test_messages_clicks_and_ctr_count_the_period_only_in_local_days(db, shop):
    rows = Rows(db, shop)
    rows.sent("abandoned_checkout", START)  # first instant: in, day 0
    rows.sent("abandoned_checkout", START - timedelta(seconds=1))  # before: out
    rows.sent("abandoned_checkout", datetime(2026, 11, 24, 14, 59, tzinfo=UTC))  # Tokyo 11/24 23:59: day 5
    rows.sent("abandoned_checkout", datetime(2026, 11, 24, 15, 0, tzinfo=UTC))  # Tokyo 11/25 00:00: day 6
    rows.sent("repurchase", datetime(2026, 11, 20, 0, 0, tzinfo=UTC))
    rows.sent("repurchase", datetime(2026, 11, 20, 1, 0, tzinfo=UTC), status="failed")  # not sent
    rows.click("abandoned_checkout", datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    rows.click("abandoned_checkout", START - timedelta(minutes=1))  # out
    f = figures(db, shop)

    assert f.sent == 4 and f.flows["abandoned_checkout"].sent == 3 and f.flows["repurchase"].sent == 1
    assert f.sent_by_day["abandoned_checkout"] == [1, 0, 0, 0, 0, 1, 1]
    assert f.sent_by_day["repurchase"] == [0, 1, 0, 0, 0, 0, 0]
    assert f.clicks == 1 and f.flows["abandoned_checkout"].ctr == pytest.approx(1 / 3)
    assert f.ctr == pytest.approx(0.25)


def test_friends_blocks_net_and_linked_share(db, shop):
    rows = Rows(db, shop)
    customers = [rows.customer() for _ in range(4)]
    rows.friend(START + timedelta(hours=1), customer=customers[0], method="chat")
    rows.friend(START + timedelta(days=2))
    rows.friend(START + timedelta(days=3), blocked=True)
    rows.friend(START - timedelta(days=1))  # followed before the period
    rows.block(START + timedelta(days=3, hours=2), flow="repurchase")
    rows.block(START + timedelta(days=6), flow=None)
    rows.block(START - timedelta(hours=1), flow="repurchase")  # out
    f = figures(db, shop)

    assert (f.friends, f.follows, f.blocks, f.net) == (3, 3, 2, 1)
    assert f.block_rate == pytest.approx(2 / 5)
    assert f.follows_by_day == [1, 0, 1, 1, 0, 0, 0] and f.blocks_by_day == [0, 0, 0, 1, 0, 0, 1]
    assert (f.linked, f.customers, f.linked_share) == (1, 4, 0.25)
    assert f.flows["repurchase"].blocks == 1 and "other" not in f.flows


def test_attributed_orders_revenue_and_recovered_checkouts(db, shop):
    rows = Rows(db, shop)
    rows.sent("abandoned_checkout", START + timedelta(hours=2))
    rows.attributed("abandoned_checkout", "recovered_checkout", 4980, START + timedelta(hours=3))
    rows.attributed("abandoned_checkout", "recovered_checkout", 2000, START + timedelta(days=6, hours=23))
    rows.attributed("repurchase", "click", 1500, START + timedelta(days=1))
    rows.attributed(None, "discount_code", 1000, START + timedelta(days=1))
    rows.attributed("repurchase", "click", 9999, START - timedelta(seconds=1))  # out
    f = figures(db, shop)

    assert (f.orders, f.revenue) == (4, Decimal("9480"))
    assert (f.recovered, f.recovered_revenue) == (2, Decimal("6980"))
    assert [int(v) for v in f.revenue_by_day] == [4980, 2500, 0, 0, 0, 0, 2000]
    assert f.flows["abandoned_checkout"].revenue == Decimal("6980") and f.flows["other"].orders == 1


def test_a_shop_in_another_zone_gets_its_own_days(db):
    shop = make_shop(db, domain="ny.myshopify.com", timezone="America/New_York")
    rows = Rows(db, shop)
    rows.sent("repurchase", datetime(2026, 11, 25, 2, 0, tzinfo=UTC))  # New York: 11/24 21:00
    f = figures(db, shop)

    assert f.window.days[-1].isoformat() == "2026-11-24"
    assert f.sent_by_day["repurchase"][-1] == 1


def test_other_shops_rows_never_count(db, shop):
    other = make_shop(db, domain="other-shop.myshopify.com")
    theirs = Rows(db, other)
    theirs.sent("repurchase", START + timedelta(hours=1))
    theirs.click("repurchase", START + timedelta(hours=1))
    theirs.attributed("repurchase", "click", 100, START + timedelta(hours=1))
    theirs.block(START + timedelta(hours=1), flow="repurchase")
    theirs.friend(START + timedelta(hours=1))
    f = figures(db, shop)

    assert (f.sent, f.clicks, f.orders, f.blocks, f.follows, f.friends) == (0, 0, 0, 0, 0, 0)
    assert f.flows == {} and f.revenue_by_day == [0] * 7


def test_usage_in_a_dry_run_counts_this_months_pushes_and_prices_the_plan(db, shop):
    rows = Rows(db, shop)
    rows.sent("repurchase", datetime(2026, 10, 31, 15, 0, tzinfo=UTC))  # Tokyo 11/1 00:00: this month
    rows.sent("repurchase", datetime(2026, 10, 31, 14, 59, tzinfo=UTC))  # Tokyo 10/31: last month
    fresh(db)
    light = dashboard.usage(session=db, shop=shop, now=NOW)
    assert (light.used, light.limit, light.dry_run, light.cost) == (1, 5000, True, 5000)

    shop.settings = {"line_plan": {"plan": "standard"}}
    standard = dashboard.usage(session=db, shop=shop, now=NOW, read_quota=lambda: (30000, 31000))
    assert (standard.source, standard.used, standard.cost, standard.over) == ("line", 31000, 15000 + 1000 * 3, True)


def test_checklist_reflects_webhook_catalog_flows_and_link_button(db, shop):
    def done():
        fresh(db)
        return {item.key: (item.done, item.detail) for item in setup_checklist(session=db, shop=shop)}

    db.add(LineChannel(shop_id=shop.id, display_name="茶房", connected_at=utcnow(), webhook_error="404 Not Found"))
    db.add(CatalogSync(shop_id=shop.id, status="failed", error="boom"))
    db.commit()
    first = done()
    assert first["check.line"] == (False, "check.line.webhook_error")
    assert first["check.catalog"] == (False, "check.catalog.failed")
    assert first["check.flows"] == (True, "check.flows.ok")
    assert first["check.link"] == (False, "check.link.todo")

    shop.settings = {"flows": {f: {"enabled": False} for f in flows()}, "checklist": {"link_button": True}}
    db.add(shop)
    db.commit()
    assert done()["check.flows"] == (False, "check.flows.todo")
    assert done()["check.link"] == (True, "check.link.ok_tick")
    Rows(db, shop).friend(NOW, customer=Rows(db, shop).customer(), method="login")
    assert done()["check.link"] == (True, "check.link.ok_login")


# -- the JSON API ------------------------------------------------------------------------------


@pytest.fixture
def api(client, fake_shopify):
    def call(method: str, path: str, body=None, shop: str = "test-shop", **kwargs):
        return client.open(
            path,
            method=method,
            json=body,
            headers={"Authorization": f"Bearer {fake_shopify.session_token(shop)}"},
            **kwargs,
        )

    return call


def test_api_returns_the_figures_for_the_period(api, db, shop):
    rows = Rows(db, shop)
    now = utcnow()
    rows.sent("repurchase", now - timedelta(days=10))
    rows.attributed("repurchase", "click", 3000, now - timedelta(days=10))
    week = api("GET", "/api/dashboard?period=7").get_json()
    month = api("GET", "/api/dashboard").get_json()

    assert week["period"] == 7 and week["messages"]["sent"] == 0 and len(week["days"]) == 7
    assert month["period"] == 30 and month["messages"]["sent"] == 1 and month["orders"]["revenue"] == 3000
    assert month["flows"]["repurchase"]["sent"] == 1 and sum(month["series"]["sent_by_flow"]["repurchase"]) == 1
    assert month["quota"]["plan"] == "light" and month["timezone"] == "Asia/Tokyo"


def test_api_refuses_a_bad_period_and_a_forged_token(api, client, fake_shopify, shop):
    bad = api("GET", "/api/dashboard?period=14")
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"period"}
    forged = fake_shopify.session_token("test-shop", secret="not-our-secret-but-long-enough-0123")
    assert client.get("/api/dashboard", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_link_button_tick_and_plan_are_saved_in_the_tokens_shop_only(api, db, shop):
    other = make_shop(db, domain="other-shop.myshopify.com")
    ticked = api("PUT", "/api/dashboard/checklist", {"link_button": True})
    plan = api("PUT", "/api/dashboard/plan", {"plan": "standard"})

    assert ticked.status_code == 200 and ticked.get_json()["checklist"]["link"] is True
    assert plan.get_json()["plan"] == {
        "plan": "standard",
        "monthly_fee": 15000,
        "included": 30000,
        "extra_per_message": 3,
    }
    fresh(db)
    assert db.get(Shop, shop.id).settings["checklist"] == {"link_button": True}
    assert db.get(Shop, shop.id).settings["line_plan"]["plan"] == "standard"
    assert not db.get(Shop, other.id).settings


def test_api_validates_bodies(api, client, fake_shopify, shop):
    assert api("PUT", "/api/dashboard/plan", {"plan": "gold"}).status_code == 422
    assert api("PUT", "/api/dashboard/checklist", {"link_button": "yes"}).status_code == 422
    token = fake_shopify.session_token("test-shop")
    form = client.put("/api/dashboard/plan", data="plan=light", headers={"Authorization": f"Bearer {token}"})
    assert form.status_code == 415


def test_openapi_paths_describe_every_route():
    assert set(OPENAPI_PATHS) == {"/api/dashboard", "/api/dashboard/checklist", "/api/dashboard/plan"}
    schema = OPENAPI_PATHS["/api/dashboard"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"friends", "linked", "messages", "orders", "recovered_checkouts", "flows", "series", "quota"} <= set(
        schema["properties"]
    )
    for path in ("/api/dashboard/checklist", "/api/dashboard/plan"):
        assert {"401", "415", "422"} <= set(OPENAPI_PATHS[path]["put"]["responses"])


def test_api_answer_matches_its_schema(api, db, shop):
    Rows(db, shop).sent("repurchase", utcnow() - timedelta(days=1))
    schema = OPENAPI_PATHS["/api/dashboard"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]

    def nullable(node):  # OpenAPI 3.0 `nullable: true` is JSON Schema's type [T, "null"]
        if isinstance(node, dict):
            out = {k: nullable(v) for k, v in node.items() if k not in ("nullable", "example")}
            if node.get("nullable"):
                out["type"] = [node["type"], "null"]
            return out
        return node

    validator = jsonschema_rs.validator_for(nullable(schema), validate_formats=True)
    body = api("GET", "/api/dashboard?period=90").get_json()
    validator.validate(body)
    body["quota"]["used"] = "many"
    with pytest.raises(jsonschema_rs.ValidationError):
        validator.validate(body)
