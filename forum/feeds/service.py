"""What machines may read: feed entries and sitemap addresses, built from public content only.

Feeds and the sitemap list only what any visitor can read, and less: no drafts, nothing a
moderator hid, nothing on a board for members or a circle, no deleted posts, and no story whose author kept it out of search engines
(`Story.noindex`), since feeds and sitemaps are what aggregators and crawlers pick up.
Authors appear by the name shown on the page: an anonymous post by its pseudonym only.
Times are the day only (midnight UTC), as precise as the pages themselves.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import permissions, text
from ..extensions import db
from ..models import VISIBLE, Board, Group, Post, Story, Thread, story_groups

FEED_ITEMS = 30
# One sitemap file holds at most 50,000 addresses; past that the site would need an index.
SITEMAP_ITEMS = 20_000

# XML 1.0 cannot carry these code points at all, escaped or not; user text may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str) -> str:
    """`value` without the characters an XML document may not contain."""
    return _NOT_XML.sub("", value or "")


def day_start(value: datetime) -> datetime:
    """Midnight UTC of `value`'s day: a full Atom timestamp that tells no more than the day."""
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class Entry:
    id: str
    title: str
    link: str
    author: str
    published: datetime
    updated: datetime
    summary: str = ""
    content_html: str = ""
    categories: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Feed:
    id: str
    title: str
    page: str
    entries: list[Entry]
    updated: datetime


def _story_entry(story: Story) -> Entry:
    # A story's text stays on its page, folded behind its warnings; a feed reader would
    # show it unfolded, so the feed carries the warnings and the summary only.
    summary = story.summary or text.cut(story.excerpt, text.EXCERPT_CHARS)
    if story.warnings:
        summary = _("Content warnings: %(warnings)s. %(summary)s",
                    warnings=", ".join(story.warnings), summary=summary)
    link = url_for("stories.show", slug=story.slug, _external=True)
    return Entry(
        id=link, title=xml_text(story.title), link=link, author=xml_text(story.handle.name),
        published=day_start(story.published_at),
        updated=day_start(story.edited_at or story.published_at), summary=xml_text(summary),
        categories=[(g.slug, xml_text(g.name)) for g in story.groups if g.is_accepted],
    )


def _feed(id_: str, title: str, page: str, entries: list[Entry], fallback: datetime) -> Feed:
    updated = max((e.updated for e in entries), default=day_start(fallback))
    return Feed(id=id_, title=xml_text(title), page=page, entries=entries, updated=updated)


def stories_feed(now: datetime, group: Group | None = None) -> Feed:
    """The newest listed stories, site-wide or about one group."""
    stmt = Story.listed().options(joinedload(Story.handle), selectinload(Story.groups))
    site = current_app.config["SITE_NAME"]
    if group is None:
        title = _("%(site)s: new stories", site=site)
        page = url_for("stories.index", _external=True)
        self_url = url_for("feeds.stories", _external=True)
    else:
        stmt = stmt.join(story_groups, story_groups.c.story_id == Story.id).where(
            story_groups.c.group_id == group.id)
        title = _("%(site)s: stories about %(group)s", site=site, group=group.name)
        page = url_for("stories.group", slug=group.slug, _external=True)
        self_url = url_for("feeds.group", slug=group.slug, _external=True)
    stories = db.session.scalars(stmt.limit(FEED_ITEMS)).unique().all()
    return _feed(self_url, title, page, [_story_entry(s) for s in stories], now)


def feed_thread(which) -> tuple[Thread, Story | None] | None:
    """The discussion `which` selects (a condition on Thread) and its story, if its posts
    may be in a feed."""
    thread = db.session.scalar(select(Thread).where(which))
    if thread is None or thread.hidden:
        return None
    # Feeds are for visitors: a board that is not public has none, for anyone.
    if thread.board is not None and not permissions.can_see_board(None, thread.board):
        return None
    story = None
    if thread.is_story:
        story = thread.story
        if story is None or not story.is_published or story.noindex:
            return None
    return thread, story


def thread_feed(thread: Thread, story: Story | None) -> Feed:
    """The newest visible posts of one discussion."""
    posts = db.session.scalars(
        select(Post).where(Post.thread_id == thread.id, Post.state == VISIBLE)
        .options(joinedload(Post.handle)).order_by(Post.id.desc()).limit(FEED_ITEMS)
    ).all()
    title = xml_text(thread.title)
    entries = []
    for post in posts:
        link = url_for("threads.post", post_id=post.public_id, _external=True)
        name = xml_text(post.handle.name)
        entries.append(Entry(
            id=link, title=_("%(name)s on “%(title)s”", name=name, title=title), link=link,
            author=name,
            published=day_start(post.created_at),
            updated=day_start(post.edited_at or post.created_at),
            content_html=xml_text(post.body_html),
        ))
    if story is not None:
        page = url_for("stories.show", slug=story.slug, _external=True)
        heading = _("%(site)s: comments on “%(title)s”", site=current_app.config["SITE_NAME"],
                    title=thread.title)
    else:
        page = url_for("threads.show", thread_id=thread.public_id, _external=True)
        heading = f"{current_app.config['SITE_NAME']}: {thread.title}"
    self_url = url_for("feeds.thread", thread_id=thread.public_id, _external=True)
    return _feed(self_url, heading, page, entries, thread.created_at)


def sitemap_urls() -> list[tuple[str, datetime | None]]:
    """Every page a search engine is welcome to: lists, boards, groups, threads, stories."""
    urls = [(url_for(endpoint, _external=True), None) for endpoint in (
        "pages.home", "stories.index", "threads.boards", "stories.groups",
        "pages.support", "pages.safety")]
    urls += [(url_for("threads.board", slug=slug, _external=True), None)
             for slug in db.session.scalars(
                 select(Board.slug).where(Board.id.in_(permissions.visible_board_ids(None)))
                 .order_by(Board.position, Board.id))]
    urls += [(url_for("stories.group", slug=slug, _external=True), None)
             for slug in db.session.scalars(select(Group.slug).where(Group.state == "accepted")
                                            .order_by(Group.slug))]
    stories = db.session.execute(
        Story.listed().with_only_columns(Story.slug, Story.published_at, Story.edited_at)
        .limit(SITEMAP_ITEMS)
    ).all()
    urls += [(url_for("stories.show", slug=slug, _external=True), edited or published)
             for slug, published, edited in stories]
    threads = db.session.execute(
        select(Thread.public_id, Thread.last_post_at)
        .where(Thread.board_id.in_(permissions.visible_board_ids(None)),
               Thread.hidden.is_(False))
        .order_by(Thread.last_post_at.desc(), Thread.id.desc()).limit(SITEMAP_ITEMS)
    ).all()
    urls += [(url_for("threads.show", thread_id=public_id, _external=True), last)
             for public_id, last in threads]
    return urls
