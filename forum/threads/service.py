"""Reading discussions: one page of a thread's post tree, where a post lives, old addresses."""
from flask import current_app, url_for

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..extensions import db
from ..models import HELD, PUBLIC, Board, Handle, Post, Thread
from ..pagination import Page, paginate, parse_id


def boards_with_activity(user):
    """The boards `user` may read, each with its number of threads and posts and its last
    activity (None: no thread yet), as rows (board, threads, posts, last_post_at): one
    statement for all boards. Counted are the threads on the board's own page, which leaves
    out hidden ones and new ones waiting for a moderator; a thread's post_count counts only
    published posts."""
    activity = (
        select(Thread.board_id, func.count(Thread.id).label("threads"),
               func.sum(Thread.post_count).label("posts"),
               func.max(Thread.last_post_at).label("last_post_at"))
        .where(Thread.board_id.is_not(None), Thread.hidden.is_(False))
        .group_by(Thread.board_id).subquery()
    )
    return (select(Board, func.coalesce(activity.c.threads, 0), func.coalesce(activity.c.posts, 0),
                   activity.c.last_post_at)
            .outerjoin(activity, activity.c.board_id == Board.id)
            .where(Board.id.in_(permissions.visible_board_ids(user)))
            .order_by(Board.position, Board.name))


def signed_by_moderator(handle: Handle) -> bool:
    """Tell whether a post's name is a moderator's own public handle: marked "Moderator".
    A pseudonym (anonymous handle) is never marked, whoever is behind it: the mark would
    tell readers that a moderator wrote it."""
    return (handle.kind == PUBLIC and handle.user is not None
            and handle.user.is_moderator)


def seen_by(user_id: int | None):
    """The condition on posts that `user_id` (None: a visitor) may see in a tree: all but
    those waiting for a moderator or not approved, which only their own writer sees."""
    seen = Post.state.not_in(HELD)
    if user_id is None:
        return seen
    return or_(seen, Post.handle_id.in_(select(Handle.id).where(Handle.user_id == user_id)))


def post_page(thread: Thread, after: str | None, user_id: int | None = None) -> Page:
    """One page of `thread`'s posts in tree order, each with its handle, in one query:
    what everyone sees, and what `user_id` wrote that waits for a moderator."""
    # The handle's account comes in the same query, for the "Moderator" mark on a moderator's
    # public handle (signed_by_moderator); nothing else of it is shown.
    stmt = Post.tree(thread.id).where(seen_by(user_id)).options(
        joinedload(Post.handle).joinedload(Handle.user))
    return paginate(stmt, Post, [Post.path], after, current_app.config["POSTS_PER_PAGE"],
                    descending=False)


def post_url(post: Post, slug: str | None = None) -> str:
    """The address of the page that shows `post`, scrolled to it."""
    thread = post.thread
    before = db.session.scalar(
        select(func.count(Post.id)).where(Post.thread_id == thread.id, Post.path < post.path,
                                          Post.state.not_in(HELD))
    )
    if thread.is_story:
        slug = slug or thread.story.slug
    return placed_url(post.public_id, thread.public_id, slug, page_start(thread.id, before))


def placed_url(post: str, thread: str, story_slug: str | None, after: str | None) -> str:
    """The page of a story (`story_slug`) or board thread (public id `thread`) starting after
    the post whose public id is `after` (None: the first page), scrolled to post `post`."""
    args = {"_anchor": f"p{post}"}
    if after is not None:
        args["after"] = after
    if story_slug is not None:
        return url_for("stories.show", slug=story_slug, **args)
    return url_for("threads.show", thread_id=thread, **args)


def page_start(thread_id: int, before: int) -> str | None:
    """The post after which the page showing a post with `before` posts ahead of it in
    reading order begins: the last post of the previous page, by its public id (None: the
    first page)."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    if before < per_page:
        return None
    return db.session.scalar(
        select(Post.public_id).where(Post.thread_id == thread_id, Post.state.not_in(HELD))
        .order_by(Post.path)
        .offset(before - before % per_page - 1).limit(1)
    )


# --- the addresses of before public ids ----------------------------------------------------

def legacy_thread(row_id: int) -> Thread:
    """The thread an old address (/threads/123) named, if it existed before public ids."""
    return db.first_or_404(select(Thread).where(Thread.id == row_id,
                                                Thread.has_legacy_url.is_(True)))


def legacy_post(row_id: int) -> Post:
    """The post an old address (/posts/123) named, if it existed before public ids."""
    return db.first_or_404(select(Post).where(Post.id == row_id, Post.has_legacy_url.is_(True)))


def legacy_cursor(thread: Thread, raw: str) -> str:
    """The public id for an old page cursor (?after=123) of `thread`: the same post, if it
    existed before public ids and is in this thread; otherwise 404."""
    return db.first_or_404(select(Post.public_id).where(
        Post.id == parse_id(raw), Post.thread_id == thread.id, Post.has_legacy_url.is_(True)))


def legacy_page_url(thread: Thread, raw_after: str | None, endpoint: str, **url_args) -> str | None:
    """Where a page link of before public ids (?after=123, as copied from the address bar)
    now points, or None when `raw_after` is not such a link."""
    if not raw_after or not (raw_after.isascii() and raw_after.isdigit()):
        return None
    return url_for(endpoint, after=legacy_cursor(thread, raw_after), **url_args)
