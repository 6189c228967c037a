"""Bringing a member's WordPress blog in: each published post a story of theirs, its comments
the story's thread, in the same tree (forum/posting/wxr.py reads the file).

The import writes through the posting path's own steps: the writer's check (suspension,
approval), the text's length, the one renderer and sanitiser (forum/text.py, after
from_html.py made Markdown of the blog's HTML). The rate limits, the new-member review and
notifications do not apply: an import is the member's old writing, placed once, and
followers are not told of years-old stories one by one (the member follows each story's
comments, as a writer does, if they follow what they write).

The comments become the story's thread in import_thread.py, where nobody's identity comes
along. The file is read through once before anything is written, so a broken or hostile
file imports nothing; then each post is one transaction, recorded in ImportedStory and
ImportedComment, so a second run brings nothing twice.
"""
from __future__ import annotations

import io
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import PUBLISHED, Group, ImportedComment, ImportedStory, Story, User
from ..moderation import actions as moderation
from ..notifications import service as notifications
from ..refusals import Refusal
from ..slugs import slugify
from . import wxr
from .import_report import Report, comment_body, comment_skip, item_skip, story_body, to_day
from .import_thread import import_comments
from .refusals import PostingError, check_writer
from .replies import new_thread
from .stories import UNTITLED, _unique_slug, render_story

# Why a comments section an import closed is closed, as the thread page says it.
CLOSED_REASON = "imported closed"
# A post some other account already brought in (the report's words: no name is given).
ANOTHER_ACCOUNT = "posts already on this site from another account"


class ImportRefused(Refusal):
    """The import cannot start: no such member or group, or the member may not write."""


def _terms(item: wxr.Item, groups: dict[str, Group], report: Report) -> list[Group]:
    """The groups a post's categories and tags map to; the rest counted as not mapped."""
    found: dict[int, Group] = {}
    for term in item.terms:
        label = f"{'tag' if term.kind == 'post_tag' else 'category'} {term.name or term.slug}"
        group = groups.get(term.slug.lower()) or groups.get(slugify(term.name))
        if group is None:
            report.unmapped[label] += 1
        else:
            report.mapped[label] = group.slug
            found[group.id] = group
    return list(found.values())


def _groups(specs: list[str]) -> dict[str, Group]:
    """`--group` values, SLUG or TERM=SLUG, as term key -> existing accepted group."""
    groups: dict[str, Group] = {}
    for spec in specs:
        term, _equals, slug = spec.rpartition("=")
        group = db.session.scalar(select(Group).where(Group.slug == slug.strip().lower(),
                                                      Group.state == "accepted"))
        if group is None:
            raise ImportRefused(_("There is no group with the address %(address)s. An import "
                                  "never creates groups: create it first, or leave it out.",
                                  address=repr(slug.strip())))
        groups[slugify(term) if term else group.slug] = group
    return groups


# --- the import -----------------------------------------------------------------------------

def _open(source: str | bytes):
    """A path as it is; an export held in memory (a member's scrubbed upload) as a fresh
    file object, once per reading."""
    return io.BytesIO(source) if isinstance(source, bytes) else source


def import_wxr(path: str | bytes, member: User, *, groups: list[str], anonymous: bool,
               now: datetime, dry_run: bool = False) -> Report:
    """Import the blog exported in the file at `path` (or held in these bytes) as `member`'s
    stories (under a pseudonym per story with `anonymous`), or with `dry_run` only say what
    would happen."""
    check_writer(member, now)
    mapping = _groups(groups)
    blog = wxr.Blog()
    survey = Report()
    # The whole file first, writing nothing: a file cut short or hostile halfway through
    # stops here, before its first post is stored.
    for item in wxr.read(_open(path), blog):
        _survey(item, blog, member, mapping, survey, look_up=dry_run)
    survey.source = blog.source
    if dry_run:
        return survey
    report = Report(source=blog.source)
    blog = wxr.Blog()
    for item in wxr.read(_open(path), blog):
        if (reason := item_skip(item)) is not None:
            report.skipped[reason] += 1
            continue
        try:
            _import_post(item, blog, member, _terms(item, mapping, report), anonymous, now,
                         report)
            db.session.commit()
        except PostingError as refused:
            db.session.rollback()
            report.refused.append(f"{item.title or UNTITLED!r}: {refused.message}")
        except Exception:
            db.session.rollback()
            raise
    return report


