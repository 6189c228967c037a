"""Bringing your own blog in, from Settings: upload the export, read the preview, confirm
(forum/posting/blog_uploads.py does the work)."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from .. import permissions, ratelimit
from ..clock import utcnow
from ..extensions import db
from ..models import BlogUpload, Handle
from ..refusals import Refusal
from ..security import size_words
from . import blog_uploads as blog_import
from .forms import BlogUploadForm, CancelImportForm, NOT_MAPPED, import_choices_form
from .routes import bp


def _retry(retry_after: int | None) -> dict:
    """Headers for a refusal that a wait will lift: Retry-After, in seconds."""
    return {} if retry_after is None else {"Retry-After": str(retry_after)}


def _upload_page(form=None, refusal=None, status=200, headers=None):
    """The page that explains the import and takes the file."""
    now = utcnow()
    waiting = db.session.scalar(select(BlogUpload).where(
        BlogUpload.user_id == current_user.id, BlogUpload.imported_at.is_(None),
        BlogUpload.created_at > now - blog_import.KEPT_FOR))
    cfg = current_app.config
    return render_template(
        "posting/import_blog.html", form=form or BlogUploadForm(formdata=None),
        refusal=refusal, waiting=waiting, allowed=permissions.can_import_blog(current_user),
        max_size=size_words(cfg["WXR_UPLOAD_MAX_BYTES"]),
        max_posts=cfg["WXR_UPLOAD_MAX_POSTS"], max_comments=cfg["WXR_UPLOAD_MAX_COMMENTS"],
    ), status, headers or {}


@bp.route("/settings/import")
@login_required
def import_blog():
    """Explain what bringing your blog in does, and take its export file."""
    return _upload_page()


@bp.route("/settings/import", methods=["POST"])
@login_required
def upload_blog():
    """Read your blog's export and show what would be imported; nothing is imported yet."""
    if not permissions.can_import_blog(current_user):
        abort(403)
    form = BlogUploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, status=400)
    try:
        upload = blog_import.receive(current_user, form.export.data.stream, utcnow())
    except ratelimit.RateLimited as limited:
        return _upload_page(form, limited.message, 429, _retry(limited.retry_after))
    except Refusal as refused:
        db.session.rollback()
        return _upload_page(form, refused.message, refused.status, _retry(refused.retry_after))
    return redirect(url_for("posting.import_preview", upload_id=upload.public_id))


class UploadGone(NotFound):
    """Someone else's upload, one never made, or one expired or cancelled: all alike."""

    custom_message = True  # errors.py shows the description
    description = _l("This import is not here. An uploaded blog waits one day for you to "
                     "confirm it, and is removed once you cancel it. You can upload the file "
                     "again from Settings > Bring your blog.")


def _owned(upload_id: str) -> BlogUpload:
    """The member's own upload; 404 for anyone else's, moderators included."""
    upload = blog_import.owned(upload_id, current_user, utcnow())
    if upload is None:
        raise UploadGone()
    return upload


def _choices_form(upload, formdata=None):
    """The preview's choices: a same-named accepted group is offered first for a term."""
    terms = blog_import.terms_of(upload)[:blog_import.TERMS_OFFERED]
    groups = blog_import.groups_offered()
    slugs = {g.slug for g in groups}
    defaults = {t.key: t.key.lower() for t in terms if t.key.lower() in slugs}
    public_name = db.session.scalar(Handle.public_of(current_user)).name
    kwargs = {} if formdata is None else {"formdata": formdata}
    return import_choices_form(terms, groups, public_name, defaults, **kwargs), terms


def _preview_page(upload, form=None, terms=None, status=200):
    if form is None:
        form, terms = _choices_form(upload, formdata=None)
    all_terms = blog_import.terms_of(upload)
    return render_template(
        "posting/import_preview.html", upload=upload, report=blog_import.report_of(upload),
        form=form, term_fields=[form[f"term_{i}"] for i in range(len(terms))],
        other_terms=all_terms[blog_import.TERMS_OFFERED:], cancel_form=CancelImportForm(),
        allowed=permissions.can_import_blog(current_user),
        interrupted=blog_import.was_interrupted(upload, utcnow()),
    ), status


@bp.route("/settings/import/<public_id:upload_id>")
@login_required
def import_preview(upload_id):
    """What your blog's import would bring in (or, once confirmed, what it brought in)."""
    upload, now = _owned(upload_id), utcnow()
    if upload.export is None or blog_import.is_running(upload, now):
        return render_template("posting/import_done.html", upload=upload,
                               report=blog_import.report_of(upload),
                               running=upload.export is not None)
    return _preview_page(upload)


@bp.route("/settings/import/<public_id:upload_id>/confirm", methods=["POST"])
@login_required
def confirm_import(upload_id):
    """Import your blog as previewed, under the name and into the groups you chose."""
    upload = _owned(upload_id)
    if not permissions.can_import_blog(current_user):
        abort(403)
    form, terms = _choices_form(upload, formdata=request.form)
    # Once imported, a confirmation sent again only hears so; until then, the choices count
    # (a retry after an interrupted run never falls back to the public handle).
    if upload.export is not None and not form.validate_on_submit():
        return _preview_page(upload, form, terms, status=400)
    mapping = {term.key: form[f"term_{i}"].data for i, term in enumerate(terms)
               if form[f"term_{i}"].data != NOT_MAPPED}
    try:
        done = blog_import.confirm(upload, current_user, mapping,
                                   form.name_choice.data == "pseudonym", utcnow())
    except Refusal as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return _preview_page(upload, form, terms, status=refused.status)
    if done is None:
        flash(_("This blog was already imported; here is what came in."))
    return redirect(url_for("posting.import_preview", upload_id=upload.public_id))


@bp.route("/settings/import/<public_id:upload_id>/cancel", methods=["POST"])
@login_required
def cancel_import(upload_id):
    """Forget an uploaded blog without importing it."""
    upload = _owned(upload_id)
    if not CancelImportForm().validate_on_submit():
        abort(400)
    if upload.imported_at is None:
        blog_import.cancel(upload)
        flash(_("Nothing was imported, and the copy of your export is deleted."))
    return redirect(url_for("posting.import_blog"))
