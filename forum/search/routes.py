"""Searching: one page that finds stories, threads and posts by the words in them."""
import sys

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup

from ..groups import service as group_service
from . import kept
from .index import POST, STORY, THREAD
from .query import KINDS, MAX_QUERY_CHARS, BadCursor, parse_cursor, terms
from .results import cache as search_cache
from .results import search

bp = Blueprint("search", __name__)

# The kinds a reader may narrow a search to (the `kind` argument), in the order offered.
KIND_CHOICES = {"stories": (STORY, "Stories"), "threads": (THREAD, "Board threads"),
                "posts": (POST, "Posts and comments")}


def _group_options(groups, chosen: str) -> Markup:
    """The form's group choices as HTML, kept (SEARCH_CACHE_BYTES) by the groups and the chosen
    one: with a few hundred groups, rendering them was a third of a search page's time."""
    if not groups:
        return Markup("")
    pairs = tuple((g.slug, g.name) for g in groups)
    cache, key = search_cache(), ("options", pairs, chosen)
    html = cache.get(key) if cache is not None else None
    if html is None:
        html = render_template("search/_group_options.html", all_groups=pairs, group=chosen)
        if cache is not None:
            cache.put(key, html, sys.getsizeof(html) + sum(
                sys.getsizeof(slug) + sys.getsizeof(name) + 64 for slug, name in pairs))
    return Markup(html)  # nosec B704: rendered by the template, which escaped it


@bp.route("/search")
def index():
    """Find published stories, board threads and posts by their words, best matches first;
    a reader may keep to one kind, or to one group's stories and their comments."""
    query = request.args.get("q", "")[:MAX_QUERY_CHARS]
    # An unknown kind or group narrows nothing (the form offers only the known ones).
    kind = request.args.get("kind", "")
    kind = kind if kind in KIND_CHOICES else ""
    words, after = terms(query), request.args.get("after")
    # The page as this process last answered it, if the database has not changed since
    # (kept.py): the first statement says, with the groups a search may keep to (and those
    # the words name), and which of the kept page's names are this reader's.
    key = kept.page_key(words, kind, request.args.get("group") or "", after, current_user)
    page = kept.peek(key) if words else None
    found = kept.facts(current_user, page.handles if page else ())
    groups = list({row.id: row for row in found.groups}.values())
    asked = request.args.get("group")
    chosen = next((g for g in groups if g.slug == asked), None)
    group_id, group_slug, group_name = (chosen.id, chosen.slug, chosen.name) if chosen else (
        None, "", None)
    results = kept.answer(page, found)
    if results is None:
        try:
            results = search(query, parse_cursor(after), current_app.config["ITEMS_PER_PAGE"],
                             current_user,
                             frozenset({KIND_CHOICES[kind][0]}) if kind else KINDS, group_id)
        except BadCursor:
            abort(404)
        if words:
            kept.keep(key, found, results)
    response = current_app.make_response(
        render_template("search/index.html", query=query, results=results,
                        kind=kind, kinds=KIND_CHOICES, group=group_slug, group_name=group_name,
                        all_groups=bool(groups), group_options=_group_options(groups, group_slug),
                        groups=[] if after else group_service.matching(query, found.groups))
    )
    # Result pages repeat people's words out of context: no search engine should keep them.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
