"""Old links to an imported blog's posts, kept alive: where each recorded old path leads now.

Two ways to use them (README, "Bringing a blog in"): the web server in front of the old
blog's domain redirects with the map `flask --app wsgi wxr-redirects` prints, or it sends
every request on to /from-blog/<old path> here, which answers 301 to the story.
Only published stories are led to: a removed or deleted story's old link is a plain 404.

A story imported under a pseudonym is left out of both unless the administrator asks for it
(`wxr-redirects --with-pseudonyms`, for the map only): a redirect from the old blog, often
under the writer's own name, to a pseudonymous story says who wrote it, which is what the
pseudonym was chosen to keep apart. The route never leads to one.
"""
from __future__ import annotations

from typing import Iterator

from flask import url_for
from sqlalchemy import select

from ..extensions import db
from ..models import PUBLIC, PUBLISHED, Handle, ImportedStory, Story


def story_slug_for(old_path: str) -> str | None:
    """The slug of the published story an imported post's old path leads to, if any."""
    return db.session.scalar(
        select(Story.slug).join(ImportedStory, ImportedStory.story_id == Story.id)
        .join(Handle, Handle.id == Story.handle_id)
        .where(ImportedStory.old_path == old_path[:500], Story.state == PUBLISHED,
               Handle.kind == PUBLIC)
        .order_by(ImportedStory.id).limit(1))


def redirect_map(source: str | None = None,
                 with_pseudonyms: bool = False) -> Iterator[tuple[str, str]]:
    """(old path, story's address on this site) for each imported story still published
    under its writer's public handle (and under a pseudonym too, with `with_pseudonyms`)."""
    query = (select(ImportedStory.old_path, Story.slug)
             .join(Story, Story.id == ImportedStory.story_id)
             .join(Handle, Handle.id == Story.handle_id)
             .where(Story.state == PUBLISHED).order_by(ImportedStory.id))
    if not with_pseudonyms:
        query = query.where(Handle.kind == PUBLIC)
    if source:
        query = query.where(ImportedStory.source == source.strip().rstrip("/"))
    for old_path, slug in db.session.execute(query):
        yield old_path, url_for("stories.show", slug=slug, _external=True)
