"""What an import from another site brought in: a WordPress post and the story it became,
and each of its comments and the post it became (forum/posting/imports.py).

Keyed on the source blog's address and WordPress's own ids, so that running the same import
again finds what it already brought and brings nothing twice. Nothing about any commenter is
kept here: no name, email, address or link, only the ids."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .content import Story


class ImportedStory(db.Model):
    """One WordPress post that became a story, with the path it had on the old blog."""

    __tablename__ = "imported_stories"
    __table_args__ = (UniqueConstraint("source", "source_post_id",
                                       name="uq_imported_stories_source_source_post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The old blog's address without its scheme ("example.org/blog"): the same blog
    # whether its export says http or https.
    source: Mapped[str] = mapped_column(String(255))
    source_post_id: Mapped[int]
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"),
                                          index=True)
    # The post's path (and query, for "/?p=12" links) on the old blog: the redirect map.
    old_path: Mapped[str] = mapped_column(String(500), index=True)
    imported_at: Mapped[datetime]

    story: Mapped[Story] = relationship()


class ImportedComment(db.Model):
    """One WordPress comment that became a post in its story's thread."""

    __tablename__ = "imported_comments"
    __table_args__ = (UniqueConstraint("imported_story_id", "source_comment_id",
                                       name="uq_imported_comments_imported_story_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    imported_story_id: Mapped[int] = mapped_column(
        ForeignKey("imported_stories.id", ondelete="CASCADE"))
    source_comment_id: Mapped[int]
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
