"""An imported post's comments as its story's thread: the same tree, each reply under its
parent (or its nearest kept ancestor), siblings in date order, guests as imported names.

Nobody's identity comes along: a guest commenter becomes a handle of kind IMPORTED on that
one story's thread, tied to no account, and a name that looks like an email or a web
address is shown as GUEST; the blog author's own comments take the story's own name.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, insert, select

from .. import text
from ..extensions import db
from ..models import IMPORTED, VISIBLE, Handle, ImportedComment, ImportedStory, Post, Story
from ..models.content import words_key
from ..names import name_key
from ..public_ids import new_public_id
from . import wxr
from .import_report import Report, comment_body, comment_skip, to_day
from .replies import INSERT_POST_RETURNING_ID, SET_PATH

GUEST = wxr.GUEST
NAME_CHARS = 40

_INSERT_HANDLE = insert(Handle.__table__).returning(Handle.__table__.c.id)
# The " (2)" that sets a guest's name apart from a pseudonym of the same thread.
_NUMBERED = re.compile(r" \(\d+\)$")
_LOOKS_LIKE_CONTACT = wxr.LOOKS_LIKE_CONTACT


class _Placed(NamedTuple):
    """An imported comment's post, as its replies need it: where it is in the tree."""

    post_id: int
    path: str
    depth: int
    parent_post_id: int | None


def import_comments(item: wxr.Item, blog: wxr.Blog, record: ImportedStory, story: Story,
                    report: Report) -> None:
    """Each kept comment under its parent (or its nearest kept ancestor), siblings in date
    order, as live replies are placed; comments imported before are left as they are."""
    by_id = {c.id: c for c in item.comments}
    kept: dict[int, wxr.Comment] = {}
    for comment in item.comments:
        if (reason := comment_skip(comment)) is not None:
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
    posts = _NewPosts(sum(1 for c in kept if c not in placed))
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
            place = _place(comment, parent, by_post, story, blog, names, posts,
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
    posts.flush()
    if mapping_rows:
        db.session.execute(insert(ImportedComment), mapping_rows)
    thread = story.thread
    thread.post_count += added
    if newest is not None and to_day(newest.date()) > thread.last_post_at:
        thread.last_post_at = to_day(newest.date())
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


class _NewPosts:
    """Where a post's new comments go in. On PostgreSQL their ids come from the posts'
    sequence first, so each goes in with its path and all of them in one executemany (a round
    trip or two per post instead of two per comment); SQLite has no sequence: there each
    comment's INSERT hands out its id, and an UPDATE sets its path."""

    def __init__(self, wanted: int):
        self.ids = None
        self.rows: list[dict] = []
        if wanted and db.session.get_bind().dialect.name == "postgresql":
            self.ids = iter(sorted(db.session.scalars(
                select(func.nextval(func.pg_get_serial_sequence("posts", "id")))
                .select_from(func.generate_series(1, wanted)))))

    def add(self, row: dict, prefix: str) -> int:
        """Store (or queue) the post `row` under the path `prefix`; returns its id."""
        if self.ids is not None:
            post_id = next(self.ids)
            self.rows.append({**row, "id": post_id, "path": prefix + Post.path_segment(post_id)})
            return post_id
        post_id = db.session.execute(INSERT_POST_RETURNING_ID, {**row, "path": ""}).scalar_one()
        db.session.execute(SET_PATH, {"post": post_id,
                                       "set_path": prefix + Post.path_segment(post_id)})
        return post_id

    def flush(self) -> None:
        """Insert the queued posts, parents before their replies."""
        if self.rows:
            db.session.execute(insert(Post.__table__), self.rows)
            self.rows = []


def _place(comment: wxr.Comment, parent: _Placed | None, by_post: dict[int, _Placed],
           story: Story, blog: wxr.Blog, names: "_NameBook", posts: _NewPosts, *, own: bool,
           max_depth: int, report: Report) -> _Placed | None:
    """Store one comment as a post in the story's thread; None when its text is refused."""
    body = comment_body(comment, blog, report)
    if body is None:
        return None
    # A reply to the deepest level attaches beside its parent, at that same level, as a
    # live reply does (replies._add_post).
    while parent is not None and parent.depth >= max_depth - 1:
        parent = by_post.get(parent.parent_post_id) if parent.parent_post_id else None
    day = to_day(comment.date.date())
    handle_id = story.handle_id if own else names.handle_id(comment.author, day)
    rendered = text.render(body, Post.EXCERPT_CHARS)
    row = {"public_id": new_public_id(), "has_legacy_url": False, "thread_id": story.thread_id,
           "parent_id": parent.post_id if parent else None, "handle_id": handle_id,
           "body": body, "body_key": words_key(body), "body_html": rendered.html,
           "excerpt": rendered.excerpt, "created_at": day,
           "edited_at": None, "state": VISIBLE, "depth": parent.depth + 1 if parent else 0,
           "submission_key": None,
           "language": story.language}  # its thread's: stories.py keeps the two alike
    prefix = parent.path if parent else ""
    post_id = posts.add(row, prefix)
    return _Placed(post_id, prefix + Post.path_segment(post_id), row["depth"], row["parent_id"])


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
        self.ids: dict[str, int] = {}  # the key of the name as the blog gave it -> handle
        self.by_raw: dict[str, int] = {}
        self.taken: set[str] = set()
        for handle in db.session.scalars(select(Handle).where(Handle.thread_id ==
                                                              self.thread_id)):
            if handle.kind == IMPORTED:
                self.ids.setdefault(name_key(_NUMBERED.sub("", handle.name)), handle.id)
            self.taken.add(handle.name_key)

    def handle_id(self, raw: str, day: datetime) -> int:
        """The handle of the guest called `raw` on this story, made at their first comment."""
        if raw in self.by_raw:
            return self.by_raw[raw]
        name = imported_name(raw)
        key = name_key(name)
        if key not in self.ids:
            n, shown = 2, name
            while name_key(shown) in self.taken:  # a pseudonym of this thread has that name
                shown, n = f"{name} ({n})", n + 1
            # A Core INSERT: the ORM's unit of work for each new name was a third of the
            # time of a large import.
            self.ids[key] = db.session.execute(_INSERT_HANDLE, {
                "user_id": None, "name": shown, "name_key": name_key(shown), "kind": IMPORTED,
                "thread_id": self.thread_id, "created_at": day}).scalar_one()
            self.taken.add(name_key(shown))
        self.by_raw[raw] = self.ids[key]
        return self.ids[key]