def _survey(item: wxr.Item, blog: wxr.Blog, member: User, groups: dict[str, Group],
            report: Report, *, look_up: bool) -> None:
    """Count one item into the report; with `look_up`, asking the database what an earlier
    run imported (the dry run's report), else only reading the file through."""
    if (reason := item_skip(item)) is not None:
        report.skipped[reason] += 1
        return
    record = _record(item, blog) if look_up else None
    if record is not None and not _owned(record, member):
        report.skipped[ANOTHER_ACCOUNT] += 1
        return
    _terms(item, groups, report)
    record = record and record.id
    done: set[int] = set()
    if record is None and look_up:
        try:
            story_body(item, blog)
        except PostingError as refused:
            report.refused.append(f"{item.title or UNTITLED!r}: {refused.message}")
            return
    if record is None:
        report.stories_imported += 1
    else:
        report.stories_already += 1
        done = set(db.session.scalars(select(ImportedComment.source_comment_id)
                                      .where(ImportedComment.imported_story_id == record)))
    for comment in item.comments:
        if (reason := comment_skip(comment)) is not None:
            report.skipped[reason] += 1
        elif comment.id in done:
            report.comments_already += 1
        elif not look_up or comment_body(comment, blog, report) is not None:
            report.comments_imported += 1


def _record(item: wxr.Item, blog: wxr.Blog) -> ImportedStory | None:
    """What an earlier run made of this post of this blog, if anything."""
    return db.session.scalar(select(ImportedStory).where(
        ImportedStory.source == blog.source, ImportedStory.source_post_id == item.id))


def _owned(record: ImportedStory, member: User) -> bool:
    """Whether the story an earlier run made is this member's (under any of their names).

    Members import from Settings: a file naming someone else's blog must not add comments
    to their stories, nor say whose they are."""
    return record.story.handle.user_id == member.id


def _import_post(item: wxr.Item, blog: wxr.Blog, member: User, groups: list[Group],
                 anonymous: bool, now: datetime, report: Report) -> None:
    record = _record(item, blog)
    if record is not None and not _owned(record, member):
        report.skipped[ANOTHER_ACCOUNT] += 1
        return
    if record is None:
        story = _new_story(item, blog, member, groups, anonymous, now)
        record = ImportedStory(source=blog.source, source_post_id=item.id, story=story,
                               old_path=item.old_path, imported_at=now)
        db.session.add(record)
        db.session.flush()
        if item.comment_status == "closed":
            moderation.close_thread(story.thread, CLOSED_REASON, now, by_author=True)
        report.stories_imported += 1
    else:
        story = record.story
        report.stories_already += 1
    import_comments(item, blog, record, story, report)


def _new_story(item: wxr.Item, blog: wxr.Blog, member: User, groups: list[Group],
               anonymous: bool, now: datetime) -> Story:
    body = story_body(item, blog)
    title = (" ".join(item.title.split()) or UNTITLED)[:200]
    day = to_day(item.day or now.date())
    thread = new_thread(member, title, None, anonymous, day)
    story = Story(title=title, slug=_unique_slug(title), summary="", content_warnings="",
                  handle=thread.handle, thread=thread, state=PUBLISHED, noindex=False,
                  published_at=day, groups=groups)
    render_story(story, body)
    db.session.add(story)
    db.session.flush()
    # Its writer hears of new comments as on any story of theirs; nobody else is told.
    if member.follow_on_write:
        notifications.follow_thread(member, thread, now)
    return story


