"""Audiences (オーディエンス): segments of the shop's LINE friends over local data, saved and
reused by every sender (campaigns, step sequences, rich menus).

definition.py checks the JSON the merchant builds, compile.py turns it into one SQL
statement, service.py counts, lists and tests membership. Shopify customer segments are
the other kind of audience, read from Shopify at send time (see definition.py)."""
