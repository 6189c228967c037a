"""The Settings page for "new since my last visit"."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import permissions
from . import service
from .forms import ReadMarksForm

bp = Blueprint("reading", __name__)


@bp.route("/settings/reading", methods=["GET", "POST"])
@login_required
def settings():
    """Turn on or off keeping my read marks; turning it off deletes them all."""
    if not permissions.can_keep_read_marks(current_user):
        abort(403)
    form = ReadMarksForm(keep_read_marks=current_user.keep_read_marks)
    if not form.validate_on_submit():
        return render_template("reading/settings.html", form=form), 400 if form.errors else 200
    if form.keep_read_marks.data:
        service.turn_on(current_user)
        flash(_("Saved. From now on, the threads and stories you open show what is new since your last visit."))
    else:
        service.turn_off(current_user)
        flash(_("Saved. Nothing is kept about what you read, and every read mark is deleted."))
    return redirect(url_for("reading.settings"))
