"""Testimonies: their addresses and groups, drafts, publishing, changes and earlier versions,
and the author closing or reopening the comments on their own story."""
from __future__ import annotations

import json
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from .. import permissions, text
from ..extensions import db
from ..groups.service import resolve_groups
from ..slugs import slugify
from ..models.content import DEFAULT_LANGUAGE
from ..models import (DRAFT, PENDING, PUBLISHED, Follow, Handle, Notification, Post, Story,
                      StoryRevision, Thread, User, story_groups)
from ..moderation import actions as moderation
from ..notifications import service as notifications
from . import review
from .handles import handle_for
from .refusals import (NotAllowed, PostingError, check_links, check_new_text, check_writer,
                       clean_body, clean_draft, count_write)
from .replies import new_thread

# Routes under /stories/ that a story's slug must never shadow.
RESERVED_SLUGS = {"new", "drafts", "autosave"}
UNTITLED = "Untitled draft"


# --- addresses, groups and warnings -------------------------------------------------------

def _unique_slug(title: str, story: Story | None = None) -> str:
    base = slugify(title)
    if story is not None and story.slug == base:
        return base
    taken = set(db.session.scalars(
        select(Story.slug).where((Story.slug == base) | Story.slug.like(f"{base}-%"))
    )) | RESERVED_SLUGS
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _warnings(values: list[str]) -> str:
    return ",".join(dict.fromkeys(v.strip().replace(",", " ")[:60] for v in values if v.strip()))


def _apply_story_fields(story: Story, writer: User, *, title: str, summary: str, body: str,
                        warnings: list[str], group_names: list[str], noindex: bool | None,
                        now: datetime, language: str | None = None) -> None:
    story.title = story.thread.title = title.strip() or UNTITLED
    if language is not None:  # None: as it was (a restored version, a form without it)
        if language != story.thread.language:
            # Each comment keeps its own copy, which PostgreSQL's search stems it by
            # (models.Post.language): one UPDATE, only when the language changes.
            db.session.execute(update(Post).where(Post.thread_id == story.thread_id)
                               .values(language=language))
        # The comments carry the story's language (models.Thread.language): the tree's
        # kept copies are keyed by it, so they follow at once.
        story.language = story.thread.language = language
    story.summary = summary.strip()
    # A story from before its reading time was kept (migration 0034) is rendered again at
    # its first edit, whatever changed.
    if body != story.body or story.word_count is None:
        render_story(story, body)
    story.content_warnings = _warnings(warnings)
    story.groups = resolve_groups(group_names, writer, now)
    if noindex is not None:
        story.noindex = bool(noindex)


def render_story(story: Story, body: str) -> None:
    """Give the story `body`, rendered once here with what its page shows of it: the HTML
    with its headings' ids, the excerpt, the word count and the table of contents."""
    rendered = text.render(body, Story.EXCERPT_CHARS, headings=True)
    story.body, story.body_html, story.excerpt = body, rendered.html, rendered.excerpt
    story.word_count = rendered.words
    story.toc = json.dumps([list(h) for h in rendered.headings], ensure_ascii=False)


def backfill_reading_aids(batch: int = 200) -> int:
    """Render once more every story written before its word count and table of contents
    were kept (migration 0034), `batch` at a time, each batch committed; returns how many.
    What `flask stories reading-aids` runs after upgrading: a migration renders nothing."""
    done = 0
    while stories := db.session.scalars(select(Story).where(Story.word_count.is_(None))
                                        .order_by(Story.id).limit(batch)).all():
        for story in stories:
            render_story(story, story.body)
        db.session.commit()
        done += len(stories)
    return done


def _check_author(user: User, story: Story) -> None:
    if not permissions.can_edit_story(user, story):
        raise NotAllowed(_("Only the author can change this story."))


# --- drafts and publishing ----------------------------------------------------------------

