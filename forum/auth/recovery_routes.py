"""Forgot the password: the recovery-code way back in, and making new codes in Settings."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import ratelimit
from ..clock import utcnow
from ..refusals import SettingsError
from ..security import log_event, name_tag
from . import recovery, service
from .routes import bp
from .two_step_forms import CurrentPasswordForm, FirstCodesForm, RecoverForm


def codes_page(codes: list[str], *, continue_url: str, replaced: bool):
    """New recovery codes, shown this once (the answer to a POST, never to a GET)."""
    return render_template("auth/recovery_codes_new.html", codes=codes,
                           continue_url=continue_url, replaced=replaced)


@bp.route("/forgot")
def forgot():
    """Explain the ways back into an account whose password is lost."""
    return render_template("auth/forgot.html")


@bp.route("/recover", methods=["GET", "POST"])
def recover():
    """Set a new password with a recovery code; every other session ends."""
    form = RecoverForm()
    if form.validate_on_submit():
        try:
            user, left = recovery.recover(login_name=form.login_name.data, code=form.code.data,
                                          new_password=form.password.data, now=utcnow())
        except ratelimit.RateLimited as limited:
            form.code.data = ""
            return (render_template("auth/recover.html", form=form, refusal=limited.message),
                    429, {"Retry-After": str(limited.retry_after)})
        except recovery.RecoveryError as error:
            log_event("recovery_failed", name=name_tag(form.login_name.data))
            form.code.errors.append(error.message)
        else:
            service.start_session(user, remember=False, now=utcnow())
            flash(_("Your password is changed and you are logged in. Every other device has "
                    "been signed out."))
            flash(recovery.remaining_words(left))
            return redirect(url_for("pages.home"))
    # A code is a secret: a refused one is not typed back in (the login name is).
    form.code.data = ""
    return render_template("auth/recover.html", form=form), 400 if form.errors else 200


@bp.route("/recovery-codes/first", methods=["GET", "POST"])
@login_required
def first_codes():
    """Right after registering: the step where the new member gets their recovery codes."""
    if not recovery.may_make_first_codes(current_user, utcnow()):
        return redirect(url_for("auth.recovery_codes"))
    form = FirstCodesForm()
    if form.validate_on_submit():
        codes = recovery.issue_codes(current_user, utcnow())
        return codes_page(codes, continue_url=url_for("pages.home"), replaced=False)
    return render_template("auth/recovery_codes_first.html", form=form)


@bp.route("/recovery-codes", methods=["GET", "POST"])
@login_required
def recovery_codes():
    """Make ten new recovery codes, once the password is proven; the old ones stop working."""
    form = CurrentPasswordForm()
    left = recovery.remaining(current_user)
    if form.validate_on_submit():
        try:
            if not service.confirm_password(current_user, form.current_password.data):
                raise SettingsError("current_password", _("That is not your current password."))
        except ratelimit.RateLimited as limited:
            form.current_password.errors.append(limited.message)
            return (render_template("auth/recovery_codes.html", form=form, left=left), 429,
                    {"Retry-After": str(limited.retry_after)})
        except SettingsError as error:
            form.current_password.errors.append(error.message)
        else:
            codes = recovery.issue_codes(current_user, utcnow())
            return codes_page(codes, continue_url=url_for("profiles.settings"), replaced=True)
    return (render_template("auth/recovery_codes.html", form=form, left=left),
            400 if form.errors else 200)
