"""Writing a testimony: the editor, preview, drafts, autosave and the author's history."""
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from .. import permissions, submission_keys, text
from ..clock import utcnow
from ..extensions import db
from ..groups import service as group_service
from ..i18n import language
from ..models import DRAFT, Story, StoryRevision
from ..pagination import parse_public_id
from . import refusals, restrictions, review, stories
from .forms import DRAFT as SAVE_DRAFT
from .forms import PREVIEW, StoryEditForm, StoryForm, action
from .once import replayed
from .routes import bp


def _story_form(form_class, story=None, **kw):
    """The story form, its group boxes the accepted groups and the story's own proposals
    (shown nowhere else until a moderator accepts them, but still the writer's choice)."""
    form = form_class(**kw)
    form.groups.choices = [SelectChoice(g.name) for g in group_service.accepted()] + [
        SelectChoice(g.name, _("%(group)s (proposed)", group=g.name))
        for g in (story.groups if story is not None else []) if not g.is_accepted]
    return form


def _fields(form) -> dict:
    return {"title": form.title.data or "", "summary": form.summary.data or "",
            "body": form.body.data or "", "warnings": form.warning_values(),
            "group_names": form.group_names(), "noindex": form.noindex.data,
            # None (left out of the form) keeps the story's language as it is.
            "language": form.language.data or None}


def _own_story(slug: str, private: bool = False) -> Story:
    """The signed-in author's story at `slug`.

    Others get 403 for a published story, and the 404 of a missing story for a draft or,
    with `private`, for anything: edit histories can unmask an author, so for anyone else
    they do not exist.
    """
    story = db.first_or_404(select(Story).where(Story.slug == slug))
    if not permissions.owns(current_user, story.handle):
        abort(404 if private or not story.is_published else 403)
    return story


def _own_draft(raw: str | None) -> Story | None:
    if not raw:
        return None
    story = db.session.scalar(select(Story).where(Story.public_id == parse_public_id(raw)))
    if story is None or story.state != DRAFT or not permissions.owns(current_user, story.handle):
        abort(404)
    return story


def _editor(form, story, status=200, **context):
    # The Write page leads to the writer's drafts (one count, on this page only).
    drafts = stories.draft_count(current_user) if story is None else 0
    return render_template(
        "posting/story_form.html", form=form, story=story, draft_count=drafts,
        autosave_seconds=current_app.config["AUTOSAVE_SECONDS"], **context,
    ), status, ({"Retry-After": str(context["retry_after"])} if "retry_after" in context else {})


def _save(form, story: Story | None):
    """Carry out the button the writer pressed; on refusal their text comes straight back."""
    fields, now = _fields(form), utcnow()
    anonymous = form.anonymous.data if form.anonymous else None
    try:
        if action() == PREVIEW:
            # The same function renders the published story, so the preview is exactly it.
            shown = refusals.preview(current_user, fields["body"], now, story=True)
            return _editor(form, story, preview=shown)
        # The new-story form's one-time key goes with what it creates (or publishes); an edit
        # page's is kept by forum/submission_keys.py itself.
        once = submission_keys.sent_digest() if request.endpoint == "posting.new_story" else None
        if action() == SAVE_DRAFT:
            story = stories.save_draft(current_user, story, anonymous=bool(anonymous), now=now,
                                       once=once, **fields)
            flash(_("Your draft is saved. Only you can see it."))
            return redirect(url_for("posting.edit_story", slug=story.slug))
        if story is None or story.state == DRAFT:
            refusals.check_gates(current_user, form.gates_tripped(now), now)
        if story is None:
            story = stories.create_story(current_user, anonymous=bool(anonymous), now=now,
                                         once=once, **fields)
        elif story.state == DRAFT:
            story = stories.publish_draft(current_user, story, anonymous=anonymous, now=now,
                                          once=once, **fields)
        else:
            stories.update_story(current_user, story, now=now, **fields)
    except refusals.PostingError as error:
        extra = {} if error.retry_after is None else {"retry_after": error.retry_after}
        return _editor(form, story, error.status, refusal=error.message,
                       refusal_kind=refusals.kind(error), **extra)
    flash(_("Your changes are saved.") if story.edited_at
          else str(review.WAITING) if story.is_waiting else _("Your story is published."))
    return redirect(url_for("stories.show", slug=story.slug))


@bp.route("/stories/new", methods=["GET", "POST"])
@login_required
def new_story():
    """Write a testimony: preview it, keep it as a draft, or publish it."""
    if request.method == "POST" and (first := replayed("story")):
        return first  # this form made its story (or draft) already
    # Written, unless the writer says otherwise, in the language their pages are in.
    form = _story_form(StoryForm, anonymous=current_user.anonymous_by_default,
                       language=language())
    if not form.validate_on_submit():
        return _editor(form, None, 400 if form.errors else 200)
    return _save(form, _own_draft(form.draft_id.data))


