"""Appeals: a suspended member asks, once per suspension, for it to be looked at again.

A moderator other than the one who suspended decides: lift it, or uphold it, with an answer
the member reads. The decision goes in the public log, naming a public handle or, for a
pseudonym, only the discussion it speaks in; the appeal's own words stay with the moderators.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import format_number, gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import permissions, text
from ..extensions import db
from ..models import PUBLIC, Appeal, Handle, Suspension, Thread, User
from ..posting.refusals import PostingError, TooLong, count_write
from .actions import ModerationError, NotAllowed, clean_reason, commit, record
from .suspensions import _settle

APPEAL, LIFTED, UPHELD = "appeal", "lifted", "upheld"


class OwnSuspension(ModerationError):
    """The moderator who suspended may not decide the appeal against it."""

    status = 403


class Decided(ModerationError):
    status = 409

BODY_MAX = 3000


def current_suspension(user: User, now: datetime) -> Suspension | None:
    """The suspension in force that stops the account longest (the one every page names)."""
    return db.session.scalar(
        select(Suspension).where(Suspension.user_id == user.id, Suspension.lifted_at.is_(None),
                                 Suspension.until > now)
        .order_by(Suspension.until.desc(), Suspension.id.desc()).limit(1))


def appeal_of(suspension: Suspension | None) -> Appeal | None:
    if suspension is None:
        return None
    return db.session.scalar(select(Appeal).where(Appeal.suspension_id == suspension.id))


def latest_of(user: User) -> Appeal | None:
    """The member's latest appeal, whatever became of it (shown once the suspension ended)."""
    return db.session.scalar(
        select(Appeal).join(Suspension, Suspension.id == Appeal.suspension_id)
        .where(Suspension.user_id == user.id)
        .order_by(Appeal.created_at.desc(), Appeal.id.desc()).limit(1))


def appeal(user: User, body: str, now: datetime) -> Appeal:
    """File the member's one appeal against the suspension in force."""
    suspension = current_suspension(user, now)
    if suspension is None:
        raise PostingError(_("Your account is not suspended, so there is nothing to appeal."))
    body = text.normalise(body, strip=True)
    if not body:
        raise PostingError(_("Please say why the suspension should be looked at again."))
    if len(body) > BODY_MAX:
        raise TooLong(_("That is %(length)s characters; the limit is %(limit)s.",
                         length=format_number(len(body)), limit=format_number(BODY_MAX)))
    if appeal_of(suspension) is not None:
        raise PostingError(_("You have appealed this suspension already: each suspension can be "
                             "appealed once. Your text is kept below."))
    count_write(user, "contact", now)
    filed = Appeal(suspension_id=suspension.id, body=body, created_at=now)
    db.session.add(filed)
    try:
        db.session.commit()
    except IntegrityError:  # sent twice at once
        db.session.rollback()
        raise PostingError(_("You have appealed this suspension already.")) from None
    return filed


def waiting() -> list[Appeal]:
    return list(db.session.scalars(select(Appeal).where(Appeal.outcome.is_(None))
                                   .order_by(Appeal.created_at, Appeal.id)))


def decide(moderator: User, filed: Appeal, *, lift: bool, answer: str, now: datetime) -> None:
    """Lift or uphold; never by the moderator who suspended."""
    if not permissions.can_suspend(moderator):
        raise NotAllowed(_("Only moderators decide appeals."))
    answer = clean_reason(answer, required=True)
    if filed.outcome is not None:
        raise Decided(_("This appeal has been decided already."))
    suspension = filed.suspension
    if suspension.moderator_id == moderator.id:
        raise OwnSuspension(_("You made this suspension, so another moderator must decide "
                              "the appeal."))
    filed.outcome, filed.decided_by_id, filed.decided_at = (LIFTED if lift else UPHELD,
                                                            moderator.id, now)
    filed.answer = answer
    if lift and suspension.lifted_at is None:
        suspension.lifted_at = now
        user = db.session.get(User, suspension.user_id)
        if user is not None:
            _settle(user, now)
    record(moderator, f"{APPEAL}:{filed.outcome}", answer, now, **_log_target(suspension))
    commit()


def _log_target(suspension: Suspension) -> dict:
    """A public handle by name; a pseudonym only by the discussion it speaks in."""
    handle = suspension.handle
    if handle is not None and handle.is_anonymous and handle.thread_id is not None:
        return {"thread": db.session.get(Thread, handle.thread_id)}
    if handle is None or handle.is_anonymous:
        # A suspension from before names were recorded: the account's public handle.
        handle = db.session.scalar(select(Handle).where(Handle.user_id == suspension.user_id,
                                                        Handle.kind == PUBLIC))
    return {"handle": handle}