def create_story(author: User, *, title: str, summary: str, body: str, warnings: list[str],
                 group_names: list[str], anonymous: bool, now: datetime,
                 draft: bool = False, noindex: bool = False, once: str | None = None,
                 language: str | None = None) -> Story:
    """Publish a testimony (or save it as a draft) with an empty comment section.

    `once`: the digest of the form's one-time key (forum/submission_keys.py), kept on the
    story: its unique index refuses a second story from the same form. `language`: the one
    it is written in (None: English, the column's default)."""
    check_writer(author, now)
    body = clean_draft(body) if draft else clean_body(body)
    if not draft:
        check_new_text(author, body, now)
    count_write(author, "draft" if draft else "topic", now)
    held = not draft and review.must_wait(author)
    language = language or DEFAULT_LANGUAGE
    thread = new_thread(author, title.strip() or UNTITLED, None, anonymous, now, language)
    story = Story(
        title="", slug=_unique_slug(title or UNTITLED), body="", body_html="",
        handle=thread.handle, thread=thread,
        state=DRAFT if draft else PENDING if held else PUBLISHED, published_at=now,
        submission_key=once, language=language,
    )
    _apply_story_fields(story, author, title=title, summary=summary, body=body,
                        warnings=warnings, group_names=group_names, noindex=noindex, now=now)
    # A waiting story's comment section is hidden with it, as a removed story's is: no
    # address of the thread (its feed, /threads/<id>) shows its title.
    thread.hidden = held
    db.session.add(story)
    if story.is_published:  # a story waiting for a moderator is announced when approved
        notifications.on_new_story(story, author, now)
    db.session.commit()
    return story


def save_draft(user: User, story: Story | None, *, title: str, summary: str, body: str,
               warnings: list[str], group_names: list[str], anonymous: bool, now: datetime,
               noindex: bool = False, once: str | None = None,
               language: str | None = None) -> Story:
    """Keep an unpublished story on the server, creating the draft on first save (with the
    form's one-time key, `once`: a double click makes one draft)."""
    if story is None:
        return create_story(user, title=title, summary=summary, body=body, warnings=warnings,
                            group_names=group_names, anonymous=anonymous, now=now,
                            draft=True, noindex=noindex, once=once, language=language)
    check_writer(user, now)
    _check_author(user, story)
    if story.state != DRAFT:
        raise NotAllowed(_("This story is already published; save your changes instead."))
    body = clean_draft(body)
    count_write(user, "draft", now)
    _apply_story_fields(story, user, title=title, summary=summary, body=body, warnings=warnings,
                        group_names=group_names, noindex=noindex, now=now, language=language)
    story.published_at = now  # a draft's date is when it was last worked on
    db.session.commit()
    return story


def drafts_of(user: User):
    """The writer's own unpublished drafts, the one worked on last first (a `select`)."""
    return (select(Story).join(Handle, Story.handle_id == Handle.id)
            .where(Handle.user_id == user.id, Story.state == DRAFT)
            .order_by(Story.published_at.desc(), Story.id.desc()))


def draft_count(user: User) -> int:
    """How many drafts the writer has (shown only to them, on the Write page)."""
    return db.session.scalar(select(func.count()).select_from(drafts_of(user).subquery()))


def delete_draft(user: User, story: Story) -> None:
    """Delete a draft for good, with its empty comment section: nobody else ever saw it."""
    if not permissions.owns(user, story.handle):
        raise NotAllowed(_("Only the author can delete this draft."))
    if story.state != DRAFT:
        raise NotAllowed(_("This story is published, so it is no longer a draft."))
    thread = story.thread
    db.session.execute(delete(StoryRevision).where(StoryRevision.story_id == story.id))
    db.session.execute(delete(story_groups).where(story_groups.c.story_id == story.id))
    db.session.delete(story)
    db.session.flush()
    db.session.execute(delete(Follow).where(Follow.thread_id == thread.id))
    db.session.execute(delete(Notification).where(Notification.thread_id == thread.id))
    # A name made for this draft alone (posting anonymously) goes with it.
    own_name = thread.handle if thread.handle.thread_id == thread.id else None
    db.session.delete(thread)
    db.session.flush()
    if own_name is not None:
        db.session.delete(own_name)
    db.session.commit()


