"""The flow registry: a spec for every flow, builders that render each flow's default texts
in both languages, dedupe keys that the outbox and attribution find again by their
prefixes, the dispatcher's policies read from the spec, no flow name spelled as a string
outside the registry, and modules that import alone (no circles)."""

from __future__ import annotations

import ast
import dataclasses
import re
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app.flows import moot, outbox, policies
from app.flows.builders import Sample
from app.flows.recipients import Recipient
from app.flows.registry import REGISTRY, Flow, Kind, flows, resolve, spec
from app.models import (
    Customer,
    Fulfillment,
    LineChannel,
    LineFriend,
    Notification,
    Order,
    OrderLineItem,
    Product,
    ProductVariant,
    Shop,
)
from app.models import NotificationStatus as St
from app.timeutil import utcnow
from app.tracking import attribution
from tests.helpers import rows

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")

# -- the registry itself ----------------------------------------------------------------------


def test_every_flow_has_one_spec_under_its_own_name():
    assert set(REGISTRY) == set(Flow) and flows() == tuple(Flow)
    for flow in Flow:
        assert spec(flow).flow is flow and spec(str(flow)) is spec(flow)
        assert len(flow.value) <= 32  # notifications.flow is a VARCHAR(32)


def test_stored_names_never_change():
    assert [f.value for f in Flow] == [
        "abandoned_checkout",
        "abandoned_cart",
        "order_confirmation",
        "shipping_update",
        "after_delivery",
        "repurchase",
        "back_in_stock",
        "browse_abandonment",
        "sequence",
        "shopify_flow",
    ]


def test_kinds_steps_and_what_the_policies_read():
    marketing = {f for f in Flow if spec(f).kind is Kind.MARKETING}
    assert marketing == {
        Flow.ABANDONED_CHECKOUT,
        Flow.ABANDONED_CART,
        Flow.AFTER_DELIVERY,
        Flow.REPURCHASE,
        Flow.BROWSE_ABANDONMENT,
        Flow.SEQUENCE,
    }
    assert {f for f in Flow if spec(f).delayable} == {Flow.AFTER_DELIVERY, Flow.REPURCHASE}
    assert {f for f in Flow if spec(f).recheck} == {
        Flow.ABANDONED_CHECKOUT,
        Flow.ABANDONED_CART,
        Flow.BACK_IN_STOCK,
        Flow.BROWSE_ABANDONMENT,
        Flow.SEQUENCE,
    }
    # Asked for by the shopper: opt-outs and quiet hours (considerate), not the caps (not marketing).
    assert {f for f in Flow if spec(f).kind is Kind.REQUESTED} == {Flow.BACK_IN_STOCK}
    assert {f for f in Flow if spec(f).considerate} == marketing | {Flow.BACK_IN_STOCK}
    assert [s["delay_min"] for s in spec(Flow.ABANDONED_CHECKOUT).steps] == [60, 23 * 60]
    assert [s["delay_min"] for s in spec(Flow.ABANDONED_CART).steps] == [120]
    # Shopify Flow's runs say per message whether it is marketing (`outbox.schedule(marketing=…)`).
    assert spec(Flow.SHOPIFY_FLOW).kind is Kind.TRANSACTIONAL
    assert spec(Flow.ORDER_CONFIRMATION).steps == []


def test_the_functions_a_spec_names_exist():
    for flow in Flow:
        assert callable(resolve(spec(flow).builder))
        assert spec(flow).recheck is None or callable(resolve(spec(flow).recheck))


def test_templates_and_their_catalog_keys():
    assert spec(Flow.REPURCHASE).templates == ("repurchase",)
    assert spec(Flow.SHIPPING_UPDATE).templates == (
        "shipping_update:shipped",
        "shipping_update:out_for_delivery",
        "shipping_update:delivered",
        "shipping_update:attempted_delivery",
        "shipping_update:failure",
    )
    shipping = spec(Flow.SHIPPING_UPDATE)
    assert shipping.text_key("shipping_update:delivered") == "flows.template.shipping_update.delivered"
    assert spec(Flow.ORDER_CONFIRMATION).text_key("order_confirmation") == "flows.template.order_confirmation"


# -- builders ---------------------------------------------------------------------------------

WORDS = {
    "ja": {"name": "山田 花子", "item": "国産 ほうじ茶 100g", "carrier": "ヤマト運輸"},
    "en": {"name": "Hanako Yamada", "item": "Roasted green tea 100g", "carrier": "Yamato"},
}


