"""Bringing a member's WordPress blog in: each published post a story of theirs, its comments
the story's thread, in the same tree (forum/posting/wxr.py reads the file).

The import writes through the posting path's own steps: the writer's check (suspension,
approval), the text's length, the one renderer and sanitiser (forum/text.py, after
from_html.py made Markdown of the blog's HTML). The rate limits, the new-member review and
notifications do not apply: an import is the member's old writing, placed once, and
followers are not told of years-old stories one by one.

Nobody's identity comes along: a guest commenter becomes a name of kind IMPORTED on that one
story's thread, linked to no account; the blog author's own comments become the name the
story is written under. The file is read through once before anything is written, so a
broken or hostile file imports nothing; then each post is one transaction, recorded in
ImportedStory and ImportedComment, so a second run brings nothing twice.
"""
from __future__ import annotations

import unicodedata
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, insert, select, update

from .. import text
from ..extensions import db
from ..models import (IMPORTED, PUBLISHED, VISIBLE, Group, Handle, ImportedComment,
                      ImportedStory, Post, Story, User)
from ..models.content import words_key
from ..moderation import actions as moderation
from ..names import name_key
from ..public_ids import new_public_id
from ..refusals import Refusal
from ..slugs import slugify
from . import wxr
from .from_html import to_markdown
from .refusals import PostingError, TooLong, check_writer, clean_body
from .replies import new_thread
from .stories import UNTITLED, _unique_slug

# Why a comments section an import closed is closed, as the thread page says it.
CLOSED_REASON = "imported closed"
GUEST = "Guest"
NAME_CHARS = 40

_INSERT_POST = insert(Post.__table__).returning(Post.__table__.c.id)
_SET_PATH = (update(Post.__table__).where(Post.__table__.c.id == bindparam("post"))
             .values(path=bindparam("set_path")))
_LOOKS_LIKE_CONTACT = re.compile(r"@|://|www\.|\.(com|org|net)\b", re.IGNORECASE)


class ImportRefused(Refusal):
    """The import cannot start: no such member or group, or the member may not write."""


@dataclass
class Report:
    """What an import did (or, dry, would do): brought in, already there, left out and why."""

    source: str = ""
    stories_imported: int = 0
    stories_already: int = 0
    comments_imported: int = 0
    comments_already: int = 0
    skipped: Counter = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)  # term -> group slug
    unmapped: Counter = field(default_factory=Counter)  # term -> posts that have it

    def lines(self, dry_run: bool = False) -> list[str]:
        will = "would be " if dry_run else ""
        out = [f"Blog: {self.source}" + (" (dry run: nothing was written)" if dry_run else ""),
               f"Stories {will}imported: {self.stories_imported}"
               f" (already imported: {self.stories_already})",
               f"Comments {will}imported: {self.comments_imported}"
               f" (already imported: {self.comments_already})"]
        out += [f"Skipped: {n} {reason}" for reason, n in sorted(self.skipped.items())]
        out += [f"Refused: {line}" for line in self.refused]
        out += [f"Mapped: {term} -> group {slug}" for term, slug in sorted(self.mapped.items())]
        out += [f"Not mapped to any group: {term} ({n} post{'s' if n != 1 else ''})"
                for term, n in sorted(self.unmapped.items())]
        return out


class _Placed(NamedTuple):
    """An imported comment's post, as its replies need it: where it is in the tree."""

    post_id: int
    path: str
    depth: int
    parent_post_id: int | None


# --- what is left out -----------------------------------------------------------------------

def _item_skip(item: wxr.Item) -> str | None:
    if item.id <= 0:
        return "items without a post id"
    if item.post_type == "post":
        return None if item.status == "publish" else f"posts not published ({item.status})"
    if item.post_type == "attachment":
        return "attachments (media is not imported)"
    return f"items of type {item.post_type or 'unknown'}"


def _comment_skip(comment: wxr.Comment) -> str | None:
    if comment.kind in ("pingback", "trackback"):
        return f"{comment.kind}s"
    if comment.approved == "spam":
        return "spam comments"
    if comment.approved == "trash":
        return "comments in the bin"
    if comment.approved != "1":
        return "comments waiting for approval"
    return None


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
        term, _, slug = spec.rpartition("=")
        group = db.session.scalar(select(Group).where(Group.slug == slug.strip().lower(),
                                                      Group.state == "accepted"))
        if group is None:
            raise ImportRefused(f"There is no group with the address {slug.strip()!r}. An "
                                f"import never creates groups: create it first, or leave it "
                                f"out.")
        groups[slugify(term) if term else group.slug] = group
    return groups


# --- the import -----------------------------------------------------------------------------

