"""Code discounts as Shopify keeps them, for the demo's Shopify and the tests' fake: lookup
by code or id, redeem codes added in bulk.

It answers the coupon documents of `app/shopify/queries.py` as Shopify does: codes are
found case-insensitively; `discountRedeemCodeBulkAdd` takes at most 250 codes, answers
at once with a bulk creation that is not done yet, and the creation is done (with each
code's errors: TAKEN for a code any discount already has) when it is first polled. A
deleted discount answers null to lookups and a userError to the bulk add.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from ..shopify import queries

BULK_MAX = 250


@dataclass
class DiscountBook:
    discounts: dict[str, set[str]] = field(default_factory=dict)  # gid -> its codes (upper case)
    creations: dict[str, dict] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)  # every code accepted, in order

    def __post_init__(self):
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, *codes: str) -> str:
        """A code discount with these codes; its gid."""
        gid = f"gid://shopify/DiscountCodeNode/{next(self._numbers)}"
        self.discounts[gid] = {c.upper() for c in codes}
        return gid

    def delete(self, gid: str) -> None:
        self.discounts.pop(gid, None)

    def answers(self) -> dict:
        return {
            queries.COUPON_BY_CODE.strip(): self._by_code,
            queries.COUPON_DISCOUNT.strip(): self._by_id,
            queries.COUPON_CODES_ADD.strip(): self._bulk_add,
            queries.COUPON_CODES_CREATION.strip(): self._creation,
        }

    def _by_code(self, variables: dict) -> dict:
        code = str(variables["code"]).upper()
        found = next((gid for gid, codes in self.discounts.items() if code in codes), None)
        return {"codeDiscountNodeByCode": {"id": found} if found else None}

    def _by_id(self, variables: dict) -> dict:
        gid = variables["id"]
        return {"codeDiscountNode": {"id": gid} if gid in self.discounts else None}

    def _bulk_add(self, variables: dict) -> dict:
        gid, codes = variables["discountId"], [c["code"] for c in variables["codes"]]
        errors = []
        if gid not in self.discounts:
            errors = [{"field": ["discountId"], "code": "INVALID", "message": "Discount does not exist"}]
        elif len(codes) > BULK_MAX:
            errors = [{"field": ["codes"], "code": "TOO_LONG", "message": "Codes is too long (maximum is 250)"}]
        if errors:
            return {"discountRedeemCodeBulkAdd": {"bulkCreation": None, "userErrors": errors}}
        with self._lock:
            creation_id = f"gid://shopify/DiscountRedeemCodeBulkCreation/{next(self._numbers)}"
            self.creations[creation_id] = {"discount": gid, "codes": codes, "done": False}
        return {"discountRedeemCodeBulkAdd": {"bulkCreation": {"id": creation_id, "done": False}, "userErrors": []}}

    def _creation(self, variables: dict) -> dict:
        creation = self.creations[variables["id"]]
        with self._lock:
            if not creation["done"]:  # the work happens "in the background", by the first poll
                creation["results"] = [self._import(creation["discount"], code) for code in creation["codes"]]
                creation["done"] = True
        nodes = [{"code": code, "errors": errs} for code, errs in creation["results"]]
        failed = sum(1 for _code, errs in creation["results"] if errs)
        return {
            "discountRedeemCodeBulkCreation": {
                "id": variables["id"],
                "done": True,
                "codesCount": len(nodes),
                "importedCount": len(nodes) - failed,
                "failedCount": failed,
                "codes": {"nodes": nodes},
            }
        }

    def _import(self, gid: str, code: str) -> tuple[str, list]:
        if any(code.upper() in codes for codes in self.discounts.values()):
            return code, [{"field": ["code"], "code": "TAKEN", "message": "Code must be unique."}]
        self.discounts[gid].add(code.upper())
        self.added.append(code)
        return code, []
