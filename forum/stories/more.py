""""More from this group" under a story: a few other published stories tagged with any of
the same groups, newest first, as any list shows them.

Read as one JSON column of the story page's own statement (as its groups are:
listed.tagged_groups_column), so the page costs no statement more for it."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import aliased

from ..models import Handle, Story, story_groups
from .listed import PUBLISHED_IN_SQL, ListedHandle, ListedStory

# How many the end of a story offers.
MORE_STORIES = 4


def more_column(story_id, dialect: str):
    """The published stories sharing a group with the story whose id is `story_id` (a
    column), itself left out, newest first, at most MORE_STORIES: as one JSON column of
    arrays, read back with more_stories(). Visible by the lists' own rule (published)."""
    other, shown = aliased(Story), aliased(Story)
    mine, theirs = aliased(story_groups), aliased(story_groups)
    shared = (select(theirs.c.story_id)
              .join(mine, mine.c.group_id == theirs.c.group_id)
              .where(mine.c.story_id == story_id).correlate(story_id.table))
    newest = (select(other.id)
              .where(other.state == PUBLISHED_IN_SQL, other.id != story_id,
                     other.id.in_(shared))
              # The limit written into the SQL, not bound: bound, it made PostgreSQL plan
              # the story page's statement again on every request (1.9 ms against 0.8 at
              # 1M posts; tests/test_plan_constants.py).
              .order_by(other.published_at.desc(), other.id.desc())
              .limit(literal_column(str(MORE_STORIES)))
              .correlate(story_id.table))
    columns = (shown.published_at, shown.id, shown.public_id, shown.slug, shown.title,
               shown.summary, shown.content_warnings, shown.noindex, shown.language,
               Handle.name, Handle.kind, Handle.user_id)
    rows = (func.json_agg(func.json_build_array(*columns)) if dialect == "postgresql"
            else func.json_group_array(func.json_array(*columns)))
    return (select(rows).select_from(shown).join(Handle, Handle.id == shown.handle_id)
            .where(shown.id.in_(newest)).scalar_subquery())


def _when(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def more_stories(value) -> list[ListedStory]:
    """What more_column() returned, newest first, as the story list shows them."""
    rows = json.loads(value) if isinstance(value, str) else (value or [])
    rows = sorted(((_when(row[0]), row[1], row[2:]) for row in rows if row),
                  key=lambda row: (row[0], row[1]), reverse=True)
    return [ListedStory(public_id, slug, title, summary, warnings, bool(noindex), when,
                        language, ListedHandle(name, kind, user_id))
            for when, _id, (public_id, slug, title, summary, warnings, noindex, language,
                            name, kind, user_id) in rows]
