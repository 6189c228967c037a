"""Writing in threads: new board threads, replies, edits, deletions, reports, closing comments."""
from functools import lru_cache

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from .. import permissions, site_settings, submission_keys
from ..clock import utcnow
from ..extensions import db
from ..i18n import language
from ..models import PUBLISHED, Board, Post, Story, Thread
from ..pagination import parse_public_id
from ..threads.service import placed_url, post_url
from . import refusals, replies, reports, restrictions, review, stories
from .forms import (
    PREVIEW, CloseCommentsForm, ConfirmForm, EditPostForm, ReplyForm, ReportForm, ThreadForm,
    action,
)
from .once import arrived_twice, post_result, replayed

bp = Blueprint("posting", __name__)
# A second arrival of a form that meets the first one storing its post or story.
bp.register_error_handler(IntegrityError, arrived_twice)
bp.register_error_handler(OperationalError, arrived_twice)


def _preview(template, **context):
    """The form again with the text rendered exactly as it will be published; nothing stored."""
    try:
        preview = refusals.preview(current_user, context["form"].body.data, utcnow())
    except refusals.PostingError as error:
        return _refused(template, error, **context)
    return render_template(template, preview=preview, **context)


def _refused(template, error: refusals.PostingError, **context):
    """Show the form again with the writer's text and why it was refused."""
    headers = {} if error.retry_after is None else {"Retry-After": str(error.retry_after)}
    return render_template(template, refusal=error.message, refusal_kind=refusals.kind(error),
                           **context), error.status, headers


@bp.route("/boards/<slug>/new", methods=["GET", "POST"])
@login_required
def new_thread(slug):
    """Start a discussion on a board."""
    board = _seen(db.first_or_404(select(Board).where(Board.slug == slug)))
    if request.method == "POST" and (first := replayed("thread")):
        return first  # this form started its thread already
    # Written, unless the writer says otherwise, in the language their pages are in.
    form = ThreadForm(anonymous=current_user.anonymous_by_default, language=language())
    if form.validate_on_submit() and action() == PREVIEW:
        return _preview("posting/thread_form.html", form=form, board=board)
    if form.validate_on_submit():
        try:
            refusals.check_gates(current_user, form.gates_tripped(utcnow()), utcnow())
            thread = replies.create_thread(current_user, board, title=form.title.data,
                                           body=form.body.data, anonymous=form.anonymous.data,
                                           now=utcnow(), once=submission_keys.sent_digest(),
                                           language=form.language.data or language())
        except refusals.PostingError as error:
            return _refused("posting/thread_form.html", error, form=form, board=board)
        if thread.is_waiting:
            flash(str(review.WAITING))
        return redirect(url_for("threads.show", thread_id=thread.public_id))
    return render_template("posting/thread_form.html", form=form, board=board), 400 if form.errors else 200


def _parent(thread: Thread, raw: str | None) -> Post | None:
    """The post being answered, by its public id, if it is in `thread`; else 404."""
    if not raw:
        return None
    return db.first_or_404(
        select(Post).where(Post.public_id == parse_public_id(raw), Post.thread_id == thread.id)
        .options(joinedload(Post.handle)))


def _seen(board: Board | None) -> Board | None:
    """A board the writer may read, or 404 exactly as for a board that does not exist."""
    if board is not None and not permissions.can_see_board(current_user, board):
        abort(404)
    return board


def _post(public_id: str) -> Post:
    post = db.first_or_404(select(Post).where(Post.public_id == public_id))
    _seen(post.thread.board)
    return post


@lru_cache(maxsize=8)
def _thread_with_settings(dialect: str, posting: bool) -> Select:
    """The thread by its public id (`thread`), its board, the site's settings, and the post
    this form made already (`once`: the digest of its one-time key, forum/submission_keys.py;
    NULL matches none): built once per database kind (the settings' column is written for
    each). `posting` on PostgreSQL: it also sets replies.KEEP_PLANS for the transaction."""
    made = (select(Post.public_id).where(Post.submission_key == bindparam("once"))
            .scalar_subquery())
    keep = [replies.KEEP_PLANS] if posting and dialect == "postgresql" else []
    return (select(Thread, site_settings.rows_column(), made, *keep)
            .where(Thread.public_id == bindparam("thread")).options(joinedload(Thread.board)))


