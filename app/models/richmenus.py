"""Rich menus (the shop's storefront inside LINE): a menu, who sees it, and which menu each
friend is linked to on LINE.

A menu holds what LINE needs to create it (size, chat-bar text, areas with actions) and its
image: uploaded bytes, or a drawing spec the app renders (app/richmenus/draw.py) into the
same bytes the preview shows. Menus sharing a `tab_set` are the tabs of one menu, switched
with aliases (`alias_id`) and `richmenuswitch` actions. `line_rich_menu_id` is LINE's id of
the live copy; a failed publish keeps the previous one and says why in `publish_error`.

Rules say who sees which menu, in priority order; `RichMenuLink` remembers what each friend
is linked to on LINE, so keeping menus in step re-links only the friends whose menu changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import created, pk, shop_fk, updated, when
from .types import JSONType


class RichMenu(SQLModel, table=True):
    __tablename__ = "rich_menus"
    __table_args__ = (UniqueConstraint("shop_id", "alias_id", name="uq_rich_menus_shop_alias"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    name: str = Field(max_length=300)  # LINE: ≤ 300 characters, never shown to friends
    size: str = Field(default="large", max_length=16)  # large (2500×1686) | compact (2500×843)
    chat_bar_text: str = Field(max_length=14)
    # [{"bounds": {"x","y","width","height"}, "action": {...LINE action...}}], ≤ 20
    areas: list = Field(default_factory=list, sa_type=JSONType)
    # Uploaded image (JPEG/PNG bytes), or None while the menu is drawn from `drawing`.
    image: bytes | None = Field(default=None, sa_type=LargeBinary)
    image_type: str | None = Field(default=None, max_length=16)  # image/png | image/jpeg
    # {"background": "#…", "tabs": [...], "areas": [{"color","label","icon","text_color"}]}
    drawing: dict | None = Field(default=None, sa_type=JSONType)
    tab_set: str | None = Field(default=None, max_length=64)  # menus of one tab set share it
    tab_index: int = 0
    alias_id: str | None = Field(default=None, max_length=32)  # LINE rich menu alias id
    is_default: bool = False  # the menu every friend without a rule sees
    status: str = Field(default="draft", max_length=16)  # draft | published | failed
    line_rich_menu_id: str | None = Field(default=None, max_length=64)
    published_at: datetime | None = when()
    publish_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = created()
    updated_at: datetime = updated()


class RichMenuRule(SQLModel, table=True):
    """Who sees `menu_id`: linked friends, unlinked friends, or a saved segment; optionally
    only between `starts_at` and `ends_at` (entered in the shop's time zone, kept in UTC).
    The lowest `priority` number that matches wins."""

    __tablename__ = "rich_menu_rules"

    id: int | None = pk()
    shop_id: int = shop_fk()
    menu_id: int = Field(foreign_key="rich_menus.id", ondelete="CASCADE", index=True, sa_type=BigInteger)
    priority: int = 0
    kind: str = Field(max_length=16)  # linked | unlinked | segment
    segment_id: int | None = Field(default=None, foreign_key="segments.id", ondelete="CASCADE", sa_type=BigInteger)
    starts_at: datetime | None = when()
    ends_at: datetime | None = when()
    created_at: datetime = created()


class RichMenuLink(SQLModel, table=True):
    """The menu a friend is linked to on LINE now (None after an unlink: the default shows)."""

    __tablename__ = "rich_menu_links"
    __table_args__ = (
        UniqueConstraint("friend_id", name="uq_rich_menu_links_friend"),
        Index("ix_rich_menu_links_shop_menu", "shop_id", "line_rich_menu_id"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    friend_id: int = Field(foreign_key="line_friends.id", ondelete="CASCADE", sa_type=BigInteger)
    line_rich_menu_id: str | None = Field(default=None, max_length=64)
    linked_at: datetime = updated()


class RichMenuSync(SQLModel, table=True):
    """A shop's last full keep-in-step run: the rules it decided with (`rules_key`, a hash of
    the rules and live menus) and when. A run between full ones decides only the friends
    marked due; a rule change, a period starting or ending, or the time for a full one since
    `full_at` makes the next run full (app/richmenus/assign.py)."""

    __tablename__ = "rich_menu_syncs"

    id: int | None = pk()
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", unique=True, sa_type=BigInteger)
    rules_key: str | None = Field(default=None, max_length=64)
    full_at: datetime | None = when()
