"""What an import from another site brought in: a WordPress post and the story it became,
and each of its comments and the post it became (forum/posting/imports.py).

Keyed on the source blog's address and WordPress's own ids, so that running the same import
again finds what it already brought and brings nothing twice. Nothing about any commenter is
kept here: no name, email, address or link, only the ids."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .content import Story, public_id_column


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


class BlogUpload(db.Model):
    """A member's blog export between their upload and their confirmation, from Settings.

    Only a scrubbed copy is kept (forum/posting/wxr.py write_scrubbed): the fields the
    importer reads, never a commenter's email, IP address or web address, and nothing of a
    spam or waiting comment but its place in the tree. It lives in the database, not on an
    app host's disk, because the confirmation may reach any host. `export` is emptied once
    the import ran (the row then keeps only the report, for the result page); the periodic
    jobs remove every row after a day (forum/jobs.py), and a cancel removes it at once."""

    __tablename__ = "blog_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    # The blog's address without its scheme, as its imports are recorded.
    source: Mapped[str] = mapped_column(String(255))
    # The scrubbed WXR; None once imported.
    export: Mapped[Optional[str]] = mapped_column(Text)
    # JSON: the blog's categories and tags [{kind, slug, name, posts}], and the report
    # (the preview's, then the import's).
    terms: Mapped[str] = mapped_column(Text)
    report: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[Optional[datetime]]