@bp.route("/threads/<public_id:thread_id>/reply", methods=["GET", "POST"])
@login_required
def reply(thread_id):
    """Comment on a story or reply in a thread, optionally to one post."""
    # With its board, in the same query: who may read it decides whether it exists. And the
    # site's settings, which the checks on a new post read (no statement of their own). And
    # whether this form was posted already: the same statement.
    once = submission_keys.sent_digest()
    posting = request.method == "POST"
    found = db.session.execute(
        _thread_with_settings(db.session.get_bind().dialect.name, posting),
        {"thread": thread_id, "once": once}).first()
    if found is None:
        abort(404)
    thread, settings, made = found[:3]
    if made is not None:  # a second arrival: the first one's page (if the same words)
        if (first := post_result(made)) is not None:
            return first
        once = None
    site_settings.prime(settings)
    _seen(thread.board)
    form = ReplyForm(anonymous=current_user.anonymous_by_default, parent_id=request.args.get("to"))
    parent = _parent(thread, form.parent_id.data)
    context = {"form": form, "thread": thread, "parent": parent}
    if request.method == "GET" and (not thread.accepts_replies() or thread.is_waiting
                                    or restrictions.is_barred(current_user, thread)):
        # Said before anyone writes a word, not after they have sent it: to someone the
        # story's author barred too, in the same words whichever of their names they use.
        return render_template("posting/reply_form.html", closed=True, **context), 403
    valid = form.validate_on_submit()  # once: the busiest form on the site
    if valid and action() == PREVIEW:
        return _preview("posting/reply_form.html", **context)
    if valid:
        # The account itself, not the proxy: the posting path reads it some forty times.
        author = current_user._get_current_object()
        try:
            refusals.check_gates(author, form.gates_tripped(utcnow()), utcnow())
            placed = replies.reply(author, thread, parent, form.body.data,
                                   anonymous=form.anonymous.data, now=utcnow(), once=once,
                                   plans_kept=posting)
        except refusals.PostingError as error:
            return _refused("posting/reply_form.html", error, **context)
        if placed.held:
            flash(str(review.WAITING))
        return redirect(placed_url(placed.post_public_id, placed.thread_public_id,
                                   placed.story_slug, placed.after))
    return render_template("posting/reply_form.html", **context), 400 if form.errors else 200


