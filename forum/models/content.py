"""Groups, boards, stories, threads and posts: what people write and read."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import (Column, ForeignKey, Index, String, Table, Text, event, false, func,
                        select, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..public_ids import LENGTH, new_public_id
from .accounts import Handle

# Post and story states. A hidden or deleted post keeps its place in the tree.
VISIBLE = "visible"
HIDDEN = "hidden"
DELETED = "deleted"
PUBLISHED = "published"
DRAFT = "draft"
# A new account's writing waits for a moderator (forum/posting/review.py): a post or story
# PENDING is seen by its writer alone, in place; a post a moderator did not approve stays
# REFUSED, still seen by its writer alone, so its text is kept for them. (A refused story
# goes back to its writer's drafts.) HELD: the post states nobody but the writer sees.
PENDING = "pending"
REFUSED = "refused"
HELD = (PENDING, REFUSED)
# HELD as SQL, with the values written in: ix_posts_held's condition, and Post.held_in_sql().
_HELD_SQL = "state IN ('pending', 'refused')"

# Content warnings a writer can pick; they may add their own words too.
WARNINGS = {
    "suicide": _l("Suicide"),
    "self-harm": _l("Self-harm"),
    "abuse": _l("Abuse"),
    "sexual-violence": _l("Sexual violence"),
    "violence": _l("Violence"),
    "eating-disorders": _l("Eating disorders"),
}
# Warnings under which a story also points, calmly, to the support page: these keys, or a
# writer's own words that name the same things.
SUPPORT_WARNINGS = {"suicide", "self-harm"}
SUPPORT_WORDS = re.compile(r"suicid|self[- ]?harm", re.IGNORECASE)

# The language a story or a discussion is written in (issue 23): one of forum.i18n.LANGUAGES,
# chosen by its writer. Pages mark its text with lang= and search stems it in that language.
# Rows from before it was asked (migration 0030) and imports are English: the default.
DEFAULT_LANGUAGE = "en"


def language_column() -> Mapped[str]:
    """The language a story, a thread or a post is written in; 'en' unless chosen."""
    return mapped_column(String(8), default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)


# An unhurried reader's pace, for a story's reading time; and the fewest headings a story
# shows a table of contents for (fewer are read at a glance).
WORDS_PER_MINUTE = 200
TOC_MIN_HEADINGS = 3

# Width of one path segment: base-36 post ids, 7 characters cover 78 billion posts.
PATH_SEGMENT = 7


def public_id_column() -> Mapped[str]:
    """The random id a row is known by outside the database (forum/public_ids.py)."""
    return mapped_column(String(LENGTH), default=new_public_id, unique=True, index=True)


def legacy_url_column() -> Mapped[bool]:
    """Whether the row existed before public ids (migration 0006), so that its old address
    with the row id (/posts/123) still leads to it. New rows never answer to a row id: if
    they did, trying integers would still tell which rows came first."""
    return mapped_column(default=False, server_default=false())

def reaction_count_column() -> Mapped[int]:
    """How many accounts gave a story or a post one kind of quiet support (models/reactions.py:
    KINDS), kept with the rows by forum/reactions/service.py."""
    return mapped_column(default=0, server_default="0")


story_groups = Table(
    "story_groups",
    db.metadata,
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    # A group's stories by id, from the index alone (the group page: forum/stories/routes.py).
    Index("ix_story_groups_group_story", "group_id", "story_id"),
)


class Group(db.Model):
    """An organisation people left; stories are tagged with it."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    # A member's proposal waits for a moderator (forum/groups/): until accepted it is shown
    # only with the stories that name it. "refused" and "merged" groups are shown nowhere; a
    # merged group's address leads to the group it went into.
    state: Mapped[str] = mapped_column(String(16), default="accepted", server_default="accepted")
    merged_into_id: Mapped[Optional[int]] = mapped_column(ForeignKey("groups.id"))

    @property
    def is_accepted(self) -> bool:
        return self.state == "accepted"

    @classmethod
    def with_story_counts(cls):
        """Groups by name, each with the number of its published stories.

        Counted in one pass over the published stories' ids (read from ix_stories_listing)
        and the tags that hold them, not a lookup of each tagged story's state per group:
        at 10,000 stories that took 36 ms on PostgreSQL and 71 ms on SQLite, whose story rows
        are long enough that the state sits past the story's text; now 8 ms."""
        published = select(Story.id).where(Story.state == PUBLISHED)
        counts = (
            select(story_groups.c.group_id, func.count().label("n"))
            .where(story_groups.c.story_id.in_(published))
            .group_by(story_groups.c.group_id)
            .subquery()
        )
        return (
            select(cls, func.coalesce(counts.c.n, 0).label("story_count"))
            .outerjoin(counts, counts.c.group_id == cls.id)
            .where(cls.state == "accepted")
            .order_by(func.lower(cls.name))
        )


