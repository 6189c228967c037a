"""What the administrator sets while the site runs, and the codes that let people join."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class SiteSetting(db.Model):
    """One setting an admin changed in /admin/settings: it wins over the config's value."""

    __tablename__ = "site_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Invitation(db.Model):
    """A single-use code that lets one person register while registration is by invitation.

    Only a hash of the code is kept: the code itself is shown once, to whoever made it, and a
    copy of this table would let nobody in. Who made it and who used it are kept for the
    moderators, never shown together on any page."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[Optional[datetime]]
    used_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at <= now
