"""An audience definition: the JSON the merchant builds in the editor, checked whole.

    {"match": "all" | "any",
     "groups": [{"match": "all" | "any", "conditions": [{"field": "...", ...}, ...]}, ...]}

Groups are combined by the top `match`, a group's conditions by its own. No groups at all
means every reachable friend. Conditions, by `field`:

    linked               {"value": true | false}
    friend_since         {"op": "within" | "not_within", "days": n}
                         {"op": "on_or_after" | "before", "date": "YYYY-MM-DD"}  (shop's zone)
    language             {"op": "in" | "not_in", "values": ["ja", "en", …]}      (LINE's BCP 47 tag)
    orders_count         {"op": "gte" | "gt" | "lte" | "lt" | "eq", "value": n}
    total_spent          {"op": …, "value": amount}
    first_order          {"op": "within" | "not_within", "days": n}
    last_order           {"op": "within" | "not_within", "days": n}
    bought               {"by": "product" | "product_type" | "vendor" | "tag", "values": […],
                          "op": "bought" | "not_bought", "days": n | null (ever)}
    customer_tag         {"op": "any" | "none", "values": […]}
    prefecture           {"op": "in" | "not_in", "values": ["JP-13", …]}         (default address)
    clicked              {"op": "within" | "not_within", "days": n}              (a tracked LINE link)
    received_marketing   {"op": "within" | "not_within", "days": n}

Store conditions (orders, spending, products, customer tags, prefecture) are about the
customer a friend is linked to: an unlinked friend matches none of them, not even a
negative one ("did not buy"), because the store knows nothing about them.

    source               {"op": "in" | "not_in", "values": [friend source id, …]}    (the first source, 流入経路)
    friend_tag           {"op": "any" | "none", "values": […]}                     (tags sources gave the friend)

A Shopify customer segment is the other kind of definition, `{"shopify_segment_id": "gid://…"}`:
its members live in Shopify and are read at send time by the Shopify segments module, so
`validate` answers `shopify` for it and `app.audiences.compile` refuses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session, select

from ..i18n import language, t
from ..models import FriendSource, Product, Shop

MATCHES = ("all", "any")
MAX_GROUPS = 10
MAX_CONDITIONS = 20
MAX_VALUES = 50
MAX_TEXT = 255
MAX_DAYS = 3650
MAX_COUNT = 1_000_000
MAX_AMOUNT = Decimal("10000000000")
COMPARE = ("gte", "gt", "lte", "lt", "eq")
PERIOD = ("within", "not_within")
DATES = ("on_or_after", "before")
BOUGHT_BY = ("product", "product_type", "vendor", "tag")
LANGUAGES = ("ja", "en", "zh-hant", "zh-hans", "ko", "th", "id")  # offered by the editor
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
PREFECTURES = tuple(f"JP-{n:02d}" for n in range(1, 48))
SHOPIFY_SEGMENT = re.compile(r"^gid://shopify/Segment/\d{1,19}$")


def is_shopify(definition: Any) -> bool:
    """A Shopify customer segment rather than conditions over local data."""
    return isinstance(definition, dict) and "shopify_segment_id" in definition


@dataclass
class Check:
    """One validation pass: the shop (its language), a session for catalog look-ups, and
    the reasons found so far, by the field's path ("groups.0.conditions.1.days")."""

    session: Session
    shop: Shop
    errors: dict[str, str] = field(default_factory=dict)

    def fail(self, path: str, reason: str, **values: Any) -> None:
        self.errors.setdefault(path, t(f"audiences.err.{reason}", language(shop=self.shop), **values))

    def choice(self, cond: dict, path: str, name: str, allowed: tuple[str, ...]) -> str | None:
        value = cond.get(name)
        if value not in allowed:
            self.fail(f"{path}.{name}", name if name in ("op", "by") else "choice")
            return None
        return value

    def days(self, cond: dict, path: str, *, optional: bool = False) -> int | None:
        value = cond.get("days")
        if optional and value in (None, ""):
            return None
        number = _integer(value)
        if number is None or not 1 <= number <= MAX_DAYS:
            self.fail(f"{path}.days", "days", max=f"{MAX_DAYS:,}")
            return None
        return number

    def texts(self, cond: dict, path: str, *, lower: bool = False) -> list[str]:
        raw = cond.get("values")
        items = raw if isinstance(raw, list) else str(raw or "").replace("、", ",").split(",")
        values = []
        for item in items:
            text = str(item).strip() if isinstance(item, str | int) and not isinstance(item, bool) else ""
            text = text.lower() if lower else text
            if text and text not in values:
                values.append(text)
        if not values:
            self.fail(f"{path}.values", "values_empty")
        elif len(values) > MAX_VALUES:
            self.fail(f"{path}.values", "values_max", max=MAX_VALUES)
        elif any(len(v) > MAX_TEXT for v in values):
            self.fail(f"{path}.values", "value_length", max=MAX_TEXT)
        return values


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) < 12:
        return int(value.strip())
    return None


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and 0 <= amount <= MAX_AMOUNT else None


