"""Shopify's Admin GraphQL schema (2026-10, as Shopify ships it in @shopify/dev-mcp), used to
check that every document the app sends exists in Shopify's API and that the demo's fake
answers in Shopify's shapes.

The schema is not copied into this repository: it is read from the workplace's shared folder
beside the checkout (`../shared/shopify/`, see its README), or from `SHOPIFY_SCHEMA`.

A recorded answer is executed against the schema as the root value of its own document:
graphql-core then coerces the app's variables into the real input types and serializes
every selected field through its real type (enums, non-null, lists), so any field the fake
invents, misspells, forgets or mistypes makes the result differ or fail.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
from pathlib import Path

from graphql import GraphQLSchema, build_client_schema, execute, parse, validate

from app.shopify import queries

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(os.environ.get("SHOPIFY_SCHEMA") or ROOT.parent / "shared" / "shopify" / "admin_2026-10.json.gz")
# The concrete types the fake's answers stand for, where the schema names an interface.
CONCRETE = {"Node": "BulkOperation", "Media": "MediaImage"}


@functools.cache
def schema() -> GraphQLSchema:
    with gzip.open(SCHEMA) as fh:
        introspection = json.load(fh)
    # Shopify's schema trips graphql-core's strict deprecation rule, hence assume_valid.
    return build_client_schema(introspection["data"], assume_valid=True)


def as_shopify_answers(document: str, variables: dict, data: dict) -> None:
    """Fails unless `data` is exactly what Shopify's schema makes of it for `document`."""
    parsed = parse(document)
    assert validate(schema(), parsed) == [], document
    result = execute(
        schema(),
        parsed,
        root_value=data,
        variable_values=variables,
        type_resolver=lambda _value, _info, abstract: CONCRETE[abstract.name],
    )
    assert result.errors is None, (document, result.errors)
    assert result.data == data


def bulk_lines_as_shopify_answers(lines: list[dict]) -> None:
    """The catalog JSONL, folded back into one answer of the bulk query, checked the same way."""
    products, by_gid = [], {}
    for line in lines:
        if "__parentId" in line:
            variant = {k: v for k, v in line.items() if k != "__parentId"}
            by_gid[line["__parentId"]]["variants"]["edges"].append({"node": variant})
        else:
            node = {**line, "variants": {"edges": []}}
            by_gid[line["id"]] = node
            products.append({"node": node})
    as_shopify_answers(queries.CATALOG_BULK_QUERY, {}, {"products": {"edges": products}})
