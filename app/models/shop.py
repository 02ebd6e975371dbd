"""The merchant's store: one row per installed (or once installed) shop."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from .base import created, pk, updated, when
from .types import JSONType


def new_synonyms_stamp() -> str:
    """A shop's synonyms stamp: new whenever its synonym groups change."""
    return uuid4().hex


class Shop(SQLModel, table=True):
    __tablename__ = "shops"

    id: int | None = pk()
    domain: str = Field(max_length=255, unique=True)  # "example.myshopify.com"
    name: str = Field(default="", max_length=255)
    timezone: str = Field(default="Asia/Tokyo", max_length=64)
    currency: str = Field(default="JPY", max_length=3)
    locale: str = Field(default="ja", max_length=16)
    scopes: str = Field(default="", sa_type=Text)
    # Offline, expiring access token (60 min) and its rotating refresh token (90 days).
    access_token_enc: str | None = Field(default=None, sa_type=Text)
    access_token_expires_at: datetime | None = when()
    refresh_token_enc: str | None = Field(default=None, sa_type=Text)
    refresh_token_expires_at: datetime | None = when()
    token_error: str | None = Field(default=None, sa_type=Text)
    installed_at: datetime | None = when()
    uninstalled_at: datetime | None = when()
    is_demo: bool = False
    # When set, the worker reads the shop's policies again (install, shop/update); see sync/policies.py.
    policies_due_at: datetime | None = when(index=True)
    # Per-shop preferences later issues add to (quiet hours, caps, language...).
    settings: dict = Field(default_factory=dict, sa_type=JSONType)
    # Changes whenever the synonym groups do (search keeps the groups per shop and stamp).
    synonyms_stamp: str | None = Field(default_factory=new_synonyms_stamp, max_length=32)
    created_at: datetime = created()
    updated_at: datetime = updated()

    @property
    def subdomain(self) -> str:
        return self.domain.removesuffix(".myshopify.com")

    @property
    def is_installed(self) -> bool:
        return self.installed_at is not None and self.uninstalled_at is None
