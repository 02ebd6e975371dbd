"""Importing the LINE Official Account's existing followers (not only those who wrote to us).

One `FollowerImport` per shop records how far the import got: LINE's continuation token for
the next page of follower ids is committed together with the friends that page created, so
a crash or a failure resumes at the page after the last one stored and never fetches a
stored page again. Each friend the import created has an `ImportedFollower` row: it says
where the friend came from and whether their profile has been fetched yet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import created, pk, shop_fk, updated, when


class FollowerImportStatus:
    RUNNING = "running"  # reading pages of follower ids
    PROFILES = "profiles"  # every page read; fetching the new friends' profiles
    COMPLETED = "completed"
    FAILED = "failed"  # LINE kept failing; starting again resumes where it stopped
    UNAVAILABLE = "unavailable"  # LINE answered 403: the account is not verified or premium

    ACTIVE = (RUNNING, PROFILES)


class FollowerImport(SQLModel, table=True):
    __tablename__ = "follower_imports"
    __table_args__ = (Index("ix_follower_imports_status", "status", "retry_at"),)

    id: int | None = pk()
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", unique=True, sa_type=BigInteger)
    status: str = Field(default=FollowerImportStatus.RUNNING, max_length=16)
    # LINE's `next` from the last stored page; None before the first page and after the last.
    next_start: str | None = Field(default=None, sa_type=Text)
    pages: int = 0
    seen: int = 0  # follower ids read
    new: int = 0  # friends created by the import
    profiles: int = 0  # profiles fetched (or known to be missing)
    failed: int = 0  # profiles LINE would not give
    attempts: int = 0  # consecutive failed runs
    error: str | None = Field(default=None, sa_type=Text)
    retry_at: datetime | None = when()
    # A worker holds the import until then; another takes over once it has passed (a crash).
    claimed_until: datetime | None = when()
    started_at: datetime = created()
    finished_at: datetime | None = when()
    updated_at: datetime = updated()


class ImportedFollower(SQLModel, table=True):
    """A friend the follower import created (friends who wrote to us first have none)."""

    __tablename__ = "imported_followers"
    __table_args__ = (
        UniqueConstraint("friend_id", name="uq_imported_followers_friend"),
        Index("ix_imported_followers_profile", "import_id", "profile_status"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    import_id: int = Field(foreign_key="follower_imports.id", ondelete="CASCADE", sa_type=BigInteger)
    friend_id: int = Field(foreign_key="line_friends.id", ondelete="CASCADE", sa_type=BigInteger)
    profile_status: str = Field(default="pending", max_length=16)  # pending | fetched | missing | failed
    imported_at: datetime = created()
    profile_at: datetime | None = when()
