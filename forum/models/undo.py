"""What lets an author take back a deletion for a few minutes."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class DeletedPostText(db.Model):
    """The text of a post its author just deleted, kept only while they may undo it.

    The post itself is emptied at once, as before, so every page, feed, search and export
    sees it deleted; this row is the only copy, read by nobody but the posting service for
    its author, and deleted when the author undoes, or once the undo window has passed
    (forum/posting/replies.py, UNDO_WINDOW).
    """

    __tablename__ = "deleted_post_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         unique=True)
    # What the post was before: a post a moderator hid comes back hidden.
    state: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[Optional[datetime]]
    deleted_at: Mapped[datetime] = mapped_column(index=True)
