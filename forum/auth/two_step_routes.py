"""Two-step login: the code page after the password, and switching it on and off."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import ratelimit
from ..clock import utcnow
from ..errors import resubmit_page
from ..refusals import SettingsError
from ..security import log_event, name_tag
from . import recovery, service, two_step
from .routes import bp
from .two_step_forms import CodeForm, ConfirmSetupForm, CurrentPasswordForm, SwitchOffForm


def _retry(limited: ratelimit.RateLimited) -> dict:
    return {"Retry-After": str(limited.retry_after)}


@bp.route("/two-step", methods=["GET", "POST"])
def two_step_login():
    """Ask for the code after a right password; log in once it is right."""
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    resumed = service.resumed_fields(request.form)
    pending = two_step.pending_login(utcnow())
    if pending is None:
        return _start_again(resumed)
    user, mark = pending
    form = CodeForm()
    carried = [(service.RESUME + k, v) for k, v in resumed]
    if form.validate_on_submit():
        try:
            accepted, used_recovery = two_step.check_code(user, form.code.data, utcnow())
        except ratelimit.RateLimited as limited:
            form.code.data = ""
            return (_code_page(form, carried, mark, refusal=limited.message), 429,
                    _retry(limited))
        if accepted:
            service.start_session(user, remember=mark["remember"], now=utcnow())
            if used_recovery:
                flash(_("You logged in with a recovery code; it will not work again.") + " "
                      + recovery.remaining_words(recovery.remaining(user)))
            if resumed and mark["next"]:
                return resubmit_page(_("You are logged in again. Check your text and send it."),
                                     200, action=mark["next"], fields=resumed)
            return redirect(mark["next"] or url_for("pages.home"))
        log_event("two_step_failed", name=name_tag(user.login_name))
        form.code.errors.append(str(two_step.WRONG_CODE))
    # The code is a secret of the moment: a refused one is not typed back in.
    form.code.data = ""
    # 400, not 401: a refused code is a form with an error, with no HTTP challenge to offer.
    return _code_page(form, carried, mark), 400 if form.errors else 200


def _code_page(form, carried, mark, refusal=None):
    return render_template("auth/two_step_login.html", form=form, refusal=refusal,
                           resumed=carried,
                           action=url_for("auth.two_step_login", next=mark["next"]))


def _start_again(resumed):
    """The password step ran out (or never happened): back to the log-in, text kept."""
    next_url = service.safe_next(request.args.get("next"))
    if resumed:
        return resubmit_page(
            _("The page for the code is only open for a few minutes after the password, so "
              "nothing was sent yet. Your text is below: log in again to send it."), 400,
            action=url_for("auth.login", next=next_url),
            fields=[(service.RESUME + k, v) for k, v in resumed], needs_login=True)
    flash(_("Please log in again: the page for the code is only open for a few minutes after "
            "the password."), "warning")
    return redirect(url_for("auth.login", next=next_url))


def _settings_page(start_form=None, off_form=None, status=200, headers=None):
    return (render_template(
        "auth/two_step_settings.html", is_on=two_step.is_on(current_user),
        start_form=start_form or CurrentPasswordForm(formdata=None),
        off_form=off_form or SwitchOffForm(formdata=None)), status, headers or {})


def _setup_page(row, form=None, status=200):
    """The QR code and secret of a set-up in progress, with the form for the first code."""
    return render_template("auth/two_step_setup.html", qr=two_step.qr_svg(row),
                           secret=two_step.grouped(row.secret),
                           form=form or ConfirmSetupForm(formdata=None)), status


@bp.route("/two-step/settings")
@login_required
def two_step_settings():
    """Say whether two-step login is on, with the form to switch it on or off."""
    return _settings_page()


@bp.route("/two-step/start", methods=["POST"])
@login_required
def two_step_start():
    """Show a new secret and its QR code, once the password is proven."""
    form = CurrentPasswordForm()
    if not form.validate_on_submit():
        return _settings_page(start_form=form, status=400)
    try:
        row = two_step.start_setup(current_user, form.current_password.data, utcnow())
    except ratelimit.RateLimited as limited:
        form.current_password.errors.append(limited.message)
        return _settings_page(start_form=form, status=429, headers=_retry(limited))
    except SettingsError as error:
        form.current_password.errors.append(error.message)
        return _settings_page(start_form=form, status=error.status)
    return _setup_page(row)


@bp.route("/two-step/confirm", methods=["POST"])
@login_required
def two_step_confirm():
    """Switch two-step login on once the first code from the app is right."""
    form = ConfirmSetupForm()
    row = two_step.pending_setup(current_user, utcnow())
    if row is None:
        flash(_("There is no set-up in progress, or it was started more than 15 minutes ago. "
                "Start again with your password."), "warning")
        return redirect(url_for("auth.two_step_settings"))
    if form.validate_on_submit():
        try:
            two_step.finish_setup(current_user, form.code.data, utcnow())
        except ratelimit.RateLimited as limited:
            form.code.errors.append(limited.message)
            return (*_setup_page(row, form, 429), _retry(limited))
        except SettingsError as error:
            form.code.errors.append(error.message)
        else:
            flash(_("Two-step login is on. From now on, logging in asks for a code from your "
                    "app after the password."))
            return redirect(url_for("auth.two_step_settings"))
    form.code.data = ""
    return _setup_page(row, form, 400)


@bp.route("/two-step/off", methods=["POST"])
@login_required
def two_step_off():
    """Switch two-step login off, with the password and a code."""
    form = SwitchOffForm()
    if form.validate_on_submit():
        try:
            two_step.switch_off(current_user, form.current_password.data, form.code.data,
                                utcnow())
        except ratelimit.RateLimited as limited:
            form.code.errors.append(limited.message)
            form.code.data = ""
            return _settings_page(off_form=form, status=429, headers=_retry(limited))
        except SettingsError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            flash(_("Two-step login is off. Logging in needs only your password again."))
            return redirect(url_for("auth.two_step_settings"))
    form.code.data = ""
    return _settings_page(off_form=form, status=400)
