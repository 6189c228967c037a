"""Searching: one page that finds stories, threads and posts by the words in them."""
from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..groups import service as group_service
from . import kept
from .index import POST, STORY, THREAD
from .query import KINDS, MAX_QUERY_CHARS, BadCursor
from .results import group_options

bp = Blueprint("search", __name__)

# The kinds a reader may narrow a search to (the `kind` argument), in the order offered: the
# kind, its name in the form, and the words the result count adds ("3 results for “x” among
# stories"), a phrase of its own so that no language has to lower-case a name.
KIND_CHOICES = {
    "stories": (STORY, _l("Stories"), _l("among stories")),
    "threads": (THREAD, _l("Board threads"), _l("among board threads")),
    "posts": (POST, _l("Posts and comments"), _l("among posts and comments")),
}


@bp.route("/search")
def index():
    """Find published stories, board threads and posts by their words, best matches first;
    a reader may keep to one kind, or to one group's stories and their comments."""
    query = request.args.get("q", "")[:MAX_QUERY_CHARS]
    # An unknown kind or group narrows nothing (the form offers only the known ones).
    kind = request.args.get("kind", "")
    kind = kind if kind in KIND_CHOICES else ""
    after = request.args.get("after")
    try:
        page = kept.search_page(query, kind, frozenset({KIND_CHOICES[kind][0]}) if kind else KINDS,
                                request.args.get("group") or "", after,
                                current_app.config["ITEMS_PER_PAGE"], current_user)
    except BadCursor:
        abort(404)
    chosen = page.group
    response = current_app.make_response(render_template(
        "search/index.html", query=query, results=page.results, kind=kind, kinds=KIND_CHOICES,
        group=chosen.slug if chosen else "", group_name=chosen.name if chosen else None,
        all_groups=bool(page.groups),
        group_options=group_options(page.groups, chosen.slug if chosen else ""),
        groups=[] if after else group_service.matching(query, page.other_names)))
    # Result pages repeat people's words out of context: no search engine should keep them.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
