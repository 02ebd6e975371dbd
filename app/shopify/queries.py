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
