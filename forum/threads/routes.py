"""Reading boards and their discussion threads."""
from functools import lru_cache

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..clock import utcnow
from ..extensions import db
from ..models import Board, Post, Thread
from ..notifications.service import follows_column, reader_id
from ..pagination import paginate, parse_after
from ..reading import service as reading
from . import service
from .tree import page_with_tree, rendered_tree

bp = Blueprint("threads", __name__)
bp.add_app_template_global(service.signed_by_moderator)


@bp.route("/boards/")
def boards():
    """List the boards, each with how many threads and posts it has and when it was last active."""
    rows = db.session.execute(service.boards_with_activity(current_user)).all()
    return render_template("threads/boards.html",
                           boards=[row for row in rows if not row[0].archived],
                           archived=[row for row in rows if row[0].archived])


@bp.route("/boards/<slug>")
def board(slug):
    """List a board's threads, pinned first, then by latest reply."""
    board = db.first_or_404(select(Board).where(Board.slug == slug))
    if not permissions.can_see_board(current_user, board):
        abort(404)
    page = paginate(
        Thread.on_board(board.id).options(joinedload(Thread.handle)), Thread,
        [Thread.pinned, Thread.last_post_at, Thread.id], parse_after(request.args.get("after")),
        current_app.config["ITEMS_PER_PAGE"],
    )
    new = reading.new_in(current_user, threads=[thread.public_id for thread in page.items])
    return render_template("threads/board.html", board=board, page=page, new=new)


def _readable(thread: Thread | None) -> Thread:
    """The thread if this reader may open it; otherwise the very 404 of a missing thread."""
    if thread is None or not permissions.can_read_thread(current_user, thread):
        abort(404)
    if thread.board is not None and not permissions.can_see_board(current_user, thread.board):
        abort(404)
    return thread


@lru_cache(maxsize=1)
def _thread_statement():
    """The thread page's statement, the same for every reader (who is bound as :reader):
    built once per process."""
    return (select(Thread, follows_column(thread_id=Thread.id))
            .where(Thread.public_id == bindparam("thread_id"))
            .options(joinedload(Thread.board), joinedload(Thread.handle)))


@bp.route("/threads/<public_id:thread_id>")
def show(thread_id):
    """Show a discussion thread and its replies."""
    # Whether the reader follows it comes in the same statement (always false for a visitor).
    found = db.session.execute(_thread_statement(),
                               {"thread_id": thread_id, "reader": reader_id(current_user)}).first()
    thread = _readable(found[0] if found else None)
    if thread.is_story:
        # A story's comment section is read under its story.
        return redirect(url_for("stories.show", slug=thread.story.slug, **request.args))
    raw_after = request.args.get("after")
    if old := service.legacy_page_url(thread, raw_after, "threads.show", thread_id=thread_id):
        return redirect(old, 301)
    marks = reading.for_page(current_user, thread)  # None unless the reader keeps marks
    tree = rendered_tree(thread, parse_after(raw_after), "threads.show",
                         shown=marks.shown if marks else None, thread_id=thread_id)
    response = page_with_tree("threads/show.html", tree, thread=thread, following=found[1],
                              read_marks=marks)
    reading.record(marks, utcnow())
    return response


@bp.route("/posts/<public_id:post_id>")
def post(post_id):
    """Go to the page that shows one post, scrolled to it."""
    post = db.first_or_404(select(Post).where(Post.public_id == post_id))
    _readable(post.thread)
    if post.is_held and not permissions.owns(current_user, post.handle):
        abort(404)
    return redirect(service.post_url(post))


# --- addresses of before public ids: kept for what existed then, and nothing since ----------

@bp.route("/threads/<int:row_id>")
def legacy_show(row_id):
    """Send an old thread address (/threads/123) to the same thread's address today."""
    thread = _readable(service.legacy_thread(row_id))
    url = service.legacy_page_url(thread, request.args.get("after"), "threads.show",
                                  thread_id=thread.public_id)
    return redirect(url or url_for("threads.show", thread_id=thread.public_id), 301)


@bp.route("/posts/<int:row_id>")
def legacy_post(row_id):
    """Send an old post address (/posts/123) to the same post's address today."""
    post = service.legacy_post(row_id)
    _readable(post.thread)
    return redirect(url_for("threads.post", post_id=post.public_id), 301)
