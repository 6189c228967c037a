"""Searching: one page that finds stories, threads and posts by the words in them."""
from flask import Blueprint, current_app, render_template, request

from . import service

bp = Blueprint("search", __name__)


@bp.route("/search")
def index():
    """Find published stories, board threads and posts by their words, best matches first."""
    query = request.args.get("q", "")[: service.MAX_QUERY_CHARS]
    after = service.parse_cursor(request.args.get("after"))
    results = service.search(query, after, current_app.config["ITEMS_PER_PAGE"])
    response = current_app.make_response(
        render_template("search/index.html", query=query, results=results)
    )
    # Result pages repeat people's words out of context: no search engine should keep them.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
