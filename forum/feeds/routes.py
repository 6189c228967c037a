"""Feeds and the files crawlers read: Atom feeds, sitemap.xml, robots.txt."""
from flask import Blueprint, abort, make_response, redirect, render_template, url_for
from sqlalchemy import select

from ..clock import utcnow
from ..extensions import db
from ..models import Group, Thread
from . import service

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml; charset=utf-8"
# Pages no crawler needs. Story pages stay crawlable even when their author chose noindex:
# a crawler must fetch a page to read its "noindex".
ROBOTS_DISALLOW = ("/auth/", "/settings", "/mod/", "/stories/new", "/boards/*/new",
                   "/threads/*/reply", "/posts/*/edit", "/stories/*/edit")


@bp.app_template_filter("atom_time")
def atom_time(value) -> str:
    """An RFC 3339 UTC timestamp, as Atom requires (the service has already cut it to a day)."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _atom(feed: service.Feed):
    response = make_response(render_template("feeds/feed.xml", feed=feed))
    response.headers["Content-Type"] = ATOM
    # A feed's titles are in the reader's language, chosen as a page's is (forum/i18n.py):
    # a shared cache keeps one copy for each.
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


@bp.route("/feeds/stories.atom")
def stories():
    """Offer the newest stories to feed readers."""
    return _atom(service.stories_feed(utcnow()))


@bp.route("/feeds/groups/<slug>.atom")
def group(slug):
    """Offer the newest stories about one group to feed readers."""
    group = db.first_or_404(select(Group).where(Group.slug == slug, Group.state == "accepted"))
    return _atom(service.stories_feed(utcnow(), group))


@bp.route("/feeds/threads/<public_id:thread_id>.atom")
def thread(thread_id):
    """Offer the newest posts of one discussion or story's comments to feed readers."""
    found = service.feed_thread(Thread.public_id == thread_id)
    if found is None:
        abort(404)
    return _atom(service.thread_feed(*found))


@bp.route("/feeds/threads/<int:row_id>.atom")
def legacy_thread(row_id):
    """Send a feed reader subscribed before public ids (/feeds/threads/123.atom) to the
    same feed's address today; only for threads that existed then."""
    found = service.feed_thread((Thread.id == row_id) & Thread.has_legacy_url.is_(True))
    if found is None:
        abort(404)
    return redirect(url_for("feeds.thread", thread_id=found[0].public_id), 301)


@bp.route("/sitemap.xml")
def sitemap():
    """List every page search engines are welcome to, stories kept out of search excepted."""
    response = make_response(render_template("feeds/sitemap.xml", urls=service.sitemap_urls()))
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    return response


@bp.route("/robots.txt")
def robots():
    """Tell crawlers where the sitemap is and which pages are only forms."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "",
             f"Sitemap: {url_for('feeds.sitemap', _external=True)}", ""]
    response = make_response("\n".join(lines))
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return response