def publish_draft(user: User, story: Story, *, title: str, summary: str, body: str,
                  warnings: list[str], group_names: list[str], now: datetime,
                  noindex: bool = False, anonymous: bool | None = None,
                  once: str | None = None, language: str | None = None) -> Story:
    """Publish a draft with its final text: it appears in lists, feeds and search from now.
    `once`: the digest of the publishing form's one-time key, kept on the story from now."""
    check_writer(user, now)
    _check_author(user, story)
    if story.state != DRAFT:
        raise NotAllowed(_("This story is already published."))
    body = clean_body(body)
    if not title.strip():
        raise PostingError(_("Please give your story a title before publishing it."))
    check_new_text(user, body, now)
    count_write(user, "topic", now)
    if anonymous is not None and anonymous != story.handle.is_anonymous:
        story.handle = story.thread.handle = handle_for(user, story.thread, anonymous, now)
    _apply_story_fields(story, user, title=title, summary=summary, body=body, warnings=warnings,
                        group_names=group_names, noindex=noindex, now=now, language=language)
    held = review.must_wait(user)
    story.state = PENDING if held else PUBLISHED
    story.thread.hidden = held
    if once is not None:
        story.submission_key = once
    story.published_at, story.slug = now, _unique_slug(title, story)
    story.thread.created_at = story.thread.last_post_at = now
    if not held:
        notifications.on_new_story(story, user, now)
    db.session.commit()
    return story


# --- changes and earlier versions ---------------------------------------------------------

def update_story(user: User, story: Story, *, title: str, summary: str, body: str,
                 warnings: list[str], group_names: list[str], now: datetime,
                 noindex: bool | None = None, language: str | None = None) -> Story:
    """Save the author's changes to their story and mark it edited.

    The text before the change is kept as a revision only its author can see. `noindex=None`
    leaves the search-engine choice as it was, so no caller that forgets it can expose a
    story its author kept out of search engines. `language=None` leaves the language as it was.
    """
    check_writer(user, now)
    _check_author(user, story)
    body = clean_body(body)
    check_links(user, body, now)
    count_write(user, "edit", now)
    if (title.strip(), summary.strip(), body) != (story.title, story.summary, story.body):
        db.session.add(StoryRevision(story_id=story.id, title=story.title, summary=story.summary,
                                     body=story.body, body_html=story.body_html, created_at=now))
    _apply_story_fields(story, user, title=title, summary=summary, body=body, warnings=warnings,
                        group_names=group_names, noindex=noindex, now=now, language=language)
    story.edited_at = now
    db.session.commit()
    return story


def restore_revision(user: User, story: Story, revision: StoryRevision, now: datetime) -> Story:
    """Bring back an earlier version; the current one becomes a revision in its turn."""
    if revision.story_id != story.id:
        raise NotAllowed(_("That version belongs to another story."))
    return update_story(user, story, title=revision.title, summary=revision.summary,
                        body=revision.body, warnings=story.warning_keys,
                        group_names=[g.name for g in story.groups], now=now)


def purge_revisions(user: User, story: Story) -> int:
    """Delete every earlier version of the author's story; returns how many went."""
    _check_author(user, story)
    result = db.session.execute(delete(StoryRevision).where(StoryRevision.story_id == story.id))
    db.session.commit()
    return result.rowcount


# --- the author's own moderation: closing and reopening comments --------------------------

def close_comments(user: User, story: Story, *, reason: str, now: datetime) -> Thread:
    """Close the comments on your own story, logged as your choice under your story's name."""
    check_writer(user, now)
    if not permissions.can_close_comments(user, story):
        raise NotAllowed(_("Only the author can close the comments on this story."))
    if story.thread.is_locked:
        raise PostingError(_("The comments on this story are closed already."))
    try:
        reason = moderation.clean_reason(reason, required=False)
    except moderation.ModerationError as error:
        raise PostingError(str(error.message)) from error
    moderation.close_thread(story.thread, reason, now, by_author=True)
    # Signed with the story's own handle: its pseudonym if the story is anonymous.
    moderation.record(story.handle, moderation.CLOSE_COMMENTS, reason, now, story=story)
    db.session.commit()
    return story.thread


def reopen_comments(user: User, story: Story, *, now: datetime) -> Thread:
    """Reopen the comments you closed on your own story."""
    check_writer(user, now)
    if not permissions.can_close_comments(user, story):
        raise NotAllowed(_("Only the author can reopen the comments on this story."))
    if not story.thread.is_locked:
        raise PostingError(_("The comments on this story are open already."))
    if not permissions.can_reopen_comments(user, story):
        raise NotAllowed(_("A moderator closed these comments, so only a moderator can reopen "
                           "them."))
    moderation.open_thread(story.thread)
    moderation.record(story.handle, moderation.REOPEN_COMMENTS, "", now, story=story)
    db.session.commit()
    return story.thread
