"""Reading stories: the index, one story with its comments, and the groups."""
from functools import lru_cache

from flask import (
    Blueprint, abort, current_app, redirect, render_template, request, url_for,
)
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer, joinedload

from .. import permissions
from ..clock import utcnow
from ..bookmarks import service as bookmarks
from ..extensions import db
from ..groups import service as group_service
from ..i18n import LANGUAGES
from ..models import Group, Story, story_groups
from ..notifications.service import follows_column, reader_id
from ..pagination import paginate, parse_after
from ..posting.restrictions import barred_column
from ..reactions.service import lived_column, pressed_column, pressed_kinds
from ..reading import service as reading
from ..threads.tree import page_with_tree, rendered_tree
from ..threads.service import legacy_page_url
from .more import more_column, more_stories
from .old_links import story_slug_for
from .listed import PUBLISHED_IN_SQL, published_stories, tagged_groups, tagged_groups_column

bp = Blueprint("stories", __name__)

@lru_cache(maxsize=2)
def _story_statement(dialect: str):
    """The story page's statement, the same for every reader (who is bound as :reader):
    built once per process. With the story, whether the reader follows its comments,
    whether its author barred the reader's account from them, and its groups (as JSON: a
    join of the story's groups read all 15,000 story-group rows at 1M posts on SQLite, and
    loaded apart they took a statement of their own), and the quiet support the reader gave
    it and whether they said they lived it too (forum/reactions/)."""
    return (select(Story, follows_column(thread_id=Story.thread_id),
                   barred_column(story_id=Story.id), tagged_groups_column(Story.id, dialect),
                   pressed_column(story_id=Story.id), lived_column(story_id=Story.id),
                   bookmarks.kept_column(Story.id), more_column(Story.id, dialect))
            .where(Story.slug == bindparam("slug"))
            .options(joinedload(Story.handle), joinedload(Story.thread),
                     defer(Story.body)))  # the page shows body_html


def _visible_story_and_following(slug: str) -> tuple[Story, bool, bool, list, dict, bool, list]:
    """The story at `slug` (or 404 for anyone who may not read it), whether the reader
    follows its comments, whether they are barred from them, its groups, the reader's own
    support of it (`mine`: the kinds pressed, and "lived"), whether the reader keeps it
    (bookmarks) and more stories about its groups, in the same statement."""
    found = db.session.execute(_story_statement(db.engine.dialect.name),
                               {"slug": slug, "reader": reader_id(current_user)}).first()
    story, following, barred, groups, pressed, lived, kept, more = (
        found if found is not None else (None, False, False, None, 0, False, False, None))
    if story is None:
        abort(404)
    # A story deleted with its account stays as a placeholder so others' comments survive.
    if not story.is_published and story.state != "deleted" and not (
        permissions.owns(current_user, story.handle) and story.state in ("draft", "pending")
    ) and not (story.state == "hidden" and permissions.can_see_hidden(current_user)):
        abort(404)
    mine = {"pressed": pressed_kinds(pressed), "lived": bool(lived)}
    return story, following, barred, tagged_groups(groups), mine, kept, more_stories(more)


@lru_cache(maxsize=1)
def _listed_stories():
    """The index's statement, the same for every reader: built once per process."""
    return published_stories()


@lru_cache(maxsize=1)
def _listed_stories_in():
    """The index's statement for the stories of one language (bound as :language), read in
    order from ix_stories_language_listing: built once per process."""
    return published_stories().where(Story.language == bindparam("language"))


@bp.route("/stories/")
def index():
    """List published stories, newest first: all of them, or those written in the language
    chosen (?language=de; a code the site does not have lists them all)."""
    chosen = request.args.get("language")
    chosen = chosen if chosen in LANGUAGES else None
    page = paginate(
        _listed_stories() if chosen is None else _listed_stories_in(), Story,
        [Story.published_at, Story.id], parse_after(request.args.get("after")),
        current_app.config["ITEMS_PER_PAGE"],
        params=None if chosen is None else {"language": chosen},
    )
    new = reading.new_in(current_user, stories=[story.public_id for story in page.items])
    return render_template("stories/index.html", page=page, chosen_language=chosen, new=new)


