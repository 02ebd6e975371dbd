"""Everything that speaks to Shopify."""
