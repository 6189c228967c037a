"""A private line to the moderators: conversations, and the messages in them."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Handle
from .content import public_id_column


class Conversation(db.Model):
    """A member's or a visitor's conversation with the moderators.

    A member writes under a name of theirs (`handle_id`: their public handle or one of their
    pseudonyms), and moderators see only that name; `user_id` lets the member find it again
    and is never shown. A visitor has no account: `code_hash` is the SHA-256 of the code they
    were shown once, which is how they read the answer.
    """

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_open_last", "closed_at", "last_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Its address: row ids would tell moderators which conversations were begun together.
    public_id: Mapped[str] = public_id_column()
    user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    handle_id: Mapped[Optional[int]] = mapped_column(ForeignKey("handles.id", ondelete="SET NULL"))
    code_hash: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_at: Mapped[datetime]
    # True while the last word is the writer's: the moderators owe an answer.
    waiting: Mapped[bool] = mapped_column(default=True)
    closed_at: Mapped[Optional[datetime]]

    handle: Mapped[Optional[Handle]] = relationship()
    messages: Mapped[list["ContactMessage"]] = relationship(
        back_populates="conversation", order_by="ContactMessage.id",
        cascade="all, delete-orphan", passive_deletes=True)


class ContactMessage(db.Model):
    """One message: the writer's, or the moderators' (signed "the moderators", never a name)."""

    __tablename__ = "contact_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    from_moderators: Mapped[bool] = mapped_column(default=False)
    # Which moderator answered, for the moderators' own accountability; never shown outside.
    moderator_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
