"""Shopify data kept locally. Each upsert is idempotent and ignores stale deliveries."""
