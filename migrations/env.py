"""Alembic environment: the schema comes from SQLModel.metadata, the URL from Settings.

The one migrations module that imports app code: autogenerate and `alembic check` compare
the models with the database. Migrations themselves never do (tests/test_migrations.py):
render_item writes the app's column types as the SQLAlchemy types they are stored as.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on the metadata)
from app.config import Settings
from app.db import make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


# Made by hand in migrations (not expressible as SQLModel tables): SQLite's FTS5 table and
# its shadow tables, and PostgreSQL's pg_trgm GIN index.
HAND_MADE = (
    "product_fts",
    "product_grams",
    "ix_product_search_doc_trgm",
    "ix_product_search_title_trgm",
    "ix_product_search_grams",
    "ix_notifications_key_prefix",  # 0028, PostgreSQL only (text_pattern_ops)
    "ix_notifications_sequence_steps",  # 0029, partial, per dialect
)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (name or "").startswith(HAND_MADE)


def render_item(type_, obj, autogen_context):
    """An app column type (app.models.types) renders as the type it stores as, e.g.
    UTCDateTime as sa.DateTime(timezone=True): a new migration needs no app import."""
    if type_ == "type" and isinstance(obj, TypeDecorator) and type(obj).__module__.startswith("app."):
        return f"sa.{obj.impl!r}"
    return False


def _url() -> str:
    return config.attributes.get("database_url") or Settings.from_env().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things in place; batch mode rebuilds the table.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
