"""Old links to an imported blog's posts, kept alive: where each recorded old path leads now.

Two ways to use them (README, "Bringing a blog in"): the web server in front of the old
blog's domain redirects with the map `flask --app wsgi wxr-redirects` prints, or it sends
every request on to /from-blog/<old path> here, which answers 301 to the story.
Only published stories are led to: a removed or deleted story's old link is a plain 404.
"""
from __future__ import annotations

from typing import Iterator

from flask import url_for
from sqlalchemy import select

from ..extensions import db
from ..models import PUBLISHED, ImportedStory, Story


def story_slug_for(old_path: str) -> str | None:
    """The slug of the published story an imported post's old path leads to, if any."""
    return db.session.scalar(
        select(Story.slug).join(ImportedStory, ImportedStory.story_id == Story.id)
        .where(ImportedStory.old_path == old_path[:500], Story.state == PUBLISHED)
        .order_by(ImportedStory.id).limit(1))


def redirect_map(source: str | None = None) -> Iterator[tuple[str, str]]:
    """(old path, story's address on this site) for each imported story still published."""
    query = (select(ImportedStory.old_path, Story.slug)
             .join(Story, Story.id == ImportedStory.story_id)
             .where(Story.state == PUBLISHED).order_by(ImportedStory.id))
    if source:
        query = query.where(ImportedStory.source == source.strip().rstrip("/"))
    for old_path, slug in db.session.execute(query):
        yield old_path, url_for("stories.show", slug=slug, _external=True)
