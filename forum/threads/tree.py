"""A page of a thread's post tree as HTML: what the thread and story pages show under their
heading, from the visitors' copy (cache.py) when there is one still true."""
from flask import current_app, render_template
from flask_login import current_user
from markupsafe import Markup

from ..models import Thread
from ..profiles.ignoring import ignored_ids
from . import cache
from .service import post_page


def rendered_tree(thread: Thread, after: str | None, endpoint: str, **url_args) -> Markup:
    """One page of `thread`'s posts as HTML, with the link to the next page.

    `endpoint` and `url_args` address the page the tree sits on (a story or a thread)."""
    visitors: cache.TreeCache = current_app.extensions["tree_cache"]
    key = None
    if not current_user.is_authenticated and visitors.max_chars:
        key = (thread.id, thread.revision, thread.post_count, after, endpoint,
               tuple(sorted(url_args.items())))
        html = visitors.get(key)
        if html is not None:
            return html
    # Whatever a member wrote that waits for a moderator shows in their copy alone: the
    # visitors' copy is built without any (key is None for every member).
    posts = post_page(thread, after, current_user.id if key is None and
                      current_user.is_authenticated else None)
    # The names this member ignores fold away in their copy (visitors ignore no one).
    ignored = ignored_ids(current_user) if key is None else frozenset()
    # Autoescaped template output (user text in it went through forum/text.py): already safe.
    html = Markup(render_template("_post_page.html", thread=thread, posts=posts,  # nosec B704
                                  endpoint=endpoint, url_args=url_args, ignored=ignored))
    if key is not None:
        visitors.put(key, html)
    return html