# -- one checker per field: (check, condition, path) → the condition as stored ------------------
def _linked(check: Check, cond: dict, path: str) -> dict:
    if not isinstance(cond.get("value"), bool):
        check.fail(f"{path}.value", "boolean")
    return {"value": cond.get("value") is True}


def _period(check: Check, cond: dict, path: str) -> dict:
    return {"op": check.choice(cond, path, "op", PERIOD), "days": check.days(cond, path)}


def _friend_since(check: Check, cond: dict, path: str) -> dict:
    op = check.choice(cond, path, "op", PERIOD + DATES)
    if op in DATES:
        try:
            day = date.fromisoformat(str(cond.get("date") or ""))
        except ValueError:
            check.fail(f"{path}.date", "date")
            day = None
        return {"op": op, "date": day.isoformat() if day else None}
    return {"op": op, "days": check.days(cond, path)}


def _language(check: Check, cond: dict, path: str) -> dict:
    values = check.texts(cond, path, lower=True)
    if any(not LANGUAGE_TAG.match(v) for v in values):
        check.fail(f"{path}.values", "language")
    return {"op": check.choice(cond, path, "op", ("in", "not_in")), "values": values}


def _compare_count(check: Check, cond: dict, path: str) -> dict:
    value = _integer(cond.get("value"))
    if value is None or not 0 <= value <= MAX_COUNT:
        check.fail(f"{path}.value", "count", max=f"{MAX_COUNT:,}")
    return {"op": check.choice(cond, path, "op", COMPARE), "value": value}


def _compare_amount(check: Check, cond: dict, path: str) -> dict:
    value = _amount(cond.get("value"))
    if value is None:
        check.fail(f"{path}.value", "amount")
    return {"op": check.choice(cond, path, "op", COMPARE), "value": str(value) if value is not None else None}


def _bought(check: Check, cond: dict, path: str) -> dict:
    by = check.choice(cond, path, "by", BOUGHT_BY)
    values: list = check.texts(cond, path)
    if by == "product" and values and f"{path}.values" not in check.errors:
        values = _product_ids(check, values, f"{path}.values")
    return {
        "by": by,
        "op": check.choice(cond, path, "op", ("bought", "not_bought")),
        "values": values,
        "days": check.days(cond, path, optional=True),
    }


def _product_ids(check: Check, typed: list[str], path: str) -> list[int]:
    """Shopify product ids from ids or handles the merchant typed; each must be in the catalog."""
    ids = []
    for word in typed:
        numeric = word.isascii() and word.isdigit() and len(word) < 19
        column = Product.shopify_id if numeric else Product.handle
        value = int(word) if numeric else word
        found = check.session.exec(
            select(Product.shopify_id).where(Product.shop_id == check.shop.id, column == value)
        ).first()
        if found is None:
            check.fail(path, "product", value=word)
            return []
        if found not in ids:
            ids.append(found)
    return ids


