"""What proves who you are besides the password: recovery codes and a two-step login secret."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class RecoveryCode(db.Model):
    """One single-use recovery code of an account, kept only as a hash (see auth/recovery.py)."""

    __tablename__ = "recovery_codes"
    __table_args__ = (
        UniqueConstraint("user_id", "code_hash", name="uq_recovery_codes_user_id_code_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deleting the account deletes its codes with it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[Optional[datetime]]

    @classmethod
    def unused_of(cls, user_id: int):
        """The account's codes still good for one use."""
        return select(cls).where(cls.user_id == user_id, cls.used_at.is_(None))


class TwoStepSecret(db.Model):
    """An account's authenticator secret; two-step login is on once `enabled_at` is set."""

    __tablename__ = "two_step_secrets"

    # One per account; deleting the account deletes it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    # Base32, as authenticator apps take it. It must be readable to check codes, so it is
    # stored as it is; it only helps someone who also has the password.
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    enabled_at: Mapped[Optional[datetime]]
    # The 30-second time step of the last code accepted: a code is good once.
    last_step: Mapped[Optional[int]]

    @property
    def is_enabled(self) -> bool:
        return self.enabled_at is not None
