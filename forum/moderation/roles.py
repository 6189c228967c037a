"""Roles: who moderates the site, and an admin making someone a member, moderator or admin."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _, lazy_gettext as _l
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
    """(public handle, role in the reader's words) of every moderator and admin, by name."""
    rows = db.session.execute(
        select(Handle.name, User.role).join(User, Handle.user_id == User.id)
        .where(Handle.kind == PUBLIC, User.role != "member")
        .order_by(User.role, func.lower(Handle.name)))
    return [(name, str(ROLE_WORDS.get(role, role))) for name, role in rows]


# The roles an administrator gives on the site. Administrators are made and unmade only by
# the server's command (`flask users set-role`, forum/cli.py): looking behind an anonymous
# name takes two administrators (forum/admin/service.py), and one who could make a second
# administrator account on the site would be both of them.
SITE_ROLES = tuple(role for role in ROLES if role != "admin")
ADMINS_ON_THE_SERVER = _l(
    "Administrators are made and unmade only on the server, with the command "
    "`flask users set-role`: two administrators must agree before anyone looks behind an "
    "anonymous name, so no administrator can make another one alone."
)
# A role as the role form's choices and the staff list show it; User.role keeps the machine value.
ROLE_LABELS = {"member": _l("Member"), "moderator": _l("Moderator")}
ROLE_WORDS = {"member": _l("member"), "moderator": _l("moderator"), "admin": _l("admin")}
# "alice is now a moderator.", one whole sentence per role (articles differ by language).
NOW_A = {"member": _l("%(name)s is now a member."),
         "moderator": _l("%(name)s is now a moderator.")}
ALREADY_A = {"member": _l("%(name)s is a member already."),
             "moderator": _l("%(name)s is a moderator already.")}


def set_role(admin: User, *, handle: str, role: str, reason: str, now: datetime) -> Handle:
    """Make the account with this public handle a member or a moderator."""
    if not permissions.can_change_roles(admin):
        raise NotAllowed(_("Only admins can change roles."))
    if role == "admin":
        raise ModerationError(str(ADMINS_ON_THE_SERVER))
    if role not in SITE_ROLES:
        raise ModerationError(_("Choose member or moderator."))
    reason = clean_reason(reason, required=False)
    public = db.session.scalar(
        select(Handle).where(Handle.kind == PUBLIC, Handle.name_key == name_key(handle or ""),
                             Handle.user_id.is_not(None))
        .options(joinedload(Handle.user))
    )
    if public is None:
        raise ModerationError(_("No one has that public handle."))
    if public.user_id == admin.id:
        # Keeps the last admin from demoting themselves by accident.
        raise ModerationError(_("You cannot change your own role; ask another admin."))
    if public.user.role == "admin":
        raise ModerationError(str(ADMINS_ON_THE_SERVER))
    if public.user.role == role:
        raise ModerationError(str(ALREADY_A[role]) % {"name": public.name})
    public.user.role = role
    record(admin, f"{SET_ROLE}:{role}", reason, now, handle=public)
    commit()
    return public

