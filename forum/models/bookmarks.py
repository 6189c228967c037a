"""What a member keeps for later: a story or a post, seen by them alone."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .content import public_id_column


class Bookmark(db.Model):
    """One story or one post a member kept. Private: no page but the member's own Bookmarks
    page reads it, and every address of one answers 404 to anyone else."""

    __tablename__ = "bookmarks"
    __table_args__ = (
        # Exactly one thing kept (the database says so too).
        CheckConstraint("(story_id IS NULL) <> (post_id IS NULL)", name="one_target"),
        # Kept once each: keeping again finds the same row.
        UniqueConstraint("user_id", "story_id", name="uq_bookmarks_user_id_story_id"),
        UniqueConstraint("user_id", "post_id", name="uq_bookmarks_user_id_post_id"),
        # The member's list, newest first, read in order (keyset pages).
        Index("ix_bookmarks_user_listing", "user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Bookmarks page's cursor and the removal address name a bookmark by this, never by
    # its row id (which would count everyone's bookmarks in between).
    public_id: Mapped[str] = public_id_column()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # What goes when the story or post is removed for good goes from every list with it.
    story_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
