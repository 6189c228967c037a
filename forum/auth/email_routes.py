"""Confirming an email address, and choosing a new password from a link sent by email."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import ratelimit
from ..clock import utcnow
from . import email_verification, password_reset, service, two_step
from .forms import ConfirmEmailForm, NewPasswordForm, ResetRequestForm
from .routes import _too_many, bp


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    """Ask for a link that sets a new password; the answer never tells whether it went out."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        try:
            password_reset.request_reset(form.identifier.data)
        except ratelimit.RateLimited as limited:
            return _too_many("auth/reset_request.html", form, limited)
        return redirect(url_for("auth.reset_sent"))
    return render_template("auth/reset_request.html", form=form), 400 if form.errors else 200


@bp.route("/reset/sent")
def reset_sent():
    """Say what happens next, in the same words whatever was typed."""
    return render_template("auth/reset_sent.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password from the link in the mail; it logs in and signs out elsewhere."""
    form = NewPasswordForm()
    try:
        if request.method == "POST":
            password_reset.count_try()
        password_reset.check_link(token, utcnow())
        if form.validate_on_submit():
            user = password_reset.set_password(token, form.new_password.data, utcnow())
            if two_step.is_on(user):
                # The mail proves the address, not the second step: the code is still asked.
                two_step.mark_password_ok(user, remember=False, next_url=None, now=utcnow())
                flash(_("Your new password is set, and every other device where your account "
                        "was logged in has been signed out. Enter the code from your app to "
                        "log in."))
                return redirect(url_for("auth.two_step_login"))
            service.start_session(user, remember=False, now=utcnow())
            flash(_("Your new password is set and you are logged in. Every other device where "
                    "your account was logged in has been signed out."))
            return redirect(url_for("pages.home"))
    except password_reset.ResetLinkError as refused:
        return render_template("auth/reset_password.html", link_error=refused.message), refused.status
    except password_reset.NewPasswordError as refused:
        form.new_password.errors.append(refused.message)
    except ratelimit.RateLimited as limited:
        return _too_many("auth/reset_password.html", form, limited)
    return render_template("auth/reset_password.html", form=form), 400 if form.errors else 200


@bp.route("/email/<token>", methods=["GET", "POST"])
def confirm_email(token):
    """Confirm an email address from the link sent to it (a button, so scanners confirm nothing)."""
    form = ConfirmEmailForm()
    try:
        if form.validate_on_submit():
            email_verification.confirm(token, utcnow())
            flash(_("Your email address is confirmed."))
            return redirect(url_for("profiles.settings" if current_user.is_authenticated
                                    else "pages.home"))
        pending = email_verification.find(token, utcnow())
    except email_verification.ConfirmationError as refused:
        return (render_template("auth/confirm_email.html", link_error=refused.message),
                refused.status)
    return render_template("auth/confirm_email.html", form=form, address=pending.email)


@bp.after_request
def _links_are_private(response):
    """A page reached by a mailed link (its address holds the token) is never cached."""
    if request.endpoint in ("auth.reset_password", "auth.confirm_email"):
        response.headers["Cache-Control"] = "private, no-store"
    return response
