"""The readable archive: a member's own stories and posts as Markdown files in a zip, with an
index, for reading and keeping (export.py gives everything else, as JSON).

Each file holds the text as its writer typed it (Markdown), under a few lines saying what it
is: the title, the name it went out under (their own pseudonyms included: it is their data),
when, and where it stands. Nothing of anyone else is in it but the titles of the discussions
their posts are in, as the JSON export has them.

Built in a spooled temporary file: in memory up to IN_MEMORY bytes, on disk beyond, so that a
prolific writer's archive never sits whole in a worker's memory. The same limit as the JSON
export counts it (export.count_export).
"""
from __future__ import annotations

import tempfile
import zipfile
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..extensions import db
from ..models import (
    DELETED, DRAFT, HIDDEN, PENDING, PUBLISHED, REFUSED, VISIBLE, Handle, Post, Story, Thread,
    User,
)
from .export import count_export

IN_MEMORY = 8 * 1024 * 1024
FOLDER = "afterward-my-writing"

# Where a story or post stands, in words (the states of forum/models).
STATES = {
    PUBLISHED: "Published", DRAFT: "Draft, not published", HIDDEN: "Hidden by a moderator",
    VISIBLE: "Shown", DELETED: "Deleted", PENDING: "Waiting for a moderator",
    REFUSED: "Not approved by a moderator",
}


def _day(value: datetime | None) -> str:
    return value.strftime("%-d %B %Y, %H:%M UTC") if value else ""


def _one_line(text: str) -> str:
    """A title or name on one line of a Markdown list, whatever it holds."""
    return " ".join((text or "").split())


def _name(handle: Handle) -> str:
    return (f"{handle.name} (an anonymous name)" if handle.is_anonymous
            else handle.name)


def _story_file(story: Story, handle: Handle) -> str:
    lines = [f"# {_one_line(story.title)}", "",
             f"- Posted as: {_name(handle)}",
             f"- State: {STATES.get(story.state, story.state)}"]
    lines.append(f"- {'Published' if story.state == PUBLISHED else 'Dated'}: "
                 f"{_day(story.published_at)}")
    if story.edited_at:
        lines.append(f"- Last edited: {_day(story.edited_at)}")
    if story.groups:
        lines.append(f"- Groups: {', '.join(_one_line(g.name) for g in story.groups)}")
    if story.warnings:
        lines.append(f"- Content warnings: {', '.join(story.warnings)}")
    if story.summary:
        lines += ["", f"> {_one_line(story.summary)}"]
    return "\n".join(lines + ["", "---", "", story.body.rstrip(), ""])


def _post_file(post: Post, handle: Handle, thread_title: str, on_story: bool) -> str:
    where = "A comment on the story" if on_story else "A post in the discussion"
    lines = [f"# {where} “{_one_line(thread_title)}”", "",
             f"- Posted as: {_name(handle)}",
             f"- Written: {_day(post.created_at)}",
             f"- State: {STATES.get(post.state, post.state)}"]
    if post.edited_at:
        lines.append(f"- Last edited: {_day(post.edited_at)}")
    return "\n".join(lines + ["", "---", "", post.body.rstrip(), ""])


def _index(user_names: list[Handle], stories: list[tuple[str, Story, Handle]],
           posts: list[tuple[str, Post, Handle, str]], now: datetime) -> str:
    lines = ["# Your writing on Afterward", "",
             f"Made on {_day(now)}. Each file below holds one story or post as you typed it "
             "(Markdown: plain text with a little punctuation for headings, lists and "
             "emphasis), and the name it went out under. Only you received this file.", "",
             "Names you wrote under: " + ", ".join(_name(h) for h in user_names), "",
             f"## Stories ({len(stories)})", ""]
    lines += [f"- [{_one_line(story.title)}]({path}): {_name(handle)}, "
              f"{STATES.get(story.state, story.state).lower()}, {_day(story.published_at)}"
              for path, story, handle in stories] or ["None."]
    lines += ["", f"## Posts and comments ({len(posts)})", ""]
    lines += [f"- [{_one_line(title)}]({path}): {_name(handle)}, {_day(post.created_at)}"
              f"{'' if post.state == VISIBLE else ', ' + STATES.get(post.state, post.state).lower()}"
              for path, post, handle, title in posts] or ["None."]
    return "\n".join(lines + [""])


def build_archive(user: User) -> tempfile.SpooledTemporaryFile:
    """The member's stories and posts as a zip of Markdown files with an index.md, rewound
    and ready to send; counts as one export (ratelimit.RateLimited past the limit)."""
    count_export(user)
    handles = {h.id: h for h in db.session.scalars(
        select(Handle).where(Handle.user_id == user.id).order_by(Handle.id))}
    ids = list(handles)
    stories = db.session.scalars(
        select(Story).where(Story.handle_id.in_(ids)).options(selectinload(Story.groups))
        .order_by(Story.id)).all()
    posts = db.session.execute(
        select(Post, Thread.title, Thread.board_id.is_(None))
        .join(Thread, Post.thread_id == Thread.id)
        .where(Post.handle_id.in_(ids)).order_by(Post.id)).all()
    now = utcnow()
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def add(path: str, text: str, when: datetime | None) -> None:
            info = zipfile.ZipInfo(f"{FOLDER}/{path}",
                                   date_time=(when or now).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))

        story_rows = []
        for story in stories:
            when = story.published_at
            path = f"stories/{when:%Y-%m-%d}-{story.slug}.md"
            story_rows.append((path, story, handles[story.handle_id]))
            add(path, _story_file(story, handles[story.handle_id]), when)
        post_rows = []
        for post, title, on_story in posts:
            path = f"posts/{post.created_at:%Y-%m-%d}-{post.public_id}.md"
            post_rows.append((path, post, handles[post.handle_id], title))
            add(path, _post_file(post, handles[post.handle_id], title, on_story),
                post.created_at)
        add("index.md", _index(list(handles.values()), story_rows, post_rows, now), now)
    out.seek(0)
    return out