@bp.route("/stories/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit_story(slug):
    """Change a story or a draft you wrote."""
    story = _own_story(slug)
    form = _story_form(StoryEditForm, story, obj=None if request.method == "POST" else story)
    if request.method == "GET":
        known = {choice.value for choice in form.warnings.choices}
        form.warnings.data = [w for w in story.warning_keys if w in known]
        form.other_warning.data = ", ".join(w for w in story.warning_keys if w not in known)
        form.groups.data = [g.name for g in story.groups]
        form.draft_id.data = story.public_id if story.state == DRAFT else ""
    if not form.validate_on_submit():
        return _editor(form, story, 400 if form.errors else 200)
    return _save(form, story)


@bp.route("/stories/autosave", methods=["POST"])
@login_required
def autosave():
    """Keep the editor's text in the writer's server draft (called by the editor's script)."""
    form = _story_form(StoryForm)
    if not form.validate():
        # str(): a validator's message is a lazy string, which JSON does not take.
        return jsonify(ok=False, message=_("Not saved: %(reasons)s", reasons="; ".join(
            str(e) for errors in form.errors.values() for e in errors))), 400
    story = _own_draft(form.draft_id.data)
    try:
        story = stories.save_draft(current_user, story, anonymous=form.anonymous.data,
                                   now=utcnow(), **_fields(form))
    except refusals.PostingError as error:
        retry = error.retry_after
        return (jsonify(ok=False, message=str(error.message), retry_after=retry), error.status,
                {"Retry-After": str(retry)} if retry else {})
    return jsonify(ok=True, draft_id=story.public_id,
                   edit_url=url_for("posting.edit_story", slug=story.slug))


@bp.route("/stories/drafts")
@login_required
def drafts():
    """List my unpublished drafts, the one I worked on last first."""
    drafts = db.session.scalars(stories.drafts_of(current_user)).all()
    return render_template("posting/drafts.html", stories=drafts)


@bp.route("/stories/<slug>/delete-draft", methods=["POST"])
@login_required
def delete_draft(slug):
    """Delete one of my drafts for good."""
    story = _own_story(slug, private=True)
    try:
        stories.delete_draft(current_user, story)
    except refusals.PostingError:
        abort(404)  # published since: not a draft any more
    flash(_("Your draft is deleted."))
    return redirect(url_for("posting.drafts"))


@bp.route("/stories/<slug>/history")
@login_required
def history(slug):
    """List the earlier versions of my story (only I can see them)."""
    story = _own_story(slug, private=True)
    revisions = db.session.scalars(
        select(StoryRevision).where(StoryRevision.story_id == story.id)
        .order_by(StoryRevision.id.desc())
    ).all()
    return render_template("posting/history.html", story=story, revisions=revisions)


def _revision(story: Story, revision_id: str) -> StoryRevision:
    return db.first_or_404(select(StoryRevision).where(
        StoryRevision.public_id == revision_id, StoryRevision.story_id == story.id))


@bp.route("/stories/<slug>/history/<public_id:revision_id>")
@login_required
def revision(slug, revision_id):
    """Read one earlier version of my story."""
    story = _own_story(slug, private=True)
    revision = _revision(story, revision_id)
    # Kept with the revision when it was made; one older than that is shown as plain text.
    body_html = revision.body_html or text.plain_html(revision.body)
    return render_template("posting/revision.html", story=story, revision=revision,
                           body_html=body_html)


@bp.route("/stories/<slug>/history/<public_id:revision_id>/restore", methods=["POST"])
@login_required
def restore(slug, revision_id):
    """Make an earlier version my story's text again."""
    story = _own_story(slug, private=True)
    try:
        stories.restore_revision(current_user, story, _revision(story, revision_id), utcnow())
    except refusals.PostingError as error:
        flash(error.message, refusals.kind(error))
        return redirect(url_for("posting.history", slug=story.slug))
    flash(_("That version is your story's text again; the one it replaced is kept in the "
            "history."))
    return redirect(url_for("stories.show", slug=story.slug))


@bp.route("/stories/<slug>/history/purge", methods=["POST"])
@login_required
def purge(slug):
    """Delete every earlier version of my story for good."""
    story = _own_story(slug, private=True)
    count = stories.purge_revisions(current_user, story)
    flash(ngettext("%(num)d earlier version deleted for good.",
                   "%(num)d earlier versions deleted for good.", count))
    return redirect(url_for("posting.history", slug=story.slug))


# --- names barred from a story ------------------------------------------------------------

bp.add_app_template_global(restrictions.is_barred, "barred_from_comments")


def _barred_page(story: Story, refusal: str | None = None, status: int = 200, chosen: str = ""):
    return render_template(
        "posting/barred.html", story=story, refusal=refusal, chosen=chosen,
        barred=restrictions.barred_names(story),
        commenters=restrictions.commenters(story, current_user)), status


@bp.route("/stories/<slug>/barred", methods=["GET", "POST"])
@login_required
def barred(slug):
    """The names the author barred from commenting under their story, and barring another."""
    story = _own_story(slug)
    if request.method == "GET":
        return _barred_page(story)
    name = request.form.get("name", "")
    try:
        handle = restrictions.bar(current_user, story, name, utcnow()).handle
    except refusals.NotAllowed:
        abort(403)
    except refusals.PostingError as error:
        return _barred_page(story, error.message, error.status, chosen=name)
    flash(_("%(name)s can no longer comment under your story, under any name.",
            name=handle.name))
    return redirect(url_for("posting.barred", slug=story.slug))


@bp.route("/stories/<slug>/barred/<int:restriction_id>/lift", methods=["POST"])
@login_required
def lift_bar(slug, restriction_id):
    """Let a barred name comment under the story again."""
    story = _own_story(slug)
    try:
        handle = restrictions.lift(current_user, story, restriction_id)
    except refusals.NotAllowed:
        abort(403)
    except refusals.PostingError as error:
        return _barred_page(story, error.message, error.status)
    # Not "may comment again": another barred name may share the account, and saying
    # either way would tell the author so.
    flash(_("%(name)s is off your list of barred names.", name=handle.name))
    return redirect(url_for("posting.barred", slug=story.slug))
