"""A member's bookmarks: keeping a story or a post, and the Bookmarks page."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..auth.service import safe_next
from ..clock import utcnow
from ..extensions import db
from ..models import Bookmark, Post, Story, Thread
from ..pagination import parse_after
from ..ratelimit import RateLimited
from . import service

bp = Blueprint("bookmarks", __name__)


def _back(default: str):
    return redirect(safe_next(request.form.get("next")) or default)


def _change(item, **target):
    """Keep (keep=1) or stop keeping (keep=0) `item`, with a word of what happened."""
    if not permissions.can_keep(current_user, item):
        abort(404)  # as for a story or post that does not exist
    try:
        if request.form.get("keep", "1") == "1":
            service.keep(current_user, now=utcnow(), **target)
            flash(_("Kept in your bookmarks. Only you can see them."), "success")
        else:
            service.drop(current_user, **target)
            flash(_("Removed from your bookmarks."))
    except RateLimited as limited:
        flash(str(limited), "warning")


@bp.route("/bookmarks")
@login_required
def index():
    """List what I kept, newest first."""
    page = service.page_of(current_user, parse_after(request.args.get("after")))
    return render_template("bookmarks/index.html", page=page)


@bp.route("/bookmarks/stories/<public_id:story_id>", methods=["POST"])
@login_required
def story(story_id):
    """Keep a story, or stop keeping it."""
    found = db.first_or_404(select(Story).where(Story.public_id == story_id))
    _change(found, story=found)
    return _back(url_for("stories.show", slug=found.slug))


@bp.route("/bookmarks/posts/<public_id:post_id>", methods=["POST"])
@login_required
def post(post_id):
    """Keep a post (the same button for every reader: keeping again changes nothing)."""
    found = db.first_or_404(select(Post).where(Post.public_id == post_id).options(
        joinedload(Post.thread).joinedload(Thread.board)))
    _change(found, post=found)
    return _back(url_for("threads.post", post_id=found.public_id))


@bp.route("/bookmarks/<public_id:bookmark_id>/remove", methods=["POST"])
@login_required
def remove(bookmark_id):
    """Remove one of my bookmarks; anyone else's is a 404, whoever asks."""
    bookmark = db.session.scalar(select(Bookmark).where(Bookmark.public_id == bookmark_id))
    if bookmark is None or not permissions.can_see_bookmark(current_user, bookmark):
        abort(404)
    try:
        service.remove(current_user, bookmark)
        flash(_("Removed from your bookmarks."))
    except RateLimited as limited:
        flash(str(limited), "warning")
    return _back(url_for("bookmarks.index"))
