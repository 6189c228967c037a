"""Reading discussions: one page of a thread's post tree, and where a post lives."""
from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Post, Story, Thread
from ..pagination import Page, paginate


def post_page(thread: Thread, after: int | None) -> Page:
    """One page of `thread`'s posts in tree order, each with its handle, in one query."""
    stmt = Post.tree(thread.id).options(joinedload(Post.handle))
    return paginate(stmt, Post, [Post.path], after, current_app.config["POSTS_PER_PAGE"],
                    descending=False)


def post_url(post: Post, slug: str | None = None) -> str:
    """The address of the page that shows `post`, scrolled to it."""
    thread = post.thread
    before = db.session.scalar(
        select(func.count(Post.id)).where(Post.thread_id == thread.id, Post.path < post.path)
    )
    if thread.board_id is None:
        slug = slug or db.session.scalar(select(Story.slug).where(Story.thread_id == thread.id))
    return placed_url(post.id, thread.id, slug, page_start(thread.id, before))


def placed_url(post_id: int, thread_id: int, story_slug: str | None, after: int | None) -> str:
    """The page of a story (`story_slug`) or board thread starting after post `after`
    (None: the first page), scrolled to post `post_id`."""
    args = {"_anchor": f"p{post_id}"}
    if after is not None:
        args["after"] = after
    if story_slug is not None:
        return url_for("stories.show", slug=story_slug, **args)
    return url_for("threads.show", thread_id=thread_id, **args)


def page_start(thread_id: int, before: int) -> int | None:
    """The post after which the page showing a post with `before` posts ahead of it in
    reading order begins: the last post of the previous page (None: the first page)."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    if before < per_page:
        return None
    return db.session.scalar(
        select(Post.id).where(Post.thread_id == thread_id).order_by(Post.path)
        .offset(before - before % per_page - 1).limit(1)
    )
