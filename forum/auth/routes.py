"""Register, log in, log out."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import gates, ratelimit, site_settings
from ..clock import utcnow
from ..errors import resubmit_page
from ..security import log_failed_login
from . import email_verification, invitations, recovery, service, two_step
from .emails import clean_email
from .forms import LoginForm, RegisterForm
from .two_step_forms import CodeForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _too_many(template, form, limited, **context):
    """The form again, with what was typed, a plain-words wait, and Retry-After."""
    return (render_template(template, form=form, refusal=limited.message, **context), 429,
            {"Retry-After": str(limited.retry_after)})


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account and log straight in."""
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form, mode = RegisterForm(), site_settings.registration_mode()
    if form.validate_on_submit() and form.gates_tripped(utcnow()):
        return render_template("auth/register.html", form=form, mode=mode,
                               refusal=gates.TRY_AGAIN_REGISTER), 400
    if form.validate_on_submit():
        try:
            user = service.register(login_name=form.login_name.data, handle=form.handle.data,
                                    password=form.password.data, email=form.email.data,
                                    reason=form.reason.data, invitation=form.invitation.data,
                                    now=utcnow())
        except (service.RegistrationError, invitations.InvitationError) as error:
            if error.retry_after is not None:
                return _too_many("auth/register.html", form, error, mode=mode)
            getattr(form, error.field).errors.append(error.message)
        except ratelimit.RateLimited as limited:
            return _too_many("auth/register.html", form, limited, mode=mode)
        else:
            service.start_session(user, remember=False, now=utcnow())
            site = current_app.config["SITE_NAME"]
            flash(_("Welcome to %(site)s. Your account is waiting for a moderator to approve "
                    "it; until then you can read everything.", site=site) if user.is_pending
                  else _("Welcome to %(site)s. Your account is ready.", site=site))
            if form.email.data:
                flash(_confirmation_words(user, clean_email(form.email.data)))
            # One more step: the recovery codes, made and shown by a POST from the next page.
            recovery.mark_just_registered(utcnow())
            return redirect(url_for("auth.first_codes"))
    return render_template("auth/register.html", form=form, mode=mode), 400 if form.errors else 200


def _confirmation_words(user, address: str) -> str:
    """Send the link that confirms a new member's address; say what happened, plainly."""
    try:
        sent = email_verification.start(user, address, utcnow())
    except ratelimit.RateLimited as limited:
        # Translators: %(reason)s is a whole sentence saying how long to wait.
        return _("No confirmation link was sent to %(address)s: %(reason)s You can enter the "
                 "address again in Settings.", address=address, reason=limited.message)
    if not sent:
        return _("The confirmation link to %(address)s could not be sent just now. You can "
                 "enter the address again in Settings to try once more.", address=address)
    return email_verification.SENT_LINK.format(address=address)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in; a write interrupted by an expired login is handed back to be sent again."""
    form = LoginForm()
    next_url = service.safe_next(request.args.get("next"))
    resumed = service.resumed_fields(request.form)
    if form.validate_on_submit():
        try:
            user = service.limited_authenticate(form.login_name.data, form.password.data)
        except ratelimit.RateLimited as limited:
            return _too_many("auth/login.html", form, limited)
        if user is not None and two_step.is_on(user):
            # The password is right; the login starts only once the code is too.
            two_step.mark_password_ok(user, remember=form.remember.data, next_url=next_url,
                                      now=utcnow())
            if resumed:
                # The interrupted text goes on in the code page's form, never into the cookie.
                return render_template(
                    "auth/two_step_login.html", form=CodeForm(formdata=None),
                    resumed=[(service.RESUME + k, v) for k, v in resumed],
                    action=url_for("auth.two_step_login", next=next_url))
            return redirect(url_for("auth.two_step_login"))
        if user is not None:
            service.start_session(user, remember=form.remember.data, now=utcnow())
            if resumed and next_url:
                return resubmit_page(_("You are logged in again. Check your text and send it."),
                                     200, action=next_url, fields=resumed)
            return redirect(next_url or url_for("pages.home"))
        log_failed_login(form.login_name.data)
        form.password.errors.append(_("That login name and password do not match an account."))
    if resumed:
        return resubmit_page(_("That did not log you in. Your text is still here; try again."),
                             400, action=request.full_path.rstrip("?"),
                             fields=[(service.RESUME + k, v) for k, v in resumed],
                             needs_login=True)
    # 400, not 401: a 401 must carry a WWW-Authenticate challenge (RFC 9110), and a form
    # log-in has none to offer.
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out everywhere this cookie was copied to."""
    service.log_out(current_user)
    flash(_("You are logged out."))
    return redirect(url_for("pages.home"))
