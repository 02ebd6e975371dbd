"""Rich menu results and prompt keep-in-step: the order's landing page, the friend of a menu
postback tap, the link that earned an attribution, friends whose menu is due to be decided
again, and each shop's last full keep-in-step run.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

BIG_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CLICK_FRIEND_FK = "fk_link_clicks_friend_id_line_friends"
ATTRIBUTION_LINK_FK = "fk_attributions_link_id_tracked_links"


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("landing_site", sa.Text(), nullable=True))
    with op.batch_alter_table("link_clicks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("friend_id", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_link_clicks_friend_clicked", ["friend_id", "clicked_at"], unique=False)
        batch_op.create_foreign_key(CLICK_FRIEND_FK, "line_friends", ["friend_id"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("attributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_id", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_attributions_link_id", ["link_id"], unique=False)
        batch_op.create_foreign_key(ATTRIBUTION_LINK_FK, "tracked_links", ["link_id"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("line_friends", schema=None) as batch_op:
        batch_op.add_column(sa.Column("menu_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_line_friends_menu_due", ["shop_id", "menu_due_at"], unique=False)
    op.create_table(
        "rich_menu_syncs",
        sa.Column("id", BIG_PK, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("rules_key", sa.String(length=64), nullable=True),
        sa.Column("full_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id"),
    )


def downgrade() -> None:
    op.drop_table("rich_menu_syncs")
    with op.batch_alter_table("line_friends", schema=None) as batch_op:
        batch_op.drop_index("ix_line_friends_menu_due")
        batch_op.drop_column("menu_due_at")
    with op.batch_alter_table("attributions", schema=None) as batch_op:
        batch_op.drop_constraint(ATTRIBUTION_LINK_FK, type_="foreignkey")
        batch_op.drop_index("ix_attributions_link_id")
        batch_op.drop_column("link_id")
    with op.batch_alter_table("link_clicks", schema=None) as batch_op:
        batch_op.drop_constraint(CLICK_FRIEND_FK, type_="foreignkey")
        batch_op.drop_index("ix_link_clicks_friend_clicked")
        batch_op.drop_column("friend_id")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("landing_site")