def _customer_tag(check: Check, cond: dict, path: str) -> dict:
    return {"op": check.choice(cond, path, "op", ("any", "none")), "values": check.texts(cond, path)}


def _prefecture(check: Check, cond: dict, path: str) -> dict:
    values = [v.upper() for v in check.texts(cond, path)]
    if any(v not in PREFECTURES for v in values):
        check.fail(f"{path}.values", "prefecture")
    return {"op": check.choice(cond, path, "op", ("in", "not_in")), "values": values}


def _source(check: Check, cond: dict, path: str) -> dict:
    """Friend sources of this shop, by id (a deleted or another shop's source is refused)."""
    raw = cond.get("values") if isinstance(cond.get("values"), list) else []
    ids = list(dict.fromkeys(_integer(item) for item in raw))
    if not ids:
        check.fail(f"{path}.values", "values_empty")
    elif len(ids) > MAX_VALUES:
        check.fail(f"{path}.values", "values_max", max=MAX_VALUES)
    elif None in ids or len(
        check.session.exec(
            select(FriendSource.id).where(FriendSource.shop_id == check.shop.id, FriendSource.id.in_(ids))
        ).all()
    ) != len(ids):
        check.fail(f"{path}.values", "source")
    return {"op": check.choice(cond, path, "op", ("in", "not_in")), "values": [i for i in ids if i is not None]}


FIELDS: dict[str, Callable[[Check, dict, str], dict]] = {
    "linked": _linked,
    "friend_since": _friend_since,
    "language": _language,
    "orders_count": _compare_count,
    "total_spent": _compare_amount,
    "first_order": _period,
    "last_order": _period,
    "bought": _bought,
    "customer_tag": _customer_tag,
    "prefecture": _prefecture,
    "clicked": _period,
    "received_marketing": _period,
    "source": _source,
    "friend_tag": _customer_tag,
}


def _match(check: Check, value: Any, path: str) -> str:
    if value in (None, ""):
        return "all"
    if value not in MATCHES:
        check.fail(path, "match")
    return value if value in MATCHES else "all"


def _condition(check: Check, cond: Any, path: str) -> dict:
    name = cond.get("field") if isinstance(cond, dict) else None
    if name not in FIELDS:
        check.fail(f"{path}.field", "field")
        return {"field": name}
    return {"field": name, **FIELDS[name](check, cond, path)}


def validate(definition: Any, *, session: Session, shop: Shop) -> tuple[dict, dict[str, str]]:
    """The definition as stored (normalised), and the reason for each field that is wrong
    (nothing is saved or counted while there is one)."""
    check = Check(session=session, shop=shop)
    if is_shopify(definition):
        check.fail("definition", "shopify")
        return {}, check.errors
    if not isinstance(definition, dict):
        check.fail("definition", "definition")
        return {}, check.errors
    groups = definition.get("groups") if definition.get("groups") is not None else []
    if not isinstance(groups, list):
        check.fail("groups", "definition")
        groups = []
    if len(groups) > MAX_GROUPS:
        check.fail("groups", "groups_max", max=MAX_GROUPS)
    clean = {"match": _match(check, definition.get("match"), "match"), "groups": []}
    for g, group in enumerate(groups[:MAX_GROUPS]):
        path = f"groups.{g}"
        group = group if isinstance(group, dict) else {}
        conditions = group.get("conditions") if isinstance(group.get("conditions"), list) else []
        if not conditions:
            check.fail(path, "group_empty")
        if len(conditions) > MAX_CONDITIONS:
            check.fail(path, "conditions_max", max=MAX_CONDITIONS)
        clean["groups"].append(
            {
                "match": _match(check, group.get("match"), f"{path}.match"),
                "conditions": [
                    _condition(check, cond, f"{path}.conditions.{c}")
                    for c, cond in enumerate(conditions[:MAX_CONDITIONS])
                ],
            }
        )
    return clean, check.errors