def import_wxr(path: str, member: User, *, groups: list[str], anonymous: bool, now: datetime,
               dry_run: bool = False) -> Report:
    """Import the blog exported in the file at `path` as `member`'s stories (under a
    pseudonym per story with `anonymous`), or with `dry_run` only say what would happen."""
    check_writer(member, now)
    mapping = _groups(groups)
    blog = wxr.Blog()
    survey = Report()
    # The whole file first, writing nothing: a file cut short or hostile halfway through
    # stops here, before its first post is stored.
    for item in wxr.read(path, blog):
        _survey(item, blog, mapping, survey)
    survey.source = blog.source
    if dry_run:
        return survey
    report = Report(source=blog.source)
    blog = wxr.Blog()
    for item in wxr.read(path, blog):
        if (reason := _item_skip(item)) is not None:
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


def _survey(item: wxr.Item, blog: wxr.Blog, groups: dict[str, Group], report: Report) -> None:
    if (reason := _item_skip(item)) is not None:
        report.skipped[reason] += 1
        return
    _terms(item, groups, report)
    record = db.session.scalar(select(ImportedStory.id).where(
        ImportedStory.source == blog.source, ImportedStory.source_post_id == item.id))
    done: set[int] = set()
    if record is None:
        report.stories_imported += 1
    else:
        report.stories_already += 1
        done = set(db.session.scalars(select(ImportedComment.source_comment_id)
                                      .where(ImportedComment.imported_story_id == record)))
    for comment in item.comments:
        if (reason := _comment_skip(comment)) is not None:
            report.skipped[reason] += 1
        elif comment.id in done:
            report.comments_already += 1
        else:
            report.comments_imported += 1


def _day(when) -> datetime:
    """A date kept to the day, as the site keeps imported writing."""
    return datetime.combine(when, time())


def _import_post(item: wxr.Item, blog: wxr.Blog, member: User, groups: list[Group],
                 anonymous: bool, now: datetime, report: Report) -> None:
    record = db.session.scalar(select(ImportedStory).where(
        ImportedStory.source == blog.source, ImportedStory.source_post_id == item.id))
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
    _import_comments(item, blog, record, story, report)


def _new_story(item: wxr.Item, blog: wxr.Blog, member: User, groups: list[Group],
               anonymous: bool, now: datetime) -> Story:
    body = clean_body(to_markdown(item.body, blog.address))
    title = (" ".join(item.title.split()) or UNTITLED)[:200]
    day = _day(item.day or now.date())
    thread = new_thread(member, title, None, anonymous, day)
    rendered = text.render(body, Story.EXCERPT_CHARS)
    story = Story(title=title, slug=_unique_slug(title), summary="", body=body,
                  body_html=rendered.html, excerpt=rendered.excerpt, content_warnings="",
                  handle=thread.handle, thread=thread, state=PUBLISHED, noindex=False,
                  published_at=day, groups=groups)
    db.session.add(story)
    db.session.flush()
    return story


# --- the comment thread ---------------------------------------------------------------------

def _import_comments(item: wxr.Item, blog: wxr.Blog, record: ImportedStory, story: Story,
                     report: Report) -> None:
    """Each kept comment under its parent (or its nearest kept ancestor), siblings in date
    order, as live replies are placed; comments imported before are left as they are."""
    by_id = {c.id: c for c in item.comments}
    kept: dict[int, wxr.Comment] = {}
    for comment in item.comments:
        if (reason := _comment_skip(comment)) is not None:
            report.skipped[reason] += 1
        else:
            kept[comment.id] = comment
    if not kept:
        return
    children: dict[int, list[wxr.Comment]] = defaultdict(list)
    for comment in kept.values():
        children[_anchor(comment, by_id, kept)].append(comment)
    placed = _placed_before(record)
    by_post = {p.post_id: p for p in placed.values()}
    names = _NameBook(story)
    author_id = blog.author_ids.get(item.creator, -1)
    max_depth = current_app.config["MAX_DEPTH"]
    mapping_rows, newest, added = [], None, 0
    # Depth first from the post itself, each level in date order: a parent is always
    # placed before its replies, and siblings get increasing ids, so paths sort by date.
    stack = [(0, c) for c in sorted(children.pop(0, []), key=_by_date, reverse=True)]
    while stack or children:
        if not stack:  # replies in a loop of parents: placed at the top level
            orphans = children.pop(next(iter(children)))
            stack = [(0, c) for c in sorted(orphans, key=_by_date, reverse=True)]
        anchor, comment = stack.pop()
        parent = placed.get(anchor)
        if comment.id in placed:
            report.comments_already += 1
        else:
            place = _place(comment, parent, by_post, story, blog, names,
                           own=(comment.user_id > 0 and comment.user_id == author_id)
                           or (comment.author != "" and comment.author == item.creator),
                           max_depth=max_depth, report=report)
            if place is None:  # refused (too long, empty): its replies go to its parent
                placed[comment.id] = parent
            else:
                placed[comment.id] = by_post[place.post_id] = place
                mapping_rows.append({"imported_story_id": record.id,
                                     "source_comment_id": comment.id,
                                     "post_id": place.post_id})
                newest = max(newest or comment.date, comment.date)
                added += 1
        for child in sorted(children.pop(comment.id, []), key=_by_date, reverse=True):
            stack.append((comment.id, child))
    if mapping_rows:
        db.session.execute(insert(ImportedComment), mapping_rows)
    thread = story.thread
    thread.post_count += added
    if newest is not None and _day(newest.date()) > thread.last_post_at:
        thread.last_post_at = _day(newest.date())
    report.comments_imported += added


