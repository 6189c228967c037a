"""What a member can do against people who come after them: bar a name from their story,
and ignore a name."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Handle


class StoryRestriction(db.Model):
    """A story's author barred a name from commenting under it.

    The author chose the name (`handle_id`); the site holds the account behind it
    (`user_id`) and refuses that account under any name, so that a fresh pseudonym does not
    get round it. Nobody is ever shown `user_id`: the author sees the names they barred, and
    barring or lifting one name answers the same whoever is behind it.
    """

    __tablename__ = "story_restrictions"
    __table_args__ = (
        UniqueConstraint("story_id", "handle_id", name="uq_story_restrictions_story_id_handle_id"),
        Index("ix_story_restrictions_story_id_user_id", "story_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    handle_id: Mapped[int] = mapped_column(ForeignKey("handles.id", ondelete="CASCADE"))
    # NULL once the account is deleted: nobody is left to bar, and nothing links the name.
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    handle: Mapped[Handle] = relationship()


class Ignore(db.Model):
    """A member ignores a name: its posts fold away for them, and it sends them no notices.

    One name only: ignoring a pseudonym touches that pseudonym and no other name of its
    account, so nothing about the account shows through the member's pages.
    """

    __tablename__ = "ignores"
    __table_args__ = (UniqueConstraint("user_id", "handle_id", name="uq_ignores_user_id_handle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    handle_id: Mapped[int] = mapped_column(ForeignKey("handles.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]

    handle: Mapped[Handle] = relationship()
