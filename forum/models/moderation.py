"""Reports, the public moderation log and the private admin audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Handle, User
from .content import Board, Group, Post, Story, Thread, public_id_column

REPORT_REASONS = {
    "harassment": _l("Harassment or threats"),
    "outing": _l("This identifies someone (outing, doxxing)"),
    "recruiting": _l("Recruiting for or promoting a group"),
    "spam": _l("Spam"),
    "other": _l("Something else"),
}
OPEN = "open"
DISMISSED = "dismissed"
ACTIONED = "actioned"


class Report(db.Model):
    """A member's report of one post or one story, awaiting a moderator."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("reporter_id", "post_id", name="uq_reports_reporter_id_post_id"),
        UniqueConstraint("reporter_id", "story_id", name="uq_reports_reporter_id_story_id"),
        CheckConstraint(
            "(post_id IS NULL) <> (story_id IS NULL)", name="one_target"
        ),
        Index("ix_reports_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    post_id: Mapped[Optional[int]] = mapped_column(ForeignKey("posts.id"))
    story_id: Mapped[Optional[int]] = mapped_column(ForeignKey("stories.id"))
    reason: Mapped[str] = mapped_column(String(32))
    details: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default=OPEN)
    created_at: Mapped[datetime]
    resolved_at: Mapped[Optional[datetime]]
    resolved_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    post: Mapped[Optional[Post]] = relationship()
    story: Mapped[Optional[Story]] = relationship()


class ModAction(db.Model):
    """One moderator action, public: who, what, on which one target, why, when."""

    __tablename__ = "mod_actions"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN thread_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN story_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN post_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN handle_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN board_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public log's page cursor.
    public_id: Mapped[str] = public_id_column()
    # Shown publicly as this moderator's public handle.
    moderator_handle_id: Mapped[Optional[int]] = mapped_column(ForeignKey("handles.id"))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(index=True)
    thread_id: Mapped[Optional[int]] = mapped_column(ForeignKey("threads.id"))
    story_id: Mapped[Optional[int]] = mapped_column(ForeignKey("stories.id"))
    post_id: Mapped[Optional[int]] = mapped_column(ForeignKey("posts.id"))
    # A public handle only (e.g. a suspension made from a profile); never an anonymous one.
    handle_id: Mapped[Optional[int]] = mapped_column(ForeignKey("handles.id"))
    # A board an administrator made or changed, or whose circle a moderator changed.
    board_id: Mapped[Optional[int]] = mapped_column(ForeignKey("boards.id"))
    # A group a moderator accepted, renamed, named otherwise, merged into, or refused.
    group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("groups.id"))

    moderator_handle: Mapped[Optional[Handle]] = relationship(foreign_keys=[moderator_handle_id])
    thread: Mapped[Optional[Thread]] = relationship()
    story: Mapped[Optional[Story]] = relationship()
    post: Mapped[Optional[Post]] = relationship()
    handle: Mapped[Optional[Handle]] = relationship(foreign_keys=[handle_id])
    board: Mapped[Optional[Board]] = relationship()
    group: Mapped[Optional[Group]] = relationship()


class Suspension(db.Model):
    """An account stopped from writing, through one of its names.

    The account is what is suspended (User.suspended_until sums up its suspensions in force, for
    the posting path and the notice on every page); the name it was applied through is what
    moderators see it on. A suspension made through a pseudonym shows on that pseudonym only,
    so the account's other names look exactly like the names of someone never suspended.
    """

    __tablename__ = "suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    handle_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("handles.id", ondelete="SET NULL"), index=True)
    # Who suspended: an appeal must go to another moderator.
    moderator_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    until: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    lifted_at: Mapped[Optional[datetime]]

    handle: Mapped[Optional[Handle]] = relationship()

    def in_force(self, now: datetime) -> bool:
        """Tell whether this suspension still stops its account from writing at `now`."""
        return self.lifted_at is None and self.until > now


UNMASK_KINDS = {
    "safety": _l("A threat to someone's safety"),
    "legal": _l("A legal demand"),
}
# Look-ups from before two administrators had to agree: their kind was never recorded.
UNRECORDED = "unrecorded"
ASKED, APPROVED, REFUSED = "asked", "approved", "refused"


class Unmasking(db.Model):
    """One administrator's request to look behind an anonymous handle, and what became of it.

    Private to administrators. A second administrator approves or refuses it; only after
    approval does the one who asked see the answer, once (`shown_at`). The public
    transparency page counts the approved ones by day and kind, never whom.
    """

    __tablename__ = "unmaskings"
    __table_args__ = (
        CheckConstraint("state IN ('asked', 'approved', 'refused')", name="state"),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id != admin_id",
                        name="two_administrators"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The administrator who asked.
    admin_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handle_id: Mapped[int] = mapped_column(ForeignKey("handles.id"))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default=ASKED)
    # The other administrator, who approved or refused, and when.
    decided_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[Optional[datetime]]
    # When the one who asked saw the answer: it is shown once.
    shown_at: Mapped[Optional[datetime]]

    admin: Mapped[Optional[User]] = relationship(foreign_keys=[admin_id])
    handle: Mapped[Handle] = relationship()


class Appeal(db.Model):
    """A suspended member's one appeal against one suspension, and the decision on it.

    Decided by a moderator other than the one who suspended; the outcome goes in the public
    log without naming an anonymous writer. The appeal's text is private to the moderators.
    """

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    suspension_id: Mapped[int] = mapped_column(
        ForeignKey("suspensions.id", ondelete="CASCADE"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[Optional[datetime]]
    outcome: Mapped[Optional[str]] = mapped_column(String(16))  # "lifted" or "upheld"
    answer: Mapped[str] = mapped_column(Text, default="")

    suspension: Mapped[Suspension] = relationship()
