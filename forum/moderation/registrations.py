"""Registration by approval: the moderators read why each person is here, and approve or not.

The queue shows each waiting account by its public handle and its answer, never its login
name or email. A decision goes in the public log under that handle and nothing more; the
answer is deleted once decided, as the registration form promises.
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import permissions
from ..extensions import db
from ..models import PUBLIC, Handle, User
from ..models.accounts import APPROVED, NOT_APPROVED, PENDING
from ..names import name_key
from .actions import ModerationError, NotAllowed, commit, record

# What ModAction.action holds: "registration:approved" or "registration:refused".
REGISTRATION = "registration"


class Waiting(NamedTuple):
    """One person waiting to join, as a moderator sees them."""

    handle_id: int
    handle: str
    reason: str
    created_at: datetime


def waiting() -> list[Waiting]:
    """Everyone waiting for approval, longest waiting first (at most 200 at a time)."""
    rows = db.session.execute(
        select(Handle.id, Handle.name, User.join_reason, User.created_at)
        .join(User, Handle.user_id == User.id)
        .where(Handle.kind == PUBLIC, User.approval_state == PENDING)
        .order_by(User.created_at, User.id).limit(200))
    return [Waiting(h_id, name, reason or "", created) for h_id, name, reason, created in rows]


def waiting_count() -> int:
    """How many people wait for approval, for the moderators' queue."""
    return db.session.scalar(select(func.count(User.id)).where(User.approval_state == PENDING))


def decide(moderator: User, name: str, approve: bool, now: datetime) -> Handle:
    """Approve the waiting account with this public handle, or refuse it; logged publicly
    under the handle alone."""
    if not permissions.can_decide_registrations(moderator):
        raise NotAllowed(_("Only moderators decide on registrations."))
    public = db.session.scalar(select(Handle).where(
        Handle.name_key == name_key(name), Handle.name == name, Handle.kind == PUBLIC))
    if public is None or public.user is None:
        raise LookupError(name)
    if public.user.approval_state != PENDING:
        raise ModerationError(_("%(name)s is not waiting for approval any more: another "
                                "moderator decided already.", name=public.name))
    public.user.approval_state = APPROVED if approve else NOT_APPROVED
    public.user.join_reason = None
    record(moderator, f"{REGISTRATION}:{'approved' if approve else 'refused'}", "", now,
           handle=public)
    commit()
    return public
