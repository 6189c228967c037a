"""Reading boards and their discussion threads."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..extensions import db
from ..models import Board, Post, Story, Thread
from ..notifications.service import is_following
from ..pagination import paginate, parse_after
from .cache import rendered_tree
from .service import post_url

bp = Blueprint("threads", __name__)


@bp.route("/boards/")
def boards():
    """List the boards."""
    boards = db.session.scalars(select(Board).order_by(Board.position, Board.name)).all()
    return render_template("threads/boards.html", boards=boards)


@bp.route("/boards/<slug>")
def board(slug):
    """List a board's threads, pinned first, then by latest reply."""
    board = db.first_or_404(select(Board).where(Board.slug == slug))
    page = paginate(
        Thread.on_board(board.id).options(joinedload(Thread.handle)), Thread,
        [Thread.pinned, Thread.last_post_at, Thread.id], parse_after(request.args.get("after")),
        current_app.config["ITEMS_PER_PAGE"],
    )
    return render_template("threads/board.html", board=board, page=page)


@bp.route("/threads/<int(max=2147483647):thread_id>")
def show(thread_id):
    """Show a discussion thread and its replies."""
    thread = db.session.scalar(
        select(Thread).where(Thread.id == thread_id)
        .options(joinedload(Thread.board), joinedload(Thread.handle))
    )
    if thread is None or (thread.hidden and not permissions.can_see_hidden(current_user)):
        abort(404)
    if thread.board_id is None:
        # A story's comment section is read under its story.
        slug = db.session.scalar(select(Story.slug).where(Story.thread_id == thread.id))
        return redirect(url_for("stories.show", slug=slug, **request.args))
    tree = rendered_tree(thread, parse_after(request.args.get("after")), "threads.show",
                         thread_id=thread.id)
    return render_template("threads/show.html", thread=thread, tree=tree,
                           following=is_following(current_user, thread=thread))


@bp.route("/posts/<int(max=2147483647):post_id>")
def post(post_id):
    """Go to the page that shows one post, scrolled to it."""
    post = db.get_or_404(Post, post_id)
    if post.thread.hidden and not permissions.can_see_hidden(current_user):
        abort(404)
    return redirect(post_url(post))