@bp.route("/posts/<public_id:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id):
    """Change a post you wrote."""
    post = _post(post_id)
    form = EditPostForm(obj=None if request.method == "POST" else post)
    if form.validate_on_submit() and action() == PREVIEW:
        return _preview("posting/edit_post.html", form=form, post=post)
    if form.validate_on_submit():
        try:
            replies.edit_post(current_user, post, form.body.data, now=utcnow())
        except refusals.PostingError as error:
            return _refused("posting/edit_post.html", error, form=form, post=post)
        flash(_("Your changes are saved."))
        return redirect(post_url(post))
    if not permissions.can_edit_post(current_user, post):
        abort(403)
    return render_template("posting/edit_post.html", form=form, post=post), 400 if form.errors else 200


@bp.route("/posts/<public_id:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete_post(post_id):
    """Delete a post you wrote, once you have said yes; replies to it stay in place."""
    post = _post(post_id)
    if not permissions.can_delete_post(current_user, post):
        abort(403)
    form = ConfirmForm()
    # One click on "Delete" (a form without the confirmation, or a link) asks first.
    if not (form.validate_on_submit() and request.form.get("confirm") == "yes"):
        return render_template("posting/delete_post.html", post=post, form=form,
                               minutes=replies.UNDO_WINDOW.seconds // 60)
    try:
        replies.delete_post(current_user, post, now=utcnow())
    except refusals.PostingError as error:
        abort(error.status)
    return redirect(url_for("posting.deleted_post", post_id=post.public_id))


@bp.route("/posts/<public_id:post_id>/deleted")
@login_required
def deleted_post(post_id):
    """Tell the author their post is deleted, with the button that undoes it while it can."""
    post = _post(post_id)
    if not (post.is_deleted and permissions.owns(current_user, post.handle)):
        abort(404)  # for anyone else, this page does not exist
    now = utcnow()
    until = replies.undo_until(current_user, post, now)
    if until is None:
        replies.forget_old_deletions()  # the page says the text is gone: make it so now
    return render_template("posting/deleted_post.html", post=post, form=ConfirmForm(),
                           back=post_url(post), until=until,
                           minutes_left=until and max(1, round((until - now).seconds / 60)))


@bp.route("/posts/<public_id:post_id>/undo-delete", methods=["POST"])
@login_required
def undo_delete(post_id):
    """Bring back the post you deleted a moment ago, exactly as it was."""
    post = _post(post_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        replies.undo_delete(current_user, post, now=utcnow())
    except refusals.TooLateToUndo as error:
        return render_template("posting/deleted_post.html", post=post, form=form,
                               back=post_url(post), until=None, refusal=error.message), 410
    except refusals.PostingError as error:
        abort(error.status)
    flash(_("Your post is back, as it was."))
    return redirect(post_url(post))


# --- reports, and authors closing their own comments ------------------------------------

def _report(target: dict, back: str):
    """The report form for one post or story (`target`: {"post": ...} or {"story": ...})."""
    form = ReportForm()
    context = {"form": form, "back": back, **target}
    if form.validate_on_submit():
        try:
            reports.report(current_user, reason=form.reason.data, details=form.details.data or "",
                           now=utcnow(), **target)
        except refusals.AlreadyReported as error:
            flash(error.message, "warning")
            return redirect(back)
        except refusals.PostingError as error:
            return _refused("posting/report_form.html", error, **context)
        item = target.get("post") or target.get("story")
        if item.is_hidden:  # the outing fast path took it down at once
            flash(_("Thank you. It is hidden from everyone until a moderator reviews it; "
                    "nobody else learns who reported it."))
            return redirect(back if "post" in target else url_for("pages.home"))
        flash(_("Thank you. A moderator will look at it; nobody else learns who reported it."))
        return redirect(back)
    return render_template("posting/report_form.html", **context), 400 if form.errors else 200


@bp.route("/posts/<public_id:post_id>/report", methods=["GET", "POST"])
@login_required
def report_post(post_id):
    """Ask the moderators to look at a post, saying what is wrong with it."""
    post = _post(post_id)
    if not permissions.can_read_thread(current_user, post.thread) or (
            post.is_held and not permissions.owns(current_user, post.handle)):
        abort(404)
    return _report({"post": post}, post_url(post))


@bp.route("/stories/<slug>/report", methods=["GET", "POST"])
@login_required
def report_story(slug):
    """Ask the moderators to look at a story, saying what is wrong with it."""
    story = db.first_or_404(select(Story).where(Story.slug == slug, Story.state == PUBLISHED))
    return _report({"story": story}, url_for("stories.show", slug=story.slug))


@bp.route("/stories/<slug>/close-comments", methods=["POST"])
@login_required
def close_comments(slug):
    """Close the comments on your story, with an optional reason shown to readers."""
    story = db.first_or_404(select(Story).where(Story.slug == slug))
    form = CloseCommentsForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        stories.close_comments(current_user, story, reason=form.reason.data or "", now=utcnow())
    except refusals.PostingError as error:
        flash(error.message, refusals.kind(error))  # shown on the error page, which says nothing more specific
        abort(error.status)
    flash(_("Comments on your story are closed."))
    return redirect(url_for("stories.show", slug=story.slug))


@bp.route("/stories/<slug>/reopen-comments", methods=["POST"])
@login_required
def reopen_comments(slug):
    """Reopen the comments you closed on your story."""
    story = db.first_or_404(select(Story).where(Story.slug == slug))
    try:
        stories.reopen_comments(current_user, story, now=utcnow())
    except refusals.PostingError as error:
        flash(error.message, refusals.kind(error))  # shown on the error page, which says nothing more specific
        abort(error.status)
    flash(_("Comments on your story are open again."))
    return redirect(url_for("stories.show", slug=story.slug))