def a_sample(shop: Shop, lang: str) -> Sample:
    words = WORDS[lang]
    order = Order(
        shop_id=shop.id,
        shopify_id=5001,
        name="#1001",
        currency="JPY",
        total_price=Decimal(3980),
        order_status_url=f"https://{shop.domain}/account/orders/5001",
    )
    items = [
        OrderLineItem(
            shop_id=shop.id,
            order_id=0,
            shopify_id=1,
            title=words["item"],
            quantity=2,
            price=Decimal(1290),
            product_shopify_id=7001,
            variant_shopify_id=8001,
        )
    ]
    fulfillment = Fulfillment(
        shop_id=shop.id,
        shopify_id=6001,
        order_shopify_id=5001,
        tracking_company=words["carrier"],
        tracking_numbers=["4821-0935-7716"],
        tracking_urls=["https://toi.kuronekoyamato.co.jp/cgi-bin/tneko"],
    )
    product = Product(shop_id=shop.id, shopify_id=7001, title=words["item"], product_type="Tea")
    variant = ProductVariant(shop_id=shop.id, shopify_id=8001, product_id=0, price=Decimal(1290))
    return Sample(order=order, items=items, fulfillment=fulfillment, product=product, variant=variant)


def strings(value) -> list[str]:
    """Every text a shopper can read in LINE message objects (texts, alt texts, labels)."""
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k in ("text", "altText", "label") and isinstance(v, str)]
        return found + [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("flow", list(Flow))
def test_each_builder_renders_its_default_texts(app, flow, lang):
    shop = Shop(id=1, domain="test-shop.myshopify.com", name="Test Shop", currency="JPY", settings={})
    sender = spec(flow)
    settings = {**sender.defaults, "review_url": "https://test-shop.myshopify.com/pages/review"}
    intros = []
    with app.app_context():
        for template in sender.templates:
            messages = sender.build(
                shop, a_sample(shop, lang), lang=lang, name=WORDS[lang]["name"], settings=settings, template=template
            )
            texts = strings(messages)
            assert messages and all(m["type"] in ("text", "flex", "template") for m in messages)
            assert texts and not [t for t in texts if re.search(r"\{[a-z_]+\}", t)], texts  # every variable filled
            assert all(len(t) <= 5000 for t in texts)
            if lang == "en":
                assert not [t for t in texts if JAPANESE.search(t)], texts
            else:
                assert JAPANESE.search(texts[0]), texts
            intros.append(texts[0])
    assert len(set(intros)) == len(sender.templates)  # one text per template (each shipping status its own)


def test_a_reminder_step_with_a_discount_shows_the_code_box(app):
    shop = Shop(id=1, domain="test-shop.myshopify.com", name="Test Shop", currency="JPY", settings={})
    sender = spec(Flow.ABANDONED_CHECKOUT)
    steps = [{"delay_min": 60, "discount": None}, {"delay_min": 600, "discount": {"type": "percentage", "value": 10}}]
    with app.app_context():
        plain, coded = (
            strings(sender.build(shop, a_sample(shop, "ja"), lang="ja", name="花子", settings={"steps": steps}, step=s))
            for s in (0, 1)
        )
    assert "クーポンコード" in coded and "クーポンコード" not in plain


# -- dedupe keys ----------------------------------------------------------------------------

SUBJECTS = {
    Flow.ABANDONED_CHECKOUT: ({"token": "4a7f3c"}, {"step": 1}, "checkout:4a7f3c:1"),
    Flow.ABANDONED_CART: ({"token": "c1-7f2a"}, {"step": 0}, "cart:c1-7f2a:0"),
    Flow.ORDER_CONFIRMATION: ({"order": 5001}, {}, "order:5001"),
    Flow.SHIPPING_UPDATE: ({"fulfillment": 6001}, {"status": "delivered"}, "ship:6001:delivered"),
    Flow.AFTER_DELIVERY: ({"fulfillment": 6001}, {}, "after:6001:"),
    Flow.REPURCHASE: ({"customer": 3, "product": 7001}, {"order": 5001}, "repurchase:3:7001:5001:"),
    Flow.BACK_IN_STOCK: ({"request": 42}, {}, "restock:42"),
    Flow.BROWSE_ABANDONMENT: ({"customer": 3}, {"day": "2026-12-02"}, "browse:3:2026-12-02"),
    Flow.SEQUENCE: ({"sequence": 3, "run": 9}, {"step": 2}, "seq:3:9:2"),
    Flow.SHOPIFY_FLOW: ({"run": "b7e1-42"}, {}, "shopify-flow:b7e1-42"),
}


@pytest.mark.parametrize("flow", list(Flow))
def test_keys_keep_their_stored_format_and_start_with_their_prefix(flow):
    subject, rest, stored = SUBJECTS[flow]
    keys = spec(flow).keys
    assert keys.key(**subject, **rest) == stored  # a changed format would send a message twice
    assert stored.startswith(keys.prefix(**subject))
    assert keys.prefix(**subject, **rest) == stored
    assert keys.prefix() == stored.split(":")[0] + ":"
    with pytest.raises(TypeError):  # a misspelt field never makes a key of its own
        keys.key(**subject, **rest, unknown=1)
    with pytest.raises(TypeError):
        keys.key()


def test_keys_are_cut_to_the_column():
    assert len(spec(Flow.ABANDONED_CART).keys.key(token="x" * 300, step=0)) == 255


@pytest.mark.parametrize("flow", list(Flow))
def test_the_outbox_cancels_by_the_registry_prefix(db, shop, linked_friends, flow):
    [friend] = linked_friends(1)
    subject, rest, _stored = SUBJECTS[flow]
    keys = spec(flow).keys
    other = {name: f"9{value}" for name, value in subject.items()}  # another checkout, fulfillment…
    for fields in ({**subject, **rest}, {**other, **rest}):
        _schedule(db, shop, friend, flow, keys.key(**fields))
    assert outbox.cancel(session=db, shop=shop, reason="test", key_prefix=keys.prefix(**subject)) == 1
    db.commit()
    kept = rows(db, Notification, Notification.status == St.SCHEDULED)
    assert [n.dedupe_key for n in kept] == [keys.key(**other, **rest)]
    assert {(n.flow, n.marketing) for n in rows(db, Notification)} == {(flow.value, spec(flow).marketing)}


def test_the_outbox_refuses_a_flow_the_registry_does_not_know(db, shop, linked_friends):
    [friend] = linked_friends(1)
    with pytest.raises(ValueError):
        _schedule(db, shop, friend, "newsletter", "newsletter:1")


def test_attribution_finds_reminders_by_the_registry_keys(db, shop, linked_friends):
    [friend] = linked_friends(1)
    sent = utcnow() - timedelta(hours=2)
    checkout = _schedule(
        db, shop, friend, Flow.ABANDONED_CHECKOUT, spec(Flow.ABANDONED_CHECKOUT).keys.key(token="chk", step=2)
    )
    cart = _schedule(db, shop, friend, Flow.ABANDONED_CART, spec(Flow.ABANDONED_CART).keys.key(token="crt", step=0))
    for note, at in ((checkout, sent), (cart, sent - timedelta(hours=1))):
        note.status, note.sent_at = St.SENT, at
        db.add(note)
    db.commit()
    order = Order(shop_id=shop.id, shopify_id=1, checkout_token="chk", cart_token="crt")
    credit = attribution.recovered_checkout(session=db, shop=shop, order=order, when=utcnow())
    assert (credit.notification_id, credit.flow) == (checkout.id, "abandoned_checkout")
    order = Order(shop_id=shop.id, shopify_id=2, checkout_token="none", cart_token="crt")
    assert attribution.recovered_checkout(session=db, shop=shop, order=order, when=utcnow()).notification_id == cart.id


def _schedule(db, shop, friend, flow, key) -> Notification:
    customer = db.get(Customer, friend.customer_id)
    recipient = Recipient(friend=friend, customer=customer, lang="ja", name="テスト")
    outbox.schedule(
        session=db,
        shop=shop,
        flow=flow,
        step=0,
        dedupe_key=key,
        due_at=utcnow() + timedelta(days=1),
        recipient=recipient,
        messages=[{"type": "text", "text": "テスト"}],
    )
    db.commit()
    return rows(db, Notification, Notification.dedupe_key == key)[0]


# -- the policies and the worker read the spec --------------------------------------------------


def test_the_daily_cap_delays_or_skips_as_the_spec_says(monkeypatch):
    now = utcnow().replace(hour=3, minute=0)  # 12:00 in Tokyo: outside the quiet hours
    shop = Shop(id=1, domain="x.myshopify.com", timezone="Asia/Tokyo", settings={}, installed_at=now)
    channel = LineChannel(shop_id=1, connected_at=now)
    friend = LineFriend(shop_id=1, line_user_id="U1", customer_id=None)
    row = Notification(shop_id=1, flow=Flow.AFTER_DELIVERY, dedupe_key="k", due_at=now, marketing=True)

    def decide():
        return policies.decide(row, shop=shop, channel=channel, friend=friend, now=now, sent=policies.Sent(day=1))

    assert (decide().action, decide().reason) == ("delay", "cap_per_day")
    monkeypatch.setitem(REGISTRY, Flow.AFTER_DELIVERY, dataclasses.replace(spec(Flow.AFTER_DELIVERY), delayable=False))
    assert (decide().action, decide().reason) == ("skip", "cap_per_day")


def gone(*, session, row, shop, now) -> str:
    """A re-check for the test below: the reason went away."""
    return "gone"


def test_the_worker_asks_the_spec_whether_a_message_is_moot(monkeypatch):
    row = Notification(shop_id=1, flow=Flow.ORDER_CONFIRMATION, dedupe_key="k", due_at=utcnow())
    shop = Shop(id=1, domain="x.myshopify.com")
    assert moot.reason(session=None, row=row, shop=shop, now=utcnow()) is None
    changed = dataclasses.replace(spec(Flow.ORDER_CONFIRMATION), recheck=f"{__name__}:gone")
    monkeypatch.setitem(REGISTRY, Flow.ORDER_CONFIRMATION, changed)
    assert moot.reason(session=None, row=row, shop=shop, now=utcnow()) == "gone"


# -- no flow name spelled outside the registry --------------------------------------------------

# Folders of app/ not scanned yet: their branches switch to the registry and are merged after
# this one. At the merge, empty this tuple (one edit) so they are held to the rule too.
NOT_YET_SCANNED = ()
NAMES = frozenset(f.value for f in Flow)


def flow_literals(source: str) -> list[tuple[int, str]]:
    """(line, name) of every string constant equal to a flow name; docstrings allowed."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in NAMES
        and id(node) not in docstrings
    ]


def test_the_scan_finds_a_literal_and_allows_docstrings_and_comments():
    source = '"""The repurchase flow."""\n\ndef f():\n    """repurchase"""\n    return "repurchase"  # repurchase\n'
    assert flow_literals(source) == [(5, "repurchase")]
    assert flow_literals('x = {f"{a}": "abandoned_cart"}\ny = "shipping_update:shipped"\n') == [(1, "abandoned_cart")]


def test_no_module_spells_a_flow_name():
    found = []
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP)
        if relative == Path("flows/registry.py") or relative.parts[0] in NOT_YET_SCANNED:
            continue
        found += [f"app/{relative}:{line}: {name!r}" for line, name in flow_literals(path.read_text())]
    assert not found, "use app.flows.registry.Flow instead:\n" + "\n".join(found)


# -- imports ------------------------------------------------------------------------------------

ALONE = sorted(
    {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for folder in ("flows", "tracking")
        for path in (APP / folder).glob("*.py")
        if path.name != "__init__.py"
    }
    | {"app.demo.history", "app.demo.seed"}
)


# A fresh interpreter loads the third-party packages once, then imports each module in a
# child forked before any app module was loaded: as good as one interpreter per module for
# finding circles, at a fraction of the start-up time.
PACKAGES = (
    "flask",
    "sqlmodel",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
    "httpx",
    "cryptography.fernet",
    "linebot.v3.messaging",
    "linebot.v3.webhooks",
    "shopify_app",
)
IMPORT_ALONE = (
    f"PACKAGES = {PACKAGES!r}\n"
    + """
import importlib, os, sys
for package in PACKAGES:
    importlib.import_module(package)
assert not [m for m in sys.modules if m == "app" or m.startswith("app.")]
failed = {}
for module in sys.argv[1:]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(module)
        except BaseException as exc:
            os.write(write, f"{type(exc).__name__}: {exc}".encode())
            os._exit(1)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        error = pipe.read()
    if os.waitpid(pid, 0)[1]:
        failed[module] = error or "died"
print(repr(failed))
"""
)


def test_each_module_imports_alone_in_a_fresh_interpreter():
    """An import circle shows only when a module of it is imported first: each one is, here."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ALONE, *ALONE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "app.flows.registry" in ALONE and ast.literal_eval(done.stdout.strip()) == {}


def test_the_registry_imports_no_other_flow_module():
    code = "import sys, app.flows.registry; print(sorted(m for m in sys.modules if m.startswith('app.')))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = ast.literal_eval(done.stdout.strip())
    assert [m for m in loaded if m.startswith("app.flows.")] == ["app.flows.registry"]
