"""Ignoring a name from one of its posts, and the list of ignored names in Settings."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import permissions
from ..clock import utcnow
from ..extensions import db
from ..models import Post
from ..threads.service import post_url
from . import ignoring
from .routes import bp


@bp.route("/posts/<public_id:post_id>/ignore", methods=["GET", "POST"])
@login_required
def ignore_name(post_id):
    """Ask, then ignore the name this post is signed with, and go back to where it was.

    "Ignore" under a post is a link to this question, not a form of its own: the page says
    what ignoring does before anything happens, a slip of the thumb on a phone changes
    nothing, and a member's thread page carries no form per post (a 100-post page was 30 KB
    of them, each with its own copy of the CSRF token)."""
    post = db.first_or_404(select(Post).where(Post.public_id == post_id))
    # The very 404 of a missing post wherever the reader cannot see the name: a board or a
    # discussion they may not open, a post waiting for review, removed or deleted.
    if not permissions.can_ignore_name(current_user, post):
        abort(404)
    if request.method == "GET":
        own = post.handle.user_id == current_user.id
        return render_template("profiles/ignore.html", post=post, own=own,
                               back=post_url(post))
    try:
        ignoring.ignore(current_user, post.handle, utcnow())
    except ignoring.IgnoreError as error:
        flash(error.message, "error")
    else:
        flash(_("You are ignoring %(name)s: their posts fold away for you, and they send you "
                "no notifications. Settings › Ignored names undoes it.", name=post.handle.name))
    return redirect(post_url(post))


@bp.route("/settings/ignored")
@login_required
def ignored():
    """The names this member ignores, each with a way to stop."""
    return render_template("profiles/ignored.html", ignored=ignoring.ignored_list(current_user))


@bp.route("/settings/ignored/<int:ignore_id>/remove", methods=["POST"])
@login_required
def stop_ignoring(ignore_id):
    handle = ignoring.stop_ignoring(current_user, ignore_id)
    if handle is None:
        abort(404)
    flash(_("You are no longer ignoring %(name)s.", name=handle.name))
    return redirect(url_for("profiles.ignored"))