# Who may read a board: everyone, logged-in members, or an approved circle that moderators
# keep (BoardMember). Moderators read every board, so that they can moderate it.
AUDIENCE_PUBLIC = "public"
AUDIENCE_MEMBERS = "members"
AUDIENCE_CIRCLE = "circle"
AUDIENCES = {
    AUDIENCE_PUBLIC: _l("Everyone, visitors included"),
    AUDIENCE_MEMBERS: _l("Logged-in members only"),
    AUDIENCE_CIRCLE: _l("A circle of members that moderators approve"),
}


class Board(db.Model):
    """A place for discussion threads on one theme, with the audience that may read it."""

    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    audience: Mapped[str] = mapped_column(String(16), default=AUDIENCE_PUBLIC,
                                          server_default=AUDIENCE_PUBLIC)
    # An archived board is read-only: kept for reading, listed apart, closed to new posts.
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def is_public(self) -> bool:
        return self.audience == AUDIENCE_PUBLIC

    @property
    def is_circle(self) -> bool:
        return self.audience == AUDIENCE_CIRCLE


class BoardMember(db.Model):
    """One account let into a circle board by a moderator."""

    __tablename__ = "board_members"

    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"),
                                          primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    granted_at: Mapped[datetime]


class Thread(db.Model):
    """A discussion: a board thread, or the comment section of one story."""

    __tablename__ = "threads"
    __table_args__ = (
        # A board page lists pinned threads first, then by latest activity.
        Index("ix_threads_board_listing", "board_id", "pinned", "last_post_at", "id"),
        # The home page's "active discussions", across boards: read newest first, stopping
        # after a few, instead of sorting every thread (migration 0002).
        Index("ix_threads_activity", "last_post_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    has_legacy_url: Mapped[bool] = legacy_url_column()
    title: Mapped[str] = mapped_column(String(200))
    board_id: Mapped[Optional[int]] = mapped_column(ForeignKey("boards.id"))
    handle_id: Mapped[int] = mapped_column(ForeignKey("handles.id"))
    created_at: Mapped[datetime]
    last_post_at: Mapped[datetime]
    post_count: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[Optional[datetime]]
    lock_reason: Mapped[Optional[str]] = mapped_column(Text)
    # True when a story's author closed their own comments, not a moderator.
    locked_by_author: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    # Set by a moderator for a heated discussion (forum/moderation/pace.py): at most one post
    # per writer in this many seconds, and/or replies from established members only.
    slow_mode_seconds: Mapped[Optional[int]]
    members_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Goes up whenever a post already in this thread changes or goes (edited, hidden,
    # restored, deleted, its author's name freed): with post_count, it says whether a copy of
    # the rendered tree is still true (forum/threads/cache.py, which also bumps it).
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # A board thread's language is its writer's choice. A story's comment section carries its
    # story's (set and changed with it, forum/posting/stories.py): comments answer the story,
    # mostly in its language, and the post tree, which reads only the thread, marks them so
    # without reading the story (forum/threads/tree.py keeps it in its cache keys).
    language: Mapped[str] = language_column()

    board: Mapped[Optional[Board]] = relationship()
    handle: Mapped[Handle] = relationship(foreign_keys=[handle_id])
    # Set for a story's comment section; check is_story first to spare a board thread the
    # query. Read-only: a story is written through Story.thread, and this way a story being
    # built is not flushed with its thread before it is complete.
    story: Mapped[Optional["Story"]] = relationship(viewonly=True, uselist=False)

    @property
    def is_story(self) -> bool:
        """Tell whether this discussion is a story's comments rather than a board thread."""
        return self.board_id is None

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_waiting(self) -> bool:
        """Tell whether this is a new board thread whose first post waits for a moderator (or
        was not approved): hidden, with nothing in it counted yet. A thread a moderator hid
        always counts its first post."""
        return self.hidden and self.post_count == 0 and not self.is_story

    def accepts_replies(self) -> bool:
        """Tell whether new posts may be added to this discussion."""
        return not self.is_locked and not self.hidden

    @classmethod
    def on_board(cls, board_id: int):
        """A board's visible threads, pinned first, then latest activity."""
        return (
            select(cls)
            .where(cls.board_id == board_id, cls.hidden.is_(False))
            .order_by(cls.pinned.desc(), cls.last_post_at.desc(), cls.id.desc())
        )


def words_key(body: str) -> str | None:
    """What the duplicate check compares: a digest of the words, whatever the spacing or
    case (the same words, twice, have the same key). None for no words at all (an erased
    text), which nothing matches."""
    words = " ".join(body.split()).casefold()
    if not words:
        return None
    return hashlib.blake2b(words.encode(), digest_size=16).hexdigest()


class Story(db.Model):
    """A testimony: a long Markdown text with its own comment thread."""

    __tablename__ = "stories"
    __table_args__ = (
        Index("ix_stories_listing", "state", "published_at", "id"),
        # A profile's list of stories, newest first, read in order from the index: without
        # it the writer's every story was read and sorted (their text with them on SQLite).
        Index("ix_stories_handle_listing", "handle_id", "state", "published_at", "id"),
        # A story's state and date by its id, from the index alone: a group page sorts its
        # stories by these, and reads the rows of the 20 it shows only (forum/stories/routes.py).
        Index("ix_stories_id_listing", "id", "state", "published_at"),
        # The story index in one language (?language=de), newest first, read in order: a
        # language with few stories is not looked for among all of them.
        Index("ix_stories_language_listing", "language", "state", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Keys the author's unsent text in their browser and pages the story lists; the slug
    # can change, this cannot.
    public_id: Mapped[str] = public_id_column()
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    # words_key(body), set with the body: the duplicate check compares it (None: written
    # before migration 0023 and more than a day old, or erased).
    body_key: Mapped[Optional[str]] = mapped_column(String(32))
    # The one-time key of the form that created or published it (forum/submission_keys.py: a
    # digest of the writer's account, the form's address and the key; None for a story
    # written before migration 0024 or by code without a form). Unique: a second arrival of
    # the same form finds this story instead of storing another.
    submission_key: Mapped[Optional[str]] = mapped_column(String(32), index=True, unique=True)
    body_html: Mapped[str] = mapped_column(Text)
    # The start of the text as plain words, made with body_html when the text is written:
    # lists, feeds and the report queue show it, so no page renders Markdown to read.
    excerpt: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    # Comma-separated list of content-warning keys and free text.
    content_warnings: Mapped[str] = mapped_column(Text, default="")
    handle_id: Mapped[int] = mapped_column(ForeignKey("handles.id"), index=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=PUBLISHED)
    # The author asked search engines to stay away: noindex, no sitemap, no previews.
    noindex: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime]
    edited_at: Mapped[Optional[datetime]]
    # Its own column, not only its thread's: the story index filters by it and the search
    # index stems the story's text by it, neither joining the thread.
    language: Mapped[str] = language_column()
    # Quiet support (forum/reactions/): a counter per kind, and "I lived this too", which
    # its author can turn off (the members' own notes are kept meanwhile: their own to withdraw).
    thanks_count: Mapped[int] = reaction_count_column()
    relate_count: Mapped[int] = reaction_count_column()
    strength_count: Mapped[int] = reaction_count_column()
    lived_count: Mapped[int] = reaction_count_column()
    lived_off: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Counted in the rendered text when it is written (forum/text.py), so that the page's
    # "8 min read" costs no reading of the body. None: written before migration 0034 and not
    # rendered since (`flask stories reading-aids` fills it in; so does the next edit).
    word_count: Mapped[Optional[int]]
    # Its headings (h2-h4) as JSON, [[level, text, id], ...], taken when it is rendered: the
    # table of contents a long story shows. None as word_count.
    toc: Mapped[Optional[str]] = mapped_column(Text)

    handle: Mapped[Handle] = relationship()
    thread: Mapped[Thread] = relationship()
    groups: Mapped[list[Group]] = relationship(secondary=story_groups, order_by=Group.name)

    # Enough of a story for a moderator to judge it in the report queue; lists and feeds
    # show less of it (forum.text.EXCERPT_CHARS).
    EXCERPT_CHARS = 600

    @property
    def warnings(self) -> list[str]:
        """The warnings as a reader sees them: known keys by their label in the page's
        language, free text as typed."""
        # Plain str, not the lazy label: callers join them and put them in JSON.
        return [str(WARNINGS[w]) if w in WARNINGS else w
                for w in self.content_warnings.split(",") if w]

    @property
    def warning_keys(self) -> list[str]:
        return [w for w in self.content_warnings.split(",") if w]

    @property
    def points_to_support(self) -> bool:
        """Tell whether the story's warnings call for a pointer to the support page."""
        return any(w in SUPPORT_WARNINGS or SUPPORT_WORDS.search(w) for w in self.warning_keys)

    @property
    def reading_minutes(self) -> int | None:
        """About how many minutes the story takes to read, from its stored word count."""
        if self.word_count is None:
            return None
        return max(1, round(self.word_count / WORDS_PER_MINUTE))

    @property
    def contents(self) -> list[tuple[int, str, str]]:
        """The table of contents: (level, heading text, anchor id) for each heading, shown
        for a story with TOC_MIN_HEADINGS or more; empty otherwise."""
        entries = json.loads(self.toc) if self.toc else []
        return [tuple(e) for e in entries] if len(entries) >= TOC_MIN_HEADINGS else []

    @property
    def is_published(self) -> bool:
        return self.state == PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.state == DRAFT

    @property
    def is_hidden(self) -> bool:
        return self.state == HIDDEN

    @property
    def is_deleted(self) -> bool:
        return self.state == DELETED

    @property
    def is_waiting(self) -> bool:
        return self.state == PENDING

    @classmethod
    def listed(cls):
        """Published stories whose authors let them be listed for machines (search engines,
        sitemaps, site-wide feeds), newest first."""
        return cls.published().where(cls.noindex.is_(False))

    @classmethod
    def published(cls):
        """Published stories, newest first."""
        return (
            select(cls)
            .where(cls.state == PUBLISHED)
            .order_by(cls.published_at.desc(), cls.id.desc())
        )


class Post(db.Model):
    """One message in a thread, placed in its tree by a materialised path."""

    __tablename__ = "posts"
    __table_args__ = (
        # The whole tree of a thread, in reading order, from one index range scan.
        Index("ix_posts_thread_path", "thread_id", "path", unique=True),
        Index("ix_posts_handle_created", "handle_id", "created_at"),
        # The few posts only their writers see (new-member review, migration 0017): the
        # review queue reads them from here, and a reply's page is found by counting the
        # posts before it from ix_posts_thread_path alone, less these.
        Index("ix_posts_held", "thread_id", "path",
              sqlite_where=text(_HELD_SQL), postgresql_where=text(_HELD_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    has_legacy_url: Mapped[bool] = legacy_url_column()
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("posts.id"), index=True)
    handle_id: Mapped[int] = mapped_column(ForeignKey("handles.id"))
    body: Mapped[str] = mapped_column(Text)
    body_key: Mapped[Optional[str]] = mapped_column(String(32))  # words_key(body), as Story's
    # The one-time key of the form that sent it, as Story's (a thread's first post carries the
    # new-thread form's): no second post from one form, whatever arrives twice.
    submission_key: Mapped[Optional[str]] = mapped_column(String(32), index=True, unique=True)
    body_html: Mapped[str] = mapped_column(Text)
    # The start of the text as plain words, made with body_html: profile lists show it.
    excerpt: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    created_at: Mapped[datetime]
    edited_at: Mapped[Optional[datetime]]
    state: Mapped[str] = mapped_column(String(16), default=VISIBLE)
    depth: Mapped[int] = mapped_column(default=0)
    # Concatenated fixed-width base-36 ids from the root: sorting by it reads the tree in order.
    path: Mapped[str] = mapped_column(String(255), default="")
    # Its thread's language, copied when it is written and changed with it (forum/posting:
    # replies.py, stories.py, import_thread.py): on PostgreSQL its search vector is made in
    # that language, and a generated column can read only its own row. The post tree marks
    # posts with the thread's language, not this one.
    language: Mapped[str] = language_column()
    # Quiet support (forum/reactions/): a counter per kind, read with the post by the tree.
    thanks_count: Mapped[int] = reaction_count_column()
    relate_count: Mapped[int] = reaction_count_column()
    strength_count: Mapped[int] = reaction_count_column()

    thread: Mapped[Thread] = relationship()
    handle: Mapped[Handle] = relationship()

    # What a profile's list of posts shows of each.
    EXCERPT_CHARS = 240

    @property
    def is_visible(self) -> bool:
        return self.state == VISIBLE

    @property
    def is_deleted(self) -> bool:
        return self.state == DELETED

    @property
    def is_hidden(self) -> bool:
        return self.state == HIDDEN

    @property
    def is_waiting(self) -> bool:
        return self.state == PENDING

    @property
    def is_refused(self) -> bool:
        return self.state == REFUSED

    @property
    def is_held(self) -> bool:
        """Waiting for a moderator or not approved: seen by its writer alone."""
        return self.state in HELD

    @staticmethod
    def held_in_sql():
        """`state IN HELD` written exactly as ix_posts_held's condition: a planner uses a
        partial index only for a condition it can prove implies the index's, and a bound
        parameter proves nothing (SQLite then read every post of the thread)."""
        return text(f"posts.{_HELD_SQL}")

    @staticmethod
    def path_segment(post_id: int) -> str:
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"
        out = ""
        while post_id:
            post_id, r = divmod(post_id, 36)
            out = digits[r] + out
        return out.rjust(PATH_SEGMENT, "0")

    @classmethod
    def tree(cls, thread_id: int, after_path: str = ""):
        """A thread's posts in reading order (each after its parent), from `after_path` on."""
        return (
            select(cls)
            .where(cls.thread_id == thread_id, cls.path > after_path)
            .order_by(cls.path)
        )


class StoryRevision(db.Model):
    """An earlier version of a story, visible only to its author, who may restore or purge it."""

    __tablename__ = "story_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Seen by the author only, yet every story's revisions share one sequence of row ids: the
    # gap between two of yours would count everyone else's edits in between.
    public_id: Mapped[str] = public_id_column()
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    # The story's HTML as it was, kept with the revision so reading it renders nothing.
    # Empty for revisions made before it was kept (migration 0005): shown as plain text.
    body_html: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    created_at: Mapped[datetime]


# Every write of a body through the ORM (the posting path, edits, deletion and its undo,
# erasing an account's stories) keeps its key in step; a Core UPDATE that changes a body
# sets body_key itself (forum/profiles/deletion.py).
@event.listens_for(Post.body, "set", propagate=True)
@event.listens_for(Story.body, "set", propagate=True)
def _keep_body_key(target, value, _old, _initiator):
    target.body_key = words_key(value) if value is not None else None
