"""Searching: one page that finds stories, threads and posts by the words in them."""
from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from ..groups import service as group_service
from .query import MAX_QUERY_CHARS, BadCursor, parse_cursor
from .results import search

bp = Blueprint("search", __name__)


@bp.route("/search")
def index():
    """Find published stories, board threads and posts by their words, best matches first."""
    query = request.args.get("q", "")[:MAX_QUERY_CHARS]
    try:
        results = search(query, parse_cursor(request.args.get("after")),
                         current_app.config["ITEMS_PER_PAGE"], current_user)
    except BadCursor:
        abort(404)
    response = current_app.make_response(
        render_template("search/index.html", query=query, results=results,
                        groups=[] if request.args.get("after") else group_service.matching(query))
    )
    # Result pages repeat people's words out of context: no search engine should keep them.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
