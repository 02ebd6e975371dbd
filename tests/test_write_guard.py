"""The write guard (app/write_guard.py): no call to LINE or Shopify while this thread holds
a database write transaction, on SQLite and PostgreSQL; and the HTTP clients obey it."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from app import ext
from app.db import autocommit, column_defaults, insert_rows, make_engine, session_scope, writer
from app.line.client import LineClient
from app.models import Shop
from app.shopify.http import shared_client
from app.write_guard import RemoteCallInWriteTransaction, refuse_remote, writing
from tests.helpers import make_shop

TOUCH = text("UPDATE shops SET name = name WHERE id = -1")


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url, strict=True)
    yield engine
    engine.dispose()


def test_a_read_only_transaction_may_call_out(engine):
    with Session(engine) as session:
        session.exec(select(Shop)).all()
        refuse_remote("LINE")  # no error
        assert writing() is None


def test_a_write_statement_makes_the_transaction_a_writer_until_commit(engine):
    with Session(engine) as session:
        session.exec(select(Shop)).all()
        session.execute(TOUCH)
        with pytest.raises(RemoteCallInWriteTransaction, match="LINE Messaging API.*UPDATE shops"):
            refuse_remote("LINE Messaging API")
        session.commit()
        refuse_remote("LINE Messaging API")  # committed: fine again
        session.execute(TOUCH)
        with pytest.raises(RemoteCallInWriteTransaction):
            refuse_remote("Shopify")
        session.rollback()
        refuse_remote("Shopify")


def test_a_bulk_insert_counts_as_a_write_copy_included(engine):
    """app.db.insert_rows writes through COPY on PostgreSQL, which SQLAlchemy never sees."""
    with Session(engine) as session:
        insert_rows(session, Shop.__table__, [{**column_defaults(Shop), "domain": "copy.myshopify.com", "name": "c"}])
        with pytest.raises(RemoteCallInWriteTransaction, match="INSERT INTO shops|COPY shops"):
            refuse_remote("Shopify")
        assert session.exec(select(Shop.name).where(Shop.domain == "copy.myshopify.com")).all() == ["c"]
    refuse_remote("Shopify")


def test_an_insert_through_the_orm_counts_as_a_write(engine):
    with Session(engine) as session:
        session.add(Shop(domain="guard.myshopify.com", name="guard"))
        session.flush()
        with pytest.raises(RemoteCallInWriteTransaction, match="INSERT INTO shops"):
            refuse_remote("Shopify")
    refuse_remote("Shopify")  # closed without commit: rolled back, nothing open


def test_a_unit_of_work_is_a_writer_from_its_start_on_sqlite(engine):
    """SQLite's writer sessions BEGIN IMMEDIATE: the lock is held from the first read on."""
    with session_scope(engine) as session:
        session.exec(select(Shop)).all()
        if engine.dialect.name == "sqlite":
            with pytest.raises(RemoteCallInWriteTransaction, match="BEGIN IMMEDIATE"):
                refuse_remote("LINE")
        else:
            refuse_remote("LINE")  # PostgreSQL takes no lock for a read
    refuse_remote("LINE")


def test_select_for_update_counts_as_a_write(engine):
    with Session(writer(engine)) as session:
        session.exec(select(Shop).with_for_update()).all()
        with pytest.raises(RemoteCallInWriteTransaction):
            refuse_remote("LINE")


def test_autocommit_statements_leave_nothing_open(engine):
    with autocommit(engine).connect() as conn:
        conn.execute(TOUCH)
        refuse_remote("LINE")


def test_another_threads_write_does_not_stop_this_thread(engine):
    holding, release = threading.Event(), threading.Event()

    def writer_thread():
        with Session(engine) as session:
            session.execute(TOUCH)
            holding.set()
            release.wait(10)
            session.rollback()

    thread = threading.Thread(target=writer_thread)
    thread.start()
    try:
        assert holding.wait(10)
        refuse_remote("LINE")  # this thread holds nothing
    finally:
        release.set()
        thread.join()


def test_in_production_it_logs_instead_of_raising(db_url, caplog):
    engine = make_engine(db_url, strict=False)
    try:
        with Session(engine) as session, caplog.at_level(logging.ERROR, logger="tsunagu.db"):
            session.execute(TOUCH)
            refuse_remote("LINE Messaging API")
        assert "LINE Messaging API called inside a database write transaction" in caplog.text
    finally:
        engine.dispose()


def test_the_app_is_strict_outside_production(app):
    with app.app_context(), Session(ext.engine(app)) as session:
        session.execute(TOUCH)
        with pytest.raises(RemoteCallInWriteTransaction):
            refuse_remote("LINE")


def test_the_line_client_refuses_before_any_request(app, fake_line):
    client = LineClient(host=fake_line.url, access_token=fake_line.access_token, channel_key="guard")
    with app.app_context(), Session(ext.engine(app)) as session:
        session.execute(TOUCH)
        with pytest.raises(RemoteCallInWriteTransaction):
            client.bot_info()
        assert fake_line.requests == []
        session.commit()
        assert client.bot_info()["userId"] == fake_line.bot_user_id  # and works once committed


def test_the_shopify_client_refuses_before_any_request(app, db, fake_shopify):
    shop = make_shop(db)
    with app.app_context(), Session(ext.engine(app)) as session:
        session.get(Shop, shop.id).name = "changed"
        session.flush()
        with pytest.raises(RemoteCallInWriteTransaction, match="Shopify"):
            shared_client().get("https://test-shop.myshopify.com/admin/api/2026-10/shop.json")
        session.rollback()
        response = shared_client().get("https://test-shop.myshopify.com/admin/api/2026-10/shop.json")
        assert response.status_code < 500  # it reached the fake once nothing was held
