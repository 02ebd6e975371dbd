"""GraphQL documents, as named constants."""

SHOP_DETAILS = """
query ShopDetails {
  shop {
    name
    ianaTimezone
    currencyCode
    myshopifyDomain
  }
}
"""

TAGS_ADD = """
mutation TagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) {
    userErrors { field message }
  }
}
"""

TAGS_REMOVE = """
mutation TagsRemove($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) {
    userErrors { field message }
  }
}
"""
