"""The administrator's list of members: find someone by their public handle, role or state.

It shows what the site already shows of a member in public (their public handle and profile),
plus what an administrator needs to run the place: their role, whether that public handle is
suspended, and the month they joined. A suspension counts here only if it was applied through
the public handle, as every moderation page shows it: one applied through a pseudonym, shown
here on the account's public handle, would tie the two together (the public log says which
post's author was suspended, and when) without a second administrator's approval.
Never an anonymous name (the list is built from public handles only), never a login name
or an email address: an administrator who needs to know who is behind a pseudonym asks
through the two-administrator unmasking, which is logged.
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..clock import utcnow
from ..extensions import db
from ..models import PUBLIC, ROLES, Handle, Suspension, User
from ..names import name_key
from .routes import bp

STATES = {"": _l("Any"), "active": _l("Active"), "suspended": _l("Suspended")}
# Each role by its label (the roles of forum/models; the list and its filter both use these).
ROLE_LABELS = {"member": _l("Member"), "moderator": _l("Moderator"), "admin": _l("Admin")}
ROLE_CHOICES = {"": _l("Any"), **{role: ROLE_LABELS.get(role, role) for role in ROLES}}


class Member(NamedTuple):
    handle: str
    role: str
    joined: datetime
    suspended_until: datetime | None


def members_query(text: str, role: str, state: str, now: datetime, after: str | None):
    """Members by public handle, in alphabetical order of the handle's key, after `after`."""
    # The end of the longest suspension in force applied through this public handle, if any.
    suspended_until = (select(func.max(Suspension.until))
                       .where(Suspension.handle_id == Handle.id, Suspension.lifted_at.is_(None),
                              Suspension.until > now)
                       .correlate(Handle).scalar_subquery())
    stmt = (select(Handle.name, Handle.name_key, User.role, User.created_at,
                   suspended_until.label("suspended_until"))
            .join(User, User.id == Handle.user_id).where(Handle.kind == PUBLIC))
    key = name_key(text) if text.strip() else ""
    if key:
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Handle.name_key.like(f"%{escaped}%", escape="\\"))
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    if state == "suspended":
        stmt = stmt.where(suspended_until.is_not(None))
    elif state == "active":
        stmt = stmt.where(suspended_until.is_(None))
    if after:
        stmt = stmt.where(Handle.name_key > after)
    return stmt.order_by(Handle.name_key)


@bp.route("/members")
def members():
    """Search the members; a page of results at a time, by handle."""
    text = request.args.get("q", "")[:64]
    role = request.args.get("role", "")
    state = request.args.get("state", "")
    role = role if role in ROLE_CHOICES else ""
    state = state if state in STATES else ""
    after = request.args.get("after", "")[:64] or None
    per_page = current_app.config["ITEMS_PER_PAGE"]
    rows = db.session.execute(members_query(text, role, state, utcnow(), after)
                              .limit(per_page + 1)).all()
    found = [Member(name, r, joined, until) for name, _, r, joined, until in rows[:per_page]]
    next_after = rows[per_page - 1].name_key if len(rows) > per_page else None
    return render_template("admin/members.html", members=found, q=text, role=role, state=state,
                           roles=ROLE_CHOICES, states=STATES, next_after=next_after,
                           now=utcnow())
