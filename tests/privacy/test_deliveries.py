"""What a raw webhook body is reduced to, and how a body naming a shopper is recognised."""

from __future__ import annotations

import json

from app.privacy.deliveries import REDACTED, RETENTION, names_any, summary
from tests.conftest import load_payload

ORDER = json.dumps(load_payload("orders_create"), ensure_ascii=False)


def test_a_retention_summary_keeps_ids_times_size_and_shape_only():
    kept = json.loads(summary(ORDER, RETENTION))

    assert kept["trimmed"] == "retention" and kept["id"] == 820982911946154508
    assert kept["updated_at"] == "2026-11-25T09:30:05+09:00"
    assert kept["bytes"] == len(ORDER.encode()) and "shipping_address" in kept["keys"]
    assert set(kept) == {"trimmed", "bytes", "keys", "id", "updated_at"}


def test_a_redacted_summary_keeps_no_id_and_summarising_again_keeps_the_size():
    once = summary(ORDER, RETENTION)
    twice = json.loads(summary(once, REDACTED))

    assert set(twice) == {"trimmed", "bytes", "keys"} and twice["trimmed"] == "redacted"
    assert twice["bytes"] == len(ORDER.encode()) and twice["keys"] == json.loads(once)["keys"]


def test_a_body_that_is_not_a_json_object_keeps_its_size():
    assert json.loads(summary("not json", RETENTION)) == {"trimmed": "retention", "bytes": 8}
    assert json.loads(summary("[1, 2]", REDACTED)) == {"trimmed": "redacted", "bytes": 6}


def test_a_body_names_a_shopper_by_a_whole_value_in_any_case():
    assert names_any(ORDER, {"hanako.yamada@example.jp"})
    assert names_any(ORDER.replace("hanako.yamada", "HANAKO.Yamada"), {"hanako.yamada@example.jp"})
    assert names_any(ORDER, {"706405506930370084"})
    assert not names_any(ORDER, {"70640550693037008"})  # part of the id is not the id
    assert not names_any(ORDER, {"someone@example.jp"})
