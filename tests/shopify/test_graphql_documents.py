"""Every GraphQL document the app sends exists in Shopify's real Admin API (2026-10).

The fake Shopify answers whatever it is asked, so a misspelt field or a wrong argument type
would pass every other test and fail only against a real store. Here each document in
`app/shopify/queries.py` is parsed and validated against Shopify's own schema.
"""

from __future__ import annotations

import pytest
from graphql import parse, validate

from app.shopify import queries
from tests.fakes.shopify_schema import schema

DOCUMENTS = {name: value for name, value in vars(queries).items() if name.isupper() and isinstance(value, str)}


def test_the_app_has_documents_to_check():
    assert {"SHOP_DETAILS", "CATALOG_BULK_QUERY", "BULK_RUN", "DISCOUNT_CREATE", "TAGS_ADD"} <= set(DOCUMENTS)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_is_valid_against_shopifys_schema(name):
    assert validate(schema(), parse(DOCUMENTS[name])) == []


def test_a_wrong_document_is_caught():
    """The check is not blind: a field Shopify does not have is an error."""
    assert validate(schema(), parse("{ shop { name noSuchField } }")) != []