@bp.route("/stories/<slug>")
def show(slug):
    """Show a story and its comment tree."""
    story, following, barred, groups, mine, kept, more = _visible_story_and_following(slug)
    raw_after = request.args.get("after")
    if old := legacy_page_url(story.thread, raw_after, "stories.show", slug=story.slug):
        return redirect(old, 301)
    marks = reading.for_page(current_user, story.thread)  # None unless the reader keeps marks
    tree = rendered_tree(story.thread, parse_after(raw_after), "stories.show",
                         shown=marks.shown if marks else None, slug=story.slug)
    response = page_with_tree("stories/show.html", tree, story=story, thread=story.thread,
                              following=following, barred=barred, groups=groups, mine=mine,
                              kept=kept, more_stories=more if story.is_published else [],
                              read_marks=marks)
    reading.record(marks, utcnow())
    if story.noindex or not story.is_published:
        # The author kept it out of search engines (or it is not public): say so in the
        # header too, which crawlers honour even for responses they do not parse as HTML.
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/from-blog/", defaults={"old_path": ""})
@bp.route("/from-blog/<path:old_path>")
def from_blog(old_path):
    """Send an old link to an imported blog post on to its story, for good (301)."""
    query = request.query_string.decode("utf-8", "replace")
    slug = story_slug_for("/" + old_path + ("?" + query if query else ""))
    if slug is None:
        abort(404)
    return redirect(url_for("stories.show", slug=slug), 301)


@bp.route("/groups/")
def groups():
    """List the groups people left, with how many stories each has."""
    rows = db.session.execute(Group.with_story_counts()).all()
    return render_template("stories/groups.html", rows=rows)


@lru_cache(maxsize=1)
def _group_statement():
    """The group page's group at :slug, whether the reader bound as :reader follows it, and
    its other names, in one statement built once per process."""
    return group_service.with_other_names(
        select(Group, follows_column(group_id=Group.id)).where(Group.slug == bindparam("slug")))


@lru_cache(maxsize=1)
def _group_stories_statement():
    """The ids of the published stories tagged with the group bound as :group_id, newest
    first, built once. Read from two indexes (story_groups by group, stories' state and
    date by id) without a story's row: only the page's 20 rows are read, by _group_page.
    Joined and sorted as rows, a group with 107 stories read all 107 and their authors'
    handles (4.6 ms against 1.3 at 1M posts on PostgreSQL). The state is in the SQL
    (PUBLISHED_IN_SQL), so that PostgreSQL's one plan for the statement knows it."""
    return (select(Story.id).join(story_groups, story_groups.c.story_id == Story.id)
            .where(story_groups.c.group_id == bindparam("group_id"),
                   Story.state == PUBLISHED_IN_SQL)
            .order_by(Story.published_at.desc(), Story.id.desc()))


def _group_page(ids):
    """The stories (ListedStory rows, newest first) whose ids the page statement `ids` picks."""
    return published_stories().where(Story.id.in_(ids.correlate(None).scalar_subquery()))


@bp.route("/groups/<slug>")
def group(slug):
    """List the stories tagged with one group."""
    rows = db.session.execute(_group_statement(),
                              {"slug": slug, "reader": reader_id(current_user)}).all()
    if not rows:
        abort(404)
    group, following = rows[0][0], rows[0][1]
    if group.state == "merged":
        found = group_service.find(slug)
        if found is not None and found.is_accepted:
            return redirect(url_for("stories.group", slug=found.slug), 301)
    if not group.is_accepted:
        abort(404)  # a proposal is shown only with its story until a moderator accepts it
    page = paginate(_group_stories_statement(), Story, [Story.published_at, Story.id],
                    parse_after(request.args.get("after")), current_app.config["ITEMS_PER_PAGE"],
                    params={"group_id": group.id}, within=_group_page)
    new = reading.new_in(current_user, stories=[story.public_id for story in page.items])
    return render_template("stories/group.html", group=group, page=page, new=new,
                           other_names=group_service.names_by_kind(rows),
                           following=following)
