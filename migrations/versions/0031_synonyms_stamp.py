"""A shop's synonyms stamp: search keeps a shop's synonym groups per process under it.

Every search read the shop's synonym groups (a statement of its own: about 0.3 ms of 4 on
PostgreSQL). The stamp changes whenever the groups are saved, so a process can keep them
and know when to read them again (app/search/synonyms.py). Each existing shop gets a stamp
of its own here; new shops get one from the model.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 01:45:00
"""

from __future__ import annotations

from uuid import uuid4

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("shops", sa.Column("synonyms_stamp", sa.String(length=32), nullable=True))
    shops = sa.table("shops", sa.column("id", sa.Integer), sa.column("synonyms_stamp", sa.String))
    conn = op.get_bind()
    for (shop_id,) in conn.execute(sa.select(shops.c.id)).all():
        conn.execute(shops.update().where(shops.c.id == shop_id).values(synonyms_stamp=uuid4().hex))


def downgrade() -> None:
    with op.batch_alter_table("shops") as batch:
        batch.drop_column("synonyms_stamp")
