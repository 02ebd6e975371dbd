"""Shopify Flow, the part every domain may import: recording triggers (triggers.py)."""
