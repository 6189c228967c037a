"""Invitation codes: the page where a member makes them from Settings (when the admin lets
established members invite), and the two helpers the moderators' page shares."""
from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from .. import permissions, site_settings
from ..auth import invitations as codes
from ..clock import utcnow
from ..extensions import db
from ..posting.refusals import is_established
from .routes import bp


def may_invite(user, now) -> bool:
    """Tell whether this account may make codes now (asks how old it is only when it matters)."""
    if permissions.can_moderate(user):
        return True
    allowed = site_settings.members_may_invite()
    return permissions.can_invite(user, allowed and is_established(user, now), allowed)


def invitations_page(action: str, code: str | None = None, refusal: str | None = None,
                     status: int = 200, headers: dict | None = None, allowed: bool = True):
    """The codes this person made (never the codes themselves: they are not kept), and a
    button for a new one. Shared by this page and the members' page in Settings."""
    made = db.session.scalars(codes.made_by(current_user)).all()
    return render_template("auth/invitations.html", made=made, code=code, action=action,
                           refusal=refusal, now=utcnow(), allowed=allowed,
                           mode=site_settings.registration_mode()), status, headers or {}


def make_invitation(action: str):
    """Make one code and show it, once, in this response."""
    try:
        now = utcnow()
        code, _ = codes.make(current_user, may_invite(current_user, now), now)
    except codes.InvitationError as error:
        headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
        return invitations_page(action, refusal=error.message, status=error.status,
                                headers=headers)
    return invitations_page(action, code=code)



@bp.route("/settings/invitations", methods=["GET", "POST"])
@login_required
def invitations_made():
    """Make invitation codes, when the admin lets established members invite."""
    allowed = may_invite(current_user, utcnow())
    if request.method == "POST" and not allowed:
        abort(403)
    action = url_for("profiles.invitations_made")
    if request.method == "POST":
        return make_invitation(action)
    return invitations_page(action, allowed=allowed)
