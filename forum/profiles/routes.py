"""Profile pages, and the settings a person changes about their own account."""
import json

from flask import (
    Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
    send_file, url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from .. import permissions, ratelimit, site_settings
from ..auth import email_verification, recovery, two_step
from ..auth.email_verification import CONFIRM_FOR
from ..auth.service import renew_session
from ..clock import utcnow
from ..extensions import db
from ..models import Handle
from ..pagination import parse_after
from ..templating import permalink_url
from . import account_settings, archive, deletion, export, listings
from .forms import (
    DeleteAccountForm, EmailForm, ExportForm, PasswordForm, ProfileForm, SessionsForm,
)

bp = Blueprint("profiles", __name__)

def _relogin() -> None:
    """Give this browser a cookie with the new session version, keeping "remember me" if set."""
    renew_session(current_user._get_current_object(), utcnow())


def _settings_page(profile_form=None, password_form=None, email_form=None, status=200,
                   retry_after=None):
    """The settings page; forms not being submitted are filled from the account, not the POST."""
    public_name = db.session.scalar(Handle.public_of(current_user)).name
    if profile_form is None:
        profile_form = ProfileForm(
            formdata=None, handle=public_name, bio=current_user.bio,
            anonymous_by_default=current_user.anonymous_by_default)
    pending = email_verification.pending_for(current_user, utcnow())
    if email_form is None:
        email_form = EmailForm(formdata=None,
                               email=pending.email if pending else current_user.email)
    return render_template(
        "profiles/settings.html", public_name=public_name, profile_form=profile_form,
        password_form=password_form or PasswordForm(formdata=None), email_form=email_form,
        pending=pending, pending_until=pending and pending.requested_at + CONFIRM_FOR,
        recovery_left=recovery.remaining(current_user), two_step_on=two_step.is_on(current_user),
        # The link to make codes, when codes can be made by members at all (the page itself
        # tells an account too new for it so).
        offer_invitations=(site_settings.members_may_invite()
                           or permissions.can_moderate(current_user)),
    ), status, _retry(retry_after)


def _retry(retry_after: int | None) -> dict:
    """Headers for a refusal that a wait will lift: Retry-After, in seconds."""
    return {} if retry_after is None else {"Retry-After": str(retry_after)}



def _permalinks(rows) -> dict[int, str]:
    """Each listed post's own address (/posts/<public id>), which finds its page when followed:
    working out every post's page here would read every post of every listed thread."""
    return {row.post.id: permalink_url(row.post.public_id) for row in rows}

@bp.route("/u/<handle>")
def show(handle):
    """Show a public handle's profile with the stories and posts written under it."""
    found = listings.profile_handle(handle)
    if found is None:
        abort(404)
    per_page = current_app.config["ITEMS_PER_PAGE"]
    stories = listings.stories_by(found, parse_after(request.args.get("stories_after")), per_page)
    posts = listings.posts_by(found, parse_after(request.args.get("posts_after")), per_page,
                              current_user)
    return render_template("profiles/show.html", handle=found, user=found.user,
                           stories=stories, posts=posts, links=_permalinks(posts.items))


@bp.route("/settings")
@login_required
def settings():
    """Show the forms for changing your profile, password and sessions."""
    return _settings_page()


@bp.route("/settings/profile", methods=["POST"])
@login_required
def update_profile():
    """Save your public handle, bio and anonymous-posting default."""
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            handle = account_settings.update_profile(
                current_user, handle=form.handle.data, bio=form.bio.data,
                anonymous_by_default=form.anonymous_by_default.data)
        except account_settings.SettingsError as error:
            getattr(form, error.field).errors.append(error.message)
            return _settings_page(profile_form=form, status=error.status)
        flash(_("Your profile is saved. Your public handle is %(name)s.", name=handle.name))
        return redirect(url_for("profiles.settings"))
    return _settings_page(profile_form=form, status=400)


@bp.route("/settings/email", methods=["POST"])
@login_required
def update_email():
    """Add, change or remove your email address; a new one waits for its confirmation link."""
    form = EmailForm()
    if form.validate_on_submit():
        try:
            done = account_settings.change_email(current_user, email=form.email.data,
                                                 password=form.email_password.data, now=utcnow())
        except account_settings.SettingsError as error:
            getattr(form, error.field).errors.append(error.message)
            return _settings_page(email_form=form, status=error.status,
                                  retry_after=error.retry_after)
        flash(done)
        return redirect(url_for("profiles.settings"))
    return _settings_page(email_form=form, status=400)


@bp.route("/settings/password", methods=["POST"])
@login_required
def update_password():
    """Change your password and sign out everywhere else."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            account_settings.change_password(current_user, current=form.current_password.data,
                                    new=form.new_password.data)
        except account_settings.SettingsError as error:
            getattr(form, error.field).errors.append(error.message)
        except ratelimit.RateLimited as limited:
            form.current_password.errors.append(limited.message)
            return _settings_page(password_form=form, status=429,
                                  retry_after=limited.retry_after)
        else:
            _relogin()
            flash(_("Your password is changed. Every other device has been signed out."))
            return redirect(url_for("profiles.settings"))
    return _settings_page(password_form=form, status=400)


@bp.route("/settings/sessions", methods=["POST"])
@login_required
def end_sessions():
    """Sign out every other device where you are logged in, staying logged in here."""
    if not SessionsForm().validate_on_submit():
        abort(400)
    account_settings.end_other_sessions(current_user)
    _relogin()
    flash(_("Every other device has been signed out."))
    return redirect(url_for("profiles.settings"))


@bp.route("/settings/my-posts")
@login_required
def my_posts():
    """List everything you wrote, showing which is anonymous and under which name."""
    per_page = current_app.config["ITEMS_PER_PAGE"]
    stories = listings.my_stories(current_user, parse_after(request.args.get("stories_after")),
                                 per_page)
    posts = listings.my_posts(current_user, parse_after(request.args.get("posts_after")),
                             per_page)
    return render_template("profiles/my_posts.html", stories=stories, posts=posts,
                           links=_permalinks(posts.items))


def _download(build, respond):
    """A download from Settings: the form's token checked, then the one shared export limit
    (a refusal is a warning, on the settings page), then the file."""
    if not ExportForm().validate_on_submit():
        abort(400)
    try:
        made = build(current_user)
    except ratelimit.RateLimited as limited:
        flash(limited.message, "warning")
        return _settings_page(status=429, retry_after=limited.retry_after)
    return respond(made)


@bp.route("/settings/export", methods=["POST"])
@login_required
def export_data():
    """Download everything stored about your account as one JSON file."""
    return _download(export.export_data, lambda data: Response(
        json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="afterward-my-data.json"'}))


@bp.route("/settings/export/archive", methods=["POST"])
@login_required
def export_archive():
    """Download your own stories and posts as Markdown files in a zip, with an index."""
    return _download(archive.build_archive, lambda body: send_file(
        body, mimetype="application/zip", as_attachment=True,
        download_name="afterward-my-writing.zip", max_age=0))


@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete your account for good, once you confirm with your password."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            deletion.delete_account(current_user, password=form.current_password.data,
                                   remove_writing=form.writing.data == "remove", now=utcnow())
        except account_settings.SettingsError as error:
            form.current_password.errors.append(error.message)
        except ratelimit.RateLimited as limited:
            form.current_password.errors.append(limited.message)
            return (render_template("profiles/delete.html", form=form), 429,
                    _retry(limited.retry_after))
        else:
            logout_user()
            flash(_("Your account is deleted. Take care."))
            return redirect(url_for("pages.home"))
    return render_template("profiles/delete.html", form=form), 400 if form.errors else 200
