"""Ignoring a name: the member's own quiet, kept in Settings, undone there at any time.

Ignoring touches the reader's pages and notices only: the ignored name is not told, nothing
changes for anyone else, and it is keyed by the name, so ignoring one pseudonym of an account
leaves its other names as they were (nothing about the account shows by behaviour).
Moderators' notices about the member's own writing are never held back.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Handle, Ignore, User
from ..refusals import Refusal


class IgnoreError(Refusal):
    """Why a name could not be ignored."""


def ignored_ids(user: User) -> frozenset[int]:
    """The handles `user` ignores (one query; empty for a visitor)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(db.session.scalars(select(Ignore.handle_id).where(Ignore.user_id == user.id)))


def ignore(user: User, handle: Handle, now: datetime) -> None:
    if handle.user_id == user.id:
        raise IgnoreError(_("That is one of your own names."))
    db.session.add(Ignore(user_id=user.id, handle_id=handle.id, created_at=now))
    try:
        db.session.commit()
    except IntegrityError:  # ignored already (or twice at once): the same outcome
        db.session.rollback()


def stop_ignoring(user: User, ignore_id: int) -> Handle | None:
    """Undo one ignore of the member's; None if there was none with that id."""
    row = db.session.scalar(select(Ignore).where(Ignore.id == ignore_id,
                                                 Ignore.user_id == user.id))
    if row is None:
        return None
    handle = row.handle
    db.session.delete(row)
    db.session.commit()
    return handle


def ignored_list(user: User) -> list[Ignore]:
    return list(db.session.scalars(select(Ignore).where(Ignore.user_id == user.id)
                                   .order_by(Ignore.created_at, Ignore.id)))
