"""Roles: who moderates the site, and an admin making someone a member, moderator or admin."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..extensions import db
from ..models import PUBLIC, ROLES, Handle, User
from ..names import name_key
from .actions import (
    SET_ROLE,
    ModerationError,
    NotAllowed,
    clean_reason,
    commit,
    record,
)


def staff() -> list[tuple[str, str]]:
    """(public handle, role) of every moderator and admin, by name."""
    return list(db.session.execute(
        select(Handle.name, User.role).join(User, Handle.user_id == User.id)
        .where(Handle.kind == PUBLIC, User.role != "member")
        .order_by(User.role, func.lower(Handle.name))
    ))


# The roles an administrator gives on the site. Administrators are made and unmade only by
# the server's command (`flask users set-role`, forum/cli.py): looking behind an anonymous
# name takes two administrators (forum/admin/service.py), and one who could make a second
# administrator account on the site would be both of them.
SITE_ROLES = tuple(role for role in ROLES if role != "admin")
ADMINS_ON_THE_SERVER = (
    "Administrators are made and unmade only on the server, with the command "
    "`flask users set-role`: two administrators must agree before anyone looks behind an "
    "anonymous name, so no administrator can make another one alone."
)


def set_role(admin: User, *, handle: str, role: str, reason: str, now: datetime) -> Handle:
    """Make the account with this public handle a member or a moderator."""
    if not permissions.can_change_roles(admin):
        raise NotAllowed("Only admins can change roles.")
    if role == "admin":
        raise ModerationError(ADMINS_ON_THE_SERVER)
    if role not in SITE_ROLES:
        raise ModerationError("Choose member or moderator.")
    reason = clean_reason(reason, required=False)
    public = db.session.scalar(
        select(Handle).where(Handle.kind == PUBLIC, Handle.name_key == name_key(handle or ""),
                             Handle.user_id.is_not(None))
        .options(joinedload(Handle.user))
    )
    if public is None:
        raise ModerationError("No one has that public handle.")
    if public.user_id == admin.id:
        # Keeps the last admin from demoting themselves by accident.
        raise ModerationError("You cannot change your own role; ask another admin.")
    if public.user.role == "admin":
        raise ModerationError(ADMINS_ON_THE_SERVER)
    if public.user.role == role:
        raise ModerationError(f"{public.name} is a {role} already.")
    public.user.role = role
    record(admin, f"{SET_ROLE}:{role}", reason, now, handle=public)
    commit()
    return public

