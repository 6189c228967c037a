"""Quiet support under a story or a post, and "I lived this too" under a story.

Both are kept per account, never per name: a member who writes under a pseudonym in one
discussion and under their public name in another is one account, and reacts once. The rows
say who did what, so nothing but their owner's export and the counting ever reads them:
there is no list of who reacted or who lived it, for anyone, moderators included. The
counts shown are counters on the story or post itself (`<kind>_count`, `lived_count`), kept
in the same transaction as the rows (forum/reactions/service.py), so that a page reads them
with the item and asks nothing more.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# The only reactions there are, in the order they are shown: supportive words, nothing
# negative, no laughter, no free emoji. Each is a counter column `<kind>_count` on stories and
# posts (migration 0032): a new kind needs a migration, on purpose.
KINDS = {
    "thanks": _l("Thank you"),
    "relate": _l("I relate"),
    "strength": _l("Sending strength"),
}


class StoryReaction(db.Model):
    """One account's reaction of one kind to one story."""

    __tablename__ = "story_reactions"
    __table_args__ = (
        # A person's own, for their export and for the pressed state of the story's buttons.
        Index("ix_story_reactions_story_id", "story_id"),
    )

    # The key is the rule: one of each kind per account per story.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"),
                                          primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime]


class PostReaction(db.Model):
    """One account's reaction of one kind to one post (a story's comment or a board post)."""

    __tablename__ = "post_reactions"
    __table_args__ = (
        Index("ix_post_reactions_post_id", "post_id"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime]


class Corroboration(db.Model):
    """One account says it lived what a story (tagged with a group) tells: "I lived this
    too". It says which group a member was in: private, in their export, gone with them."""

    __tablename__ = "corroborations"
    __table_args__ = (
        Index("ix_corroborations_story_id", "story_id"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"),
                                          primary_key=True)
    created_at: Mapped[datetime]
