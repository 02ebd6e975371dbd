"""Database fixtures: `db_url`, a freshly migrated database per test on each backend.

SQLite copies a template migrated once per session; PostgreSQL (TEST_DATABASE_URL) is
migrated once per session and truncated after each test. The PostgreSQL run of each test is
marked `postgresql` (see environment.py for what happens when it does not answer).
"""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from app.schema import upgrade
from tests.plugins.environment import PG_URL, backends


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    upgrade(PG_URL)
    return PG_URL


def truncate_all(url: str) -> None:
    import app.models  # noqa: F401

    engine = create_engine(url)
    names = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=backends())
def db_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_migrated")
        yield url
        truncate_all(url)