def _by_date(comment: wxr.Comment):
    return (comment.date, comment.id)


def _anchor(comment: wxr.Comment, by_id: dict, kept: dict) -> int:
    """The nearest kept ancestor of a comment (0: the post itself), past skipped ones."""
    parent, seen = comment.parent, {comment.id}
    while parent and parent not in kept and parent in by_id and parent not in seen:
        seen.add(parent)
        parent = by_id[parent].parent
    return parent if parent in kept and parent not in seen else 0


def _placed_before(record: ImportedStory) -> dict[int, _Placed | None]:
    """The comments of this post that an earlier run imported, where they are."""
    rows = db.session.execute(
        select(ImportedComment.source_comment_id, Post.id, Post.path, Post.depth,
               Post.parent_id)
        .join(Post, Post.id == ImportedComment.post_id)
        .where(ImportedComment.imported_story_id == record.id))
    return {cid: _Placed(pid, path, depth, parent) for cid, pid, path, depth, parent in rows}


def _place(comment: wxr.Comment, parent: _Placed | None, by_post: dict[int, _Placed],
           story: Story, blog: wxr.Blog, names: "_NameBook", *, own: bool, max_depth: int,
           report: Report) -> _Placed | None:
    """Store one comment as a post in the story's thread; None when its text is refused."""
    try:
        body = clean_body(to_markdown(comment.body, blog.address))
    except TooLong:
        report.skipped["comments too long for the site"] += 1
        return None
    except PostingError:
        report.skipped["comments empty once unsafe markup was dropped"] += 1
        return None
    # A reply to the deepest level attaches beside its parent, at that same level, as a
    # live reply does (replies._add_post).
    while parent is not None and parent.depth >= max_depth - 1:
        parent = by_post.get(parent.parent_post_id) if parent.parent_post_id else None
    day = _day(comment.date.date())
    handle_id = story.handle_id if own else names.handle_id(comment.author, day)
    rendered = text.render(body, Post.EXCERPT_CHARS)
    row = {"public_id": new_public_id(), "has_legacy_url": False, "thread_id": story.thread_id,
           "parent_id": parent.post_id if parent else None, "handle_id": handle_id,
           "body": body, "body_key": words_key(body), "body_html": rendered.html,
           "excerpt": rendered.excerpt, "created_at": day,
           "edited_at": None, "state": VISIBLE, "depth": parent.depth + 1 if parent else 0,
           "submission_key": None, "path": ""}
    post_id = db.session.execute(_INSERT_POST, row).scalar_one()
    path = (parent.path if parent else "") + Post.path_segment(post_id)
    db.session.execute(_SET_PATH, {"post": post_id, "set_path": path})
    return _Placed(post_id, path, row["depth"], row["parent_id"])


def imported_name(raw: str) -> str:
    """A guest commenter's name as shown: visible characters, one line, short, and never
    anything that looks like an email or web address (those stay behind)."""
    name = "".join(c for c in unicodedata.normalize("NFC", raw or "")
                   if unicodedata.category(c)[0] not in "CZ" or c == " ")
    name = " ".join(name.split())[:NAME_CHARS].strip()
    if not name or _LOOKS_LIKE_CONTACT.search(name) or not name_key(name):
        return GUEST
    return name


class _NameBook:
    """The imported names of one story's thread: one handle per commenter's name."""

    def __init__(self, story: Story):
        self.thread_id = story.thread_id
        self.ids: dict[str, int] = {}
        self.taken: set[str] = set()
        for handle in db.session.scalars(select(Handle).where(Handle.thread_id ==
                                                              self.thread_id)):
            if handle.kind == IMPORTED:
                self.ids[handle.name_key] = handle.id
            self.taken.add(handle.name_key)

    def handle_id(self, raw: str, day: datetime) -> int:
        name = imported_name(raw)
        key = name_key(name)
        if key in self.ids:
            return self.ids[key]
        n = 2
        shown = name
        while name_key(shown) in self.taken:  # a pseudonym of this thread has that name
            shown, n = f"{name} ({n})", n + 1
        handle = Handle(user_id=None, name=shown, name_key=name_key(shown), kind=IMPORTED,
                        thread_id=self.thread_id, created_at=day)
        db.session.add(handle)
        db.session.flush()
        self.ids[key] = handle.id
        self.taken.add(handle.name_key)
        return handle.id
