"""Demo store: a reproducible Japanese shop fed through the real webhook code, its Shopify a
fake at the HTTP boundary (shopify_fake.py) and its LINE a dry run (settings)."""
