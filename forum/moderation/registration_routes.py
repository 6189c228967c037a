"""The moderators' side of joining: the registrations waiting for approval, and invitation
codes. Views on the moderation blueprint, so its one guard covers them."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import site_settings
from ..clock import utcnow
from ..profiles.invitation_routes import invitations_page, make_invitation
from . import registrations as joining
from .actions import ModerationError
from .routes import bp


def _queue(refusal: str | None = None, status: int = 200):
    return render_template("moderation/registrations.html", waiting=joining.waiting(),
                           mode=site_settings.registration_mode(), refusal=refusal), status


@bp.route("/registrations")
def registrations():
    """People waiting to join: their public handle and why they are here, nothing else."""
    return _queue()


def _decide(name: str, approve: bool):
    try:
        public = joining.decide(current_user, name, approve, utcnow())
    except LookupError:
        abort(404)
    except ModerationError as error:
        return _queue(error.message, 409 if error.status == 400 else error.status)
    flash(_("%(name)s can write now.", name=public.name) if approve
          else _("%(name)s’s account was not approved: it can read, not write.",
                 name=public.name))
    return redirect(url_for("moderation.registrations"))


# By public handle, which the page shows anyway: a row id in an address would tell the order
# in which accounts were made (forum/public_ids.py).
@bp.route("/registrations/<handle>/approve", methods=["POST"])
def approve_registration(handle: str):
    return _decide(handle, approve=True)


@bp.route("/registrations/<handle>/refuse", methods=["POST"])
def refuse_registration(handle: str):
    return _decide(handle, approve=False)


@bp.route("/invitations", methods=["GET", "POST"])
def invitations():
    """Invitation codes: make one for someone who should be able to join."""
    action = url_for("moderation.invitations")
    return make_invitation(action) if request.method == "POST" else invitations_page(action)
