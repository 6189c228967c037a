"""Accounts and the names they appear under."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db

ROLES = ("member", "moderator", "admin")
# Where an account stands when registration is by approval: it can log in and read while
# PENDING, and writes only once APPROVED (every account made in the other modes is).
APPROVED, PENDING, NOT_APPROVED = "approved", "pending", "refused"
PUBLIC = "public"
ANONYMOUS = "anonymous"
# A commenter brought in with an imported blog (forum/posting/imports.py): a name on that one
# story's thread, linked to no account (user_id NULL) and no profile, marked "imported".
IMPORTED = "imported"


class User(UserMixin, db.Model):
    """A login account. Its login name and email are private and never shown."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login_name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    email: Mapped[Optional[str]] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16), default="member")
    bio: Mapped[str] = mapped_column(Text, default="")
    anonymous_by_default: Mapped[bool] = mapped_column(default=False)
    # Writing in a thread follows it, unless the person turned that off.
    follow_on_write: Mapped[bool] = mapped_column(default=True)
    # Off by default: a daily "you have N new replies" email, nothing more.
    email_digest: Mapped[bool] = mapped_column(default=False)
    digest_sent_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime]
    suspended_until: Mapped[Optional[datetime]]
    suspension_reason: Mapped[Optional[str]] = mapped_column(Text)
    # Bumped on logout and password change, so copied cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    approval_state: Mapped[str] = mapped_column(String(16), default=APPROVED,
                                                server_default=APPROVED)
    # The short "why are you here" answer a moderator reads when registration is by
    # approval; emptied once they decide.
    join_reason: Mapped[Optional[str]] = mapped_column(Text)
    # The language the site speaks to them (a code of forum.i18n.LANGUAGES); None follows the
    # browser (the switcher's cookie, then Accept-Language).
    language: Mapped[Optional[str]] = mapped_column(String(8))
    # Off by default: "new since my last visit" records which posts of each thread they have
    # seen (forum/models/reading.py); turning it off deletes those marks.
    keep_read_marks: Mapped[bool] = mapped_column(default=False, server_default=false())

    handles: Mapped[list["Handle"]] = relationship(back_populates="user")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        """Store a scrypt hash of the password, at the cost set in PASSWORD_HASH_METHOD."""
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """Tell whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def public_handle(self) -> Optional["Handle"]:
        return next((h for h in self.handles if h.kind == PUBLIC), None)

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_pending(self) -> bool:
        """Waiting for a moderator to approve the account (or not approved): reads, no writing."""
        return self.approval_state != APPROVED

    def is_suspended(self, now: datetime) -> bool:
        """Tell whether the account may not write at `now`."""
        return self.suspended_until is not None and self.suspended_until > now

    @classmethod
    def by_login_name(cls, login_name: str):
        return select(cls).where(cls.login_name == login_name.strip().lower())


class Handle(db.Model):
    """A name shown on the site: one public handle per user, an anonymous one per thread, or
    an imported commenter's name on one story's thread."""

    __tablename__ = "handles"
    __table_args__ = (
        # A public name is unique site-wide; an anonymous one is unique within its thread.
        Index(
            "uq_handles_public_name_key",
            "name_key",
            unique=True,
            sqlite_where=db.text("kind = 'public'"),
            postgresql_where=db.text("kind = 'public'"),
        ),
        UniqueConstraint("thread_id", "name_key", name="uq_handles_thread_id_name_key"),
        UniqueConstraint("thread_id", "user_id", name="uq_handles_thread_id_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the account is deleted: the name stays on old posts, the person is gone.
    user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    # Case- and look-alike-folded form of the name, used for uniqueness.
    name_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default=PUBLIC)
    # Set for anonymous and imported handles only: the one thread this name speaks in. No
    # foreign key: threads.handle_id already points here, and a cycle would need ALTERs
    # SQLite lacks.
    thread_id: Mapped[Optional[int]]
    created_at: Mapped[datetime]

    user: Mapped[Optional[User]] = relationship(back_populates="handles")

    @classmethod
    def public_of(cls, user: User):
        """The account's public handle (the one that signs a moderator's actions), fetched
        alone rather than with every pseudonym the account has."""
        return select(cls).where(cls.user_id == user.id, cls.kind == PUBLIC)

    @property
    def is_anonymous(self) -> bool:
        return self.kind == ANONYMOUS

    @property
    def is_imported(self) -> bool:
        return self.kind == IMPORTED

    @property
    def has_profile(self) -> bool:
        """Only a live public handle has a profile page to link to."""
        return self.kind == PUBLIC and self.user_id is not None
