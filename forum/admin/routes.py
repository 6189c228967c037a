"""Admin-only pages: unmasking an anonymous name, and the private audit log of unmaskings."""
from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from .. import permissions
from ..clock import utcnow
from ..extensions import login_manager
from ..models import Unmasking
from ..pagination import paginate, parse_id
from . import service
from .forms import UnmaskForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only():
    """One guard for every admin page: moderators and members get 403, visitors log in."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not permissions.can_administer(current_user):
        abort(403)
    return None


@bp.route("/unmask", methods=["GET", "POST"])
def unmask():
    """Look up the public handle behind an anonymous name, giving a reason that is logged."""
    form = UnmaskForm()
    result = None
    if form.validate_on_submit():
        try:
            result = service.unmask(current_user, form.address.data, form.reason.data, utcnow())
        except service.UnmaskError as error:
            getattr(form, error.field).errors.append(error.message)
    # The answer is shown once, in this response, never behind a GET that could be re-read
    # without a new line in the log; reloading asks again and is logged again.
    status = 400 if form.errors else 200
    return render_template("admin/unmask.html", form=form, result=result), status


@bp.route("/unmaskings")
def unmaskings():
    """The private audit log: who looked behind which anonymous name, when and why."""
    # Paged by row id: every administrator reads every line of this log, so its ids tell
    # them nothing they do not see, and nobody else ever gets a link to it.
    page = paginate(service.audit_log(), Unmasking, [Unmasking.created_at, Unmasking.id],
                    parse_id(request.args.get("after")), current_app.config["ITEMS_PER_PAGE"],
                    scalars=False, key=Unmasking.id)
    return render_template("admin/unmaskings.html", page=page)
