"""Any text a shopper can type is safe: no input raises, every result is this shop's."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.search.query import search
from tests.helpers import make_shop
from tests.plugins.search import product

HOSTILE = [
    '"',
    "*",
    "OR",
    "NEAR(",
    "-",
    "^",
    "AND",
    "NOT",
    ":",
    "(",
    ")",
    "{",
    "}",
    "%",
    "_",
    "\\",
    "'",
    "🍵",
    "\u0000",
    "\u200b",
    "\ufffd",
    "緑茶",
    "ｺｰﾋｰ",
    "col:",
    "title:",
    "\n",
    "\t",
]
QUERIES = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(HOSTILE), max_size=12).map(" ".join),
    st.lists(st.sampled_from(HOSTILE), max_size=12).map("".join),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=4000, max_size=5000),
)


def test_any_query_is_safe_and_scoped(catalog, db, shop, app):
    catalog(
        product("緑茶 ギフト"),
        product("ｺｰﾋｰ豆"),
        product('"引用" 付き NEAR(商品) OR *'),
        product("100% コットン_タオル"),
    )
    other = make_shop(db, domain="other-shop.myshopify.com")
    from app.sync.products import upsert_product

    with app.app_context():
        upsert_product(session=db, shop=other, payload=product("緑茶 よその店"))
        db.commit()
    ours = {p.id for p in shop_products(db, shop)}

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(QUERIES)
    def check(query):
        results = search(session=db, shop=shop, query=query)
        assert {f.product.id for f in results.found} <= ours
        db.rollback()

    check()
    # The hostile-looking product is still found by its own words.
    assert [f.product.title for f in search(session=db, shop=shop, query="NEAR(商品) OR *").found] == [
        '"引用" 付き NEAR(商品) OR *'
    ]
    assert [f.product.title for f in search(session=db, shop=shop, query="100%").found] == ["100% コットン_タオル"]


def shop_products(db, shop):
    from sqlmodel import select

    from app.models import Product

    return db.exec(select(Product).where(Product.shop_id == shop.id)).all()
