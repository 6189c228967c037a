""""More from this group" under a story: a few other published stories tagged with any of
the same groups, newest first, as any list shows them."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Story, story_groups
from .listed import ListedStory, published_stories

# How many the end of a story offers.
MORE_STORIES = 4


@lru_cache(maxsize=1)
def _statement():
    """The stories (ListedStory rows) sharing a group with the story bound as :story_id,
    itself left out: one statement, built once per process. The visibility is the lists'
    own (published_stories)."""
    mine, theirs = aliased(story_groups), aliased(story_groups)
    shared = (theirs.select().with_only_columns(theirs.c.story_id)
              .join(mine, mine.c.group_id == theirs.c.group_id)
              .where(mine.c.story_id == bindparam("story_id")))
    return (published_stories()
            .where(Story.id.in_(shared.scalar_subquery()), Story.id != bindparam("story_id"))
            .limit(MORE_STORIES))


def more_from_groups(story: Story, groups: list) -> list[ListedStory]:
    """Other stories about the story's groups; none (and no query) for a story without."""
    if not groups or not story.is_published:
        return []
    return list(db.session.scalars(_statement(), {"story_id": story.id}))
