"""An address waiting for its owner to confirm it, and links that reset a password.

Only a hash of each token is stored: a copy of the database holds no working link.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import ForeignKey, String, delete, update
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


# An address nobody confirmed within this time is forgotten.
CONFIRM_FOR = timedelta(hours=48)


class PendingEmail(db.Model):
    """An address a member asked for and has not confirmed: it gets the confirmation, nothing else."""

    __tablename__ = "pending_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One at a time: asking for another address replaces the one waiting.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    requested_at: Mapped[datetime]

    @classmethod
    def forget_unconfirmed(cls, now: datetime):
        """The DELETE of every address that waited longer than CONFIRM_FOR (unexecuted)."""
        return (delete(cls).where(cls.requested_at <= now - CONFIRM_FOR)
                .execution_options(synchronize_session=False))


class PasswordReset(db.Model):
    """A link sent to an account's confirmed address that sets a new password, once."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the link was made for: it stops working once the address or the password changes.
    email: Mapped[str] = mapped_column(String(254))
    password_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[Optional[datetime]]

    @classmethod
    def void_for_address_change(cls, user_id: int):
        """The UPDATE (unexecuted) that stops the account's unused links for good, because its
        address changed: a link is compared with the address it was sent to, and blanking that
        keeps it void even if the same address is confirmed again within the hour."""
        return (update(cls).where(cls.user_id == user_id, cls.used_at.is_(None))
                .values(email="").execution_options(synchronize_session=False))
