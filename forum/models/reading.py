"""Read marks: how far a member who asked for "new since my last visit" has read each thread.

Private to their owner: no page shows anyone else's, and nothing is kept for a visitor or for
a member who has not turned the setting on (User.keep_read_marks). Kept 90 days after the last
reading (forum/reading/service.py prunes them), exported with the account and deleted with it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ReadMark(db.Model):
    """The newest post a member has been shown in one thread, and when.

    `last_post_id` is a high-water mark, not a link: posts are numbered in the order they are
    written, so a post of the thread with a higher id came after the member last read it. It
    holds no foreign key, so that a post removed for good leaves the mark as it was."""

    __tablename__ = "read_marks"
    __table_args__ = (
        # One mark per member and thread: the page's upsert and its lookup use it.
        UniqueConstraint("user_id", "thread_id", name="uq_read_marks_user_id_thread_id"),
        # Pruning reads the old ones from here.
        Index("ix_read_marks_read_at", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    last_post_id: Mapped[int]
    read_at: Mapped[datetime]
