"""Rich menu links: a tracked link names the rich menu and the area (0-based) it stands for,
so a tap on a menu's web button is counted per area.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 09:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

LINK_MENU_FK = "fk_tracked_links_rich_menu_id_rich_menus"


def upgrade() -> None:
    with op.batch_alter_table("tracked_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rich_menu_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("area", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tracked_links_rich_menu_id"), ["rich_menu_id"], unique=False)
        batch_op.create_foreign_key(LINK_MENU_FK, "rich_menus", ["rich_menu_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("tracked_links", schema=None) as batch_op:
        batch_op.drop_constraint(LINK_MENU_FK, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tracked_links_rich_menu_id"))
        batch_op.drop_column("area")
        batch_op.drop_column("rich_menu_id")
