"""Small helpers tests share for arranging rows and counting them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, func
from sqlmodel import Session, select

from app.models import Shop
from app.timeutil import utcnow


def make_shop(db: Session, domain: str = "test-shop.myshopify.com", **fields) -> Shop:
    shop = Shop(domain=domain, name=fields.pop("name", "テストショップ"), installed_at=utcnow(), **fields)
    db.add(shop)
    db.commit()
    return shop


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, object]]]:
    """The (statement, parameters) the engine runs inside the block, for their plans."""
    seen: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def fresh(db: Session) -> None:
    """End the test session's transaction so it sees what the app committed since."""
    db.commit()
    db.expire_all()


def count(db: Session, model, *where) -> int:
    fresh(db)
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def rows(db: Session, model, *where) -> list:
    fresh(db)
    return list(db.exec(select(model).where(*where)))


def proxy_query(params: dict, secret: str, *, timestamp: int | None = None) -> str:
    """A query string signed the way Shopify's app proxy signs it."""
    import hashlib
    import hmac
    import time
    from urllib.parse import urlencode

    params = {**params, "timestamp": str(timestamp if timestamp is not None else int(time.time()))}
    message = "".join(f"{k}={v}" for k, v in sorted(params.items()))
    params["signature"] = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return urlencode(params)


def begin_line_login(client, open_proxy) -> dict:
    """A shopper's browser from the store's LINE button to LINE's authorize page: the app proxy,
    the app's own /line/login/start (which gives this browser, `client`, its cookie), and the
    proxy again with `browser`. `open_proxy(path, params)` sends one signed proxy request.
    Returns the authorize URL's query (state, nonce, redirect_uri...)."""
    from urllib.parse import parse_qs, urlparse

    first = open_proxy("/login", {})
    assert first.status_code == 302, first.get_data(as_text=True)
    start = urlparse(first.headers["Location"])
    assert start.path == "/line/login/start", start
    back = client.get(f"{start.path}?{start.query}")  # the app's own domain
    assert back.status_code == 302, back.get_data(as_text=True)
    target = urlparse(back.headers["Location"])
    assert target.path == "/apps/tsunagu/login", target
    response = open_proxy("/login", {k: v[0] for k, v in parse_qs(target.query).items()})
    assert response.status_code == 302, response.get_data(as_text=True)
    authorize = urlparse(response.headers["Location"])
    assert (authorize.netloc, authorize.path) == ("access.line.me", "/oauth2/v2.1/authorize")
    return {k: v[0] for k, v in parse_qs(authorize.query).items()}
