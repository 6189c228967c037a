"""Invitation codes: made by moderators (and established members, if the admin allows), each
good for one registration until it expires. Only a hash of a code is stored; the code is
shown once, to whoever made it."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select, update

from .. import permissions, ratelimit, site_settings
from ..extensions import db
from ..models import Invitation, User
from ..refusals import Refusal

# Letters and digits that cannot be misread for one another (no i, l, o, 0 or 1), twelve in
# groups of four: 31 ** 12 codes, so guessing one within the wrong-code limit is out of reach.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_GROUPS, _GROUP = 3, 4


class InvitationError(Refusal):
    """Why a code cannot be made or used; shown beside the form, which keeps what was typed."""

    def __init__(self, message: str, status: int = 400, retry_after: int | None = None):
        super().__init__(message, field="invitation", status=status, retry_after=retry_after)


def code_hash(code: str) -> str:
    """The stored form of a code: typed with or without dashes and capitals, it matches."""
    folded = "".join(c for c in (code or "").lower() if c.isalnum())
    return hashlib.sha256(folded.encode()).hexdigest()


def _new_code() -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP))
                    for _ in range(_GROUPS))


def make(user: User, established: bool, now: datetime) -> tuple[str, Invitation]:
    """Make a code for one new member; returns the code (shown once) and its row.

    `established`: whether the account is an established one (posting.refusals.is_established),
    which a member must be to invite, when the admin allows members to."""
    if not permissions.can_invite(user, established, site_settings.members_may_invite()):
        raise InvitationError(_("Only moderators, and established members when the admin "
                                "allows it, can make invitation codes."), status=403)
    if not permissions.can_moderate(user):
        try:
            ratelimit.hit([("invite", current_app.config["INVITE_LIMIT"], f"u{user.id}",
                            _l("That is as many invitation codes as one account can make "
                               "for now. Please wait {wait}, then try again."))])
        except ratelimit.RateLimited as limited:
            raise InvitationError(limited.message, 429, limited.retry_after) from limited
    code = _new_code()
    invitation = Invitation(code_hash=code_hash(code), created_by_id=user.id, created_at=now,
                            expires_at=now + timedelta(days=current_app.config["INVITE_DAYS"]))
    db.session.add(invitation)
    db.session.commit()
    return code, invitation


def made_by(user: User):
    """The codes this account made, newest first (never the codes themselves: not kept)."""
    return (select(Invitation).where(Invitation.created_by_id == user.id)
            .order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(50))


def _wrong_code_rules() -> list[ratelimit.Rule]:
    return [("invite-code", current_app.config["INVITE_CODE_LIMIT"], ratelimit.address_key(),
             _l("Invitation codes tried from one network address are limited, so that "
                "nobody can guess one. Please wait {wait}, then try again."))]


def check(code: str, now: datetime) -> Invitation:
    """The invitation this code opens, or a refusal that says why not, plainly."""
    try:
        ratelimit.check(_wrong_code_rules())
    except ratelimit.RateLimited as limited:
        raise InvitationError(limited.message, 429, limited.retry_after) from limited
    if not (code or "").strip():
        raise InvitationError(_("Registration is by invitation: please enter your invitation "
                                "code."))
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.code_hash == code_hash(code)))
    if invitation is None:
        ratelimit.hit(_wrong_code_rules())
        raise InvitationError(_("That invitation code is not one of ours. Please check it, "
                                "letter by letter."))
    if invitation.used_at is not None:
        raise InvitationError(_("That invitation code has been used already: each one lets one "
                                "person join. Please ask for a new one."))
    if invitation.is_expired(now):
        raise InvitationError(_("That invitation code has expired. Please ask for a new one."))
    return invitation


def redeem(invitation: Invitation, user: User, now: datetime) -> None:
    """Mark the code used by the new account, in the caller's transaction; if another
    registration took it in the meantime, refuse (only one UPDATE can win)."""
    taken = db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now, used_by_id=user.id).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise InvitationError(_("That invitation code has been used already: each one lets one "
                                "person join. Please ask for a new one."))
