"""A story or a discussion as a list shows it (templates/_lists.html story_list and
thread_list), read as plain columns.

Loading each listed story and its handle as ORM objects cost about as much as running the
query (0.4 of 0.8 ms for a group's 20 stories at a million posts, SQLite). A list needs a
few columns of each, and the model's own rules for them: the reader-facing warnings and
whether the author's name links to a profile, taken from the models, not restated here."""
from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Bundle

from ..models import PUBLISHED, Board, Group, Handle, Story, Thread, story_groups


class ListedHandle(NamedTuple):
    """The name a listed story is written under: what story_list's author() reads."""

    name: str
    kind: str
    user_id: int | None  # for owns() ("you"), never shown

    has_profile = property(Handle.has_profile.fget)


class ListedStory(NamedTuple):
    public_id: str  # the list's cursor
    slug: str
    title: str
    summary: str
    content_warnings: str
    noindex: bool
    published_at: datetime
    language: str  # what its title and summary are written in (lang=)
    handle: ListedHandle

    warnings = property(Story.warnings.fget)


class ListedBoard(NamedTuple):
    slug: str
    name: str


class ListedThread(NamedTuple):
    """A discussion as the home page lists it, with its board."""

    public_id: str
    title: str
    pinned: bool
    locked_at: datetime | None
    post_count: int
    last_post_at: datetime
    language: str  # what its title is written in (lang=)
    handle: ListedHandle
    board: ListedBoard

    is_locked = property(Thread.is_locked.fget)


class _Rows(Bundle):
    """A bundle that reads its columns as one `row_type` tuple."""

    def __init__(self, name, row_type, *exprs):
        super().__init__(name, *exprs)
        self.row_type = row_type

    def create_row_processor(self, query, procs, labels):
        row_type = self.row_type

        def make(row):
            return row_type(*[proc(row) for proc in procs])
        return make


def listed_story():
    """The columns of a ListedStory, as one bundle to select; the statement joins Handle on
    Story.handle_id."""
    return _Rows("story", ListedStory, Story.public_id, Story.slug, Story.title, Story.summary,
                 Story.content_warnings, Story.noindex, Story.published_at, Story.language,
                 _Rows("handle", ListedHandle, Handle.name, Handle.kind, Handle.user_id))


# The published state written into the SQL, not bound: PostgreSQL keeps one plan for a
# prepared statement whatever its parameters (a generic plan) when that plan looks no dearer,
# and not knowing which state was asked for, the group page's plan read the whole site's
# stories by date for a group's few (1.5 ms of the database's time against 0.2 at 1M posts;
# bench/RESULTS.md, sixth table). A constant of the code, never a value from a request.
PUBLISHED_IN_SQL = literal_column(f"'{PUBLISHED}'")


def published_stories():
    """Published stories as ListedStory rows, newest first: the home page's, the index's and
    (joined to its tags) a group's list. Not yet executed; built once by each caller."""
    return (select(listed_story()).join(Handle, Handle.id == Story.handle_id)
            .where(Story.state == PUBLISHED_IN_SQL)
            .order_by(Story.published_at.desc(), Story.id.desc()))


def listed_thread():
    """The columns of a ListedThread, as one bundle; the statement joins Handle on
    Thread.handle_id and Board on Thread.board_id."""
    return _Rows("thread", ListedThread, Thread.public_id, Thread.title, Thread.pinned,
                 Thread.locked_at, Thread.post_count, Thread.last_post_at, Thread.language,
                 _Rows("handle", ListedHandle, Handle.name, Handle.kind, Handle.user_id),
                 _Rows("board", ListedBoard, Board.slug, Board.name))


class TaggedGroup(NamedTuple):
    """A group a story is tagged with, as the story's page names it."""

    name: str
    slug: str
    state: str

    is_accepted = property(Group.is_accepted.fget)


def tagged_groups_column(story_id, dialect: str):
    """The groups of the story whose id is `story_id` (a column), as one JSON column of
    [name, slug, state] arrays: for a statement that reads the story, so that its groups
    need no statement of their own. Read back with tagged_groups()."""
    columns = (Group.name, Group.slug, Group.state)
    rows = (func.json_agg(func.json_build_array(*columns)) if dialect == "postgresql"
            else func.json_group_array(func.json_array(*columns)))
    return (select(rows).select_from(Group)
            .join(story_groups, story_groups.c.group_id == Group.id)
            .where(story_groups.c.story_id == story_id).scalar_subquery())


def tagged_groups(value) -> list[TaggedGroup]:
    """What tagged_groups_column() returned, by name (as Story.groups is ordered)."""
    rows = json.loads(value) if isinstance(value, str) else (value or [])
    return sorted((TaggedGroup(*row) for row in rows), key=lambda group: group.name)
